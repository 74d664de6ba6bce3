"""Who may sign up for an activity, once: the rules both sign-up paths apply (the ORM path in
``services.signup_create`` / ``services._enter`` and the PostgreSQL one statement in
``signup_sql``).

* :func:`window_refusal` — the activity is open and sign-up is between its opening and closing;
  :func:`signup_phase` says the same to a worker who looks at it (报名中 exactly when it lets a
  sign-up through);
* :func:`membership_refusal` — a current membership, active, inside the organiser's subtree, of one
  of the activity's employment forms when it names some;
* :func:`prior_wins` — the weight frozen on the sign-up (earlier wins plus their no-shows, capped);
* :func:`sql_params` — the statuses, the cap, the audit action and the fact metric the statement
  compares with and writes, from the same classes, so a change of a rule changes both paths.

The statement makes the decision in SQL and, when it wrote nothing, explains it with these same
functions from what it read (no second query). ``tests/test_signup_twins.py`` drives every case
through both paths and checks they agree."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _

from yugong.core.errors import Conflict
from yugong.members.models import Membership

from .models import Activity, SignUp

SIGNUP_ACTION = "activity.signup"
# The fact scanner reads metric literals in the ORM path; the statement takes the same from here.
SIGNUP_METRIC = "activities.signups"
# Both paths append the fact to core's fact buffer (drained into the day cells by the cockpit's
# refresh) instead of upserting the cell: concurrent sign-ups then never queue on a cell's row lock.
SIGNUP_FACT_BUFFERED = True
PRIOR_WINS_CAP = 1000


def window_refusal(
    *, status: str, opens: dt.datetime, closes: dt.datetime, at: dt.datetime
) -> Conflict | None:
    if status != Activity.Status.OPEN or not opens <= at < closes:
        return Conflict(_("不在报名时间内。"), code="signup_closed")
    return None


# Where an activity stands for a worker (the list's tag, the detail page's button): a published
# activity before, inside and after its sign-up window; otherwise the activity's own status.
PHASE_UPCOMING = "upcoming"
PHASE_OPEN = "open"
PHASE_CLOSED = "closed"


def signup_phase(*, status: str, opens: dt.datetime, closes: dt.datetime, at: dt.datetime) -> str:
    """``PHASE_OPEN`` exactly when :func:`window_refusal` lets a sign-up through; ``PHASE_UPCOMING``
    or ``PHASE_CLOSED`` for a published activity before or after its window; else its status
    (drawn, cancelled, draft)."""
    if window_refusal(status=status, opens=opens, closes=closes, at=at) is None:
        return PHASE_OPEN
    if status == Activity.Status.OPEN:
        return PHASE_UPCOMING if at < opens else PHASE_CLOSED
    return status


def phase_label(phase: str) -> str:
    labels = {PHASE_OPEN: _("报名中"), PHASE_UPCOMING: _("报名未开始"), PHASE_CLOSED: _("报名已截止，待抽签")}
    if phase in labels:
        return str(labels[phase])
    return str(Activity.Status(phase).label)


def membership_refusal(
    *,
    activity_path: str,
    employment_forms: Sequence[str],
    status: str | None,
    union_path: str,
    employment_form: str,
) -> str | None:
    """Why a member with this current membership (``status`` None: none) may not sign up."""
    if status is None:
        return _("仅限工会会员报名，请先入会。")
    if status != Membership.Status.ACTIVE:
        return _("会籍暂停期间不能报名。")
    if not union_path.startswith(activity_path):
        return _("本活动仅限主办工会所属会员报名。")
    if employment_forms and employment_form not in employment_forms:
        return _("本活动仅限指定就业形态的职工报名。")
    return None


def already_signed_up() -> Conflict:
    return Conflict(_("已报名本活动，请勿重复报名。"), code="already_signed_up")


def prior_wins(wins: int, no_shows: int) -> int:
    """A no-show weighs like a second win against repeat sign-ups."""
    return min(int(wins or 0) + int(no_shows or 0), PRIOR_WINS_CAP)


def current_statuses() -> list[str]:
    """The statuses of a current membership (``Membership.CURRENT``, the ORM path's filter), as the
    statement writes them into its text: plain lowercase words, checked here because they are not
    bound as parameters."""
    statuses = [str(s.value) for s in Membership.CURRENT]
    if not all(s.isascii() and s.isalpha() and s.islower() for s in statuses):
        raise RuntimeError(f"unexpected membership statuses: {statuses!r}")
    return statuses


def sql_params() -> dict[str, Any]:
    return {
        "draft": str(Activity.Status.DRAFT.value),
        "open": str(Activity.Status.OPEN.value),
        "active": str(Membership.Status.ACTIVE.value),
        "won": str(SignUp.Status.WON.value),
        "entered": str(SignUp.Status.ENTERED.value),
        "cap": PRIOR_WINS_CAP,
        "action": SIGNUP_ACTION,
        "object_type": SignUp._meta.label_lower,
    }
