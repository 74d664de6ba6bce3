"""Who may sign up for a volunteer service activity, and what a sign-up writes: the rules both
sign-up paths apply (the ORM path in ``service.service_signup`` and the PostgreSQL one statement in
``signup_sql``).

* :func:`activity_refusal` — the activity exists and is not cancelled (else 404), is open and has not
  started (else 409 ``signup_closed``);
* :func:`already_signed_up` (409 ``duplicate_signup``) and :func:`full` (409 ``full``) — the order of
  the checks is: activity, duplicate, places;
* :func:`volunteer_name` — the name a worker joins the team's roll under;
* :func:`sql_params` — the statuses, audit actions and fact metrics the statement compares with and
  writes, from the same classes and constants, so a change of a rule changes both paths.

The statement decides in SQL and, when it wrote nothing, explains it with these same functions from
what it read (no second query). ``tests/test_volunteer_signup_twins.py`` drives every case through
both paths and checks they agree."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.core.errors import Conflict, NotFound
from yugong.core.validators import clean_text

from ..models import ServiceActivity, ServiceSignup, Volunteer

SIGNUP_ACTION = "volunteer.signup"
JOIN_ACTION = "volunteer.join"
# The fact scanner reads metric literals in the ORM path; the statement takes the same from here.
SIGNUP_METRIC = "volunteers.signups"
JOINED_METRIC = "volunteers.registered"
# Every sign-up of an activity adds to its union's same day cells: both paths append the facts to
# core's fact buffer (an INSERT that waits for nobody) instead of queueing on the cells' row locks.
FACTS_BUFFERED = True
NAME_LENGTH = 40


def activity_refusal(
    *, status: str | None, starts_at: dt.datetime | None, at: dt.datetime
) -> Exception | None:
    """Why nobody may sign up for this activity now (``status`` None: no such activity)."""
    if status is None or status == ServiceActivity.Status.CANCELLED:
        return NotFound()
    if status != ServiceActivity.Status.OPEN or starts_at is None or starts_at <= at:
        return Conflict(_("活动已开始或已结束，报名已截止。"), code="signup_closed")
    return None


def already_signed_up() -> Conflict:
    return Conflict(_("您已报名该活动。"), code="duplicate_signup")


def full() -> Conflict:
    return Conflict(_("名额已满。"), code="full")


def volunteer_name(actor: User) -> str:
    """The name on the roll of a worker who joins by signing up (their display name, else 志愿者)."""
    return clean_text(getattr(actor, "display_name", "") or "")[:NAME_LENGTH] or _("志愿者")


def sql_params() -> dict[str, Any]:
    return {
        "open": str(ServiceActivity.Status.OPEN.value),
        "live": str(ServiceSignup.Status.ACTIVE.value),
        "signup_action": SIGNUP_ACTION,
        "join_action": JOIN_ACTION,
        "signup_type": ServiceSignup._meta.label_lower,
        "volunteer_type": Volunteer._meta.label_lower,
    }
