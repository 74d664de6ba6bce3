"""The membership's data rules, in one place for every door (the API application, the H5 join form,
staff applying on a worker's behalf, the roster import).

* Age: a member is at least ``MIN_AGE`` (16, the minimum working age of the Labour Law) on the day
  they join. Birth dates themselves are checked for plausibility by ``core.validators``
  (``birth_date_problem``: not in the future, not before a living person's).
* The joining date (入会日期, given by a roster): not in the future, not before the ACFTU was
  founded (1925-05-01), not before the person's birth and not before their 16th birthday.
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from yugong.core.validators import age_on

MIN_AGE = 16
EARLIEST_MEMBER_SINCE = dt.date(1925, 5, 1)  # the All-China Federation of Trade Unions was founded


def member_age_problem(birth: dt.date, *, on: dt.date) -> str:
    """Why a person born on ``birth`` cannot join on ``on`` ("" when they can)."""
    if age_on(birth, on) < MIN_AGE:
        return _("未满16周岁，不能入会。")
    return ""


def member_since_problem(since: dt.date, *, today: dt.date) -> str:
    """What is wrong with a joining date on its own ("" when nothing)."""
    if since > today:
        return _("入会日期不能晚于今天。")
    if since < EARLIEST_MEMBER_SINCE:
        return _("入会日期过早，请检查。")
    return ""


def member_since_birth_problem(since: dt.date, *, birth: dt.date) -> str:
    """What is wrong with a joining date against the member's birth date ("" when nothing)."""
    if since < birth:
        return _("入会日期早于出生日期，请检查。")
    if age_on(birth, since) < MIN_AGE:
        return _("入会日期时未满16周岁，请检查入会日期或身份证号码。")
    return ""
