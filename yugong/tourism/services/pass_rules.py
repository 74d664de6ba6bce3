"""Who may pass the gate, once: the rules both pass-verification paths apply (the ORM path in
``passes._verify`` and the PostgreSQL one statement in ``pass_sql``).

* :func:`pass_refusal` decides from what was read (the pass's status and year, the spot's review
  status and switch, its blackout dates) and returns the refusal's Chinese reason, or None; the
  ORM path calls it under the pass's row lock, the fast path before its statement (and the statement
  re-checks the same columns with the same parameters under the lock).
* :func:`needs_checks` says when a verification must take the ORM path (a daily limit: the count
  needs the spot's row lock and a fresh snapshot, which one statement cannot give).
* :func:`sql_params` passes the statuses to the statement from the choice classes (no literals in
  the SQL), so renaming a status changes both paths.
* ``tests/test_pass_twins.py`` drives every refusal through both paths and checks they agree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _

from ..models import AnnualPass, PassEntry, ReviewStatus

PASS_VERIFY_ACTION = "tourism.pass_verify"  # noqa: S105 - an audit action, not a secret

# The admission's fact, recorded the same way by both paths. Buffered (core's fact buffer): every
# admission with a union's passes adds 1 to that union's day cell, and an upsert would hold the
# cell's row lock until its (synchronous) commit, so concurrent admissions would queue on it.
ENTRY_FACT: dict[str, Any] = {"metric": "tourism.entries", "dim": "pass", "buffered": True}


def pass_usable(*, status: str, year: int, day: dt.date) -> bool:
    return status == AnnualPass.Status.ACTIVE and year == day.year


def spot_open(*, status: str, active: bool) -> bool:
    return status == ReviewStatus.APPROVED and bool(active)


def blacked_out(blackout_dates: Iterable[str] | None, day: dt.date) -> bool:
    return day.isoformat() in set(blackout_dates or [])


def pass_refusal(
    *,
    pass_status: str,
    pass_year: int,
    spot_status: str,
    spot_active: bool,
    blackout_dates: Iterable[str] | None,
    day: dt.date,
) -> str | None:
    """The reason the pass may not enter the spot today (before counting entries and money)."""
    if not pass_usable(status=pass_status, year=pass_year, day=day):
        return _("年票已停用或不在有效年度内。")
    if not spot_open(status=spot_status, active=spot_active):
        return _("本景点暂未参与年票（未通过审核或已暂停）。")
    if blacked_out(blackout_dates, day):
        return _("今日为本景点年票不可用日期。")
    return None


def needs_checks(*, daily_limit: int | None) -> bool:
    """True when the verification needs the ORM path (the spot's daily count under its row lock)."""
    return daily_limit is not None


def sql_params() -> dict[str, Any]:
    """The statuses the one statement compares with and writes, from the choice classes."""
    return {
        "pass_active": str(AnnualPass.Status.ACTIVE.value),
        "approved": str(ReviewStatus.APPROVED.value),
        "entry_ok": str(PassEntry.Result.OK.value),
        "action": PASS_VERIFY_ACTION,
        "object_type": PassEntry._meta.label_lower,
    }
