"""Timed offers of freed places: a place freed after the draw is offered to the first on its pool's
waiting list, who has the activity's ``offer_hours`` to accept; ``offers_expire`` (beat task / cron)
passes offers past their time on to the next. Split from ``services`` (same rules: keyword-only,
atomic, audited).

Accepting and expiring the same offer at the same moment have exactly one outcome: both lock the
sign-up row and re-check its status and deadline under the lock
(``tests/test_offer_race.py``, with an unguarded control)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.core import timeutil
from yugong.core.audit import audit_record
from yugong.core.errors import Conflict, NotFound, PermissionDenied
from yugong.core.validators import is_ascii_digits

from .models import SignUp

# Test-only: the control of the race test expires without the row lock and re-check, and calls
# ``_between_read_and_write`` where a concurrent accept can land.
_UNGUARDED_EXPIRY = False


def _between_read_and_write() -> None:
    """A seam for the race test's control (does nothing otherwise)."""


def _offer_next(actor: User, activity_id: int, quota_id: int | None) -> SignUp | None:
    """Offer a freed place to the first on its pool's waiting list, to accept within the activity's
    ``offer_hours``. Caller holds the transaction."""
    nxt = (
        SignUp.objects.select_for_update(of=("self",))
        .select_related("activity")
        .filter(Q(quota_id=quota_id) if quota_id else Q(quota__isnull=True))
        .filter(activity_id=activity_id, status=SignUp.Status.WAITING)
        .order_by("wait_rank")
        .first()
    )
    if nxt is None:
        return None
    nxt.status = SignUp.Status.OFFERED
    nxt.wait_rank = None
    nxt.offer_expires_at = timeutil.now() + dt.timedelta(hours=nxt.activity.offer_hours)
    nxt.save(update_fields=["status", "wait_rank", "offer_expires_at"])
    audit_record(actor=actor, action="activity.offer", obj=nxt, union_id=nxt.union_id)
    return nxt


def _own_signup(actor: User, signup_id: Any) -> SignUp:
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied()
    signup = (
        SignUp.objects.select_for_update().filter(pk=signup_id, person__user_id=actor.pk).first()
        if is_ascii_digits(str(signup_id))
        else None
    )
    if signup is None:
        raise NotFound()
    return signup


@transaction.atomic
def signup_offer_accept(*, actor: User, signup_id: Any) -> SignUp:
    """The member takes an offered place before the offer runs out."""
    signup = _own_signup(actor, signup_id)
    if signup.status == SignUp.Status.WON:
        return signup
    if signup.status == SignUp.Status.EXPIRED:
        raise Conflict(_("递补确认已超时，名额已转给下一位候补。"), code="offer_expired")
    if signup.status != SignUp.Status.OFFERED:
        raise Conflict(_("没有待确认的递补名额。"))
    if signup.offer_expires_at is not None and signup.offer_expires_at <= timeutil.now():
        raise Conflict(_("递补确认已超时，名额已转给下一位候补。"), code="offer_expired")
    signup.status = SignUp.Status.WON
    signup.offer_expires_at = None
    signup.save(update_fields=["status", "offer_expires_at"])
    audit_record(actor=actor, action="activity.offer_accept", obj=signup, union_id=signup.union_id)
    return signup


def offers_expire(*, actor: User, now: dt.datetime | None = None) -> int:
    """Offers past their time go to the next on the waiting list (one transaction per offer, so a
    busy row delays only its own pool). Run every few minutes (Celery beat / cron)."""
    moment = now or timeutil.now()
    due = list(
        SignUp.objects.filter(status=SignUp.Status.OFFERED, offer_expires_at__lte=moment)
        .order_by("offer_expires_at", "pk")
        .values_list("pk", flat=True)[:1000]
    )
    done = 0
    for pk in due:
        with transaction.atomic():
            signup: SignUp | None
            if _UNGUARDED_EXPIRY:  # the control: read without the lock, write without re-checking
                signup = SignUp.objects.get(pk=pk)
                _between_read_and_write()
            else:
                signup = (
                    SignUp.objects.select_for_update().filter(pk=pk, status=SignUp.Status.OFFERED).first()
                )
            if signup is None or signup.offer_expires_at is None or signup.offer_expires_at > moment:
                continue  # accepted or withdrawn meanwhile
            signup.status = SignUp.Status.EXPIRED
            signup.save(update_fields=["status"])
            audit_record(actor=actor, action="activity.offer_expire", obj=signup, union_id=signup.union_id)
            _offer_next(actor, signup.activity_id, signup.quota_id)
            done += 1
    return done
