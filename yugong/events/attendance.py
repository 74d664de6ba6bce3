"""On the day of an activity: the member's signed check-in code, the organiser's scan at the venue,
and no-shows recorded after the start (split from ``services`` to keep modules short; same rules:
keyword-only, atomic, access through ``services._activity_for``, audited)."""

from __future__ import annotations

from typing import Any

from django.core import signing
from django.db import transaction
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.core import timeutil
from yugong.core.audit import audit_record
from yugong.core.errors import Conflict, ValidationFailed
from yugong.core.facts import fact_record

from .models import Activity, SignUp
from .services import _activity_for

CHECKIN_SALT = "events.checkin"


def checkin_token(signup: SignUp) -> str:
    """What the member's QR code holds: the sign-up, signed (not guessable, not forgeable)."""
    return signing.dumps({"a": signup.activity_id, "s": signup.pk}, salt=CHECKIN_SALT, compress=True)


@transaction.atomic
def signup_checkin(*, actor: User, activity_id: Any, token: str) -> tuple[SignUp, bool]:
    """The organiser's staff scan a winner's QR at the venue. Idempotent: a second scan of the same
    code (a queued offline scan synced twice) changes nothing. Returns (sign-up, first time)."""
    activity = _activity_for(actor, activity_id)
    try:
        data = signing.loads(str(token or "").strip(), salt=CHECKIN_SALT)
    except signing.BadSignature:
        raise ValidationFailed(fields={"token": _("无法识别的签到码。")}) from None
    if not isinstance(data, dict) or data.get("a") != activity.pk or not isinstance(data.get("s"), int):
        raise ValidationFailed(fields={"token": _("该签到码不属于本活动。")})
    signup = SignUp.objects.select_for_update().filter(pk=int(data["s"]), activity=activity).first()
    if signup is None or signup.status != SignUp.Status.WON:
        raise ValidationFailed(fields={"token": _("该报名未中签或已退出，不能签到。")})
    if signup.checked_in_at is not None:
        return signup, False
    signup.checked_in_at = timeutil.now()
    signup.no_show = False
    signup.save(update_fields=["checked_in_at", "no_show"])
    audit_record(actor=actor, action="activity.checkin", obj=signup, union_id=signup.union_id)
    fact_record(metric="activities.attendance", union_id=signup.union_id, dim=activity.kind)
    return signup, True


@transaction.atomic
def activity_record_no_shows(*, actor: User, activity_id: Any) -> int:
    """After the activity began: every winner who has not checked in is recorded as a no-show (it
    weighs against their next sign-ups). Re-running after late check-ins only adds new no-shows."""
    activity = _activity_for(actor, activity_id, lock=True)
    if activity.status != Activity.Status.DRAWN:
        raise Conflict(_("抽签后才能登记缺席。"))
    if activity.starts_at is None or timeutil.now() < activity.starts_at:
        raise Conflict(_("活动开始后才能登记缺席。"))
    n = SignUp.objects.filter(
        activity=activity, status=SignUp.Status.WON, checked_in_at__isnull=True, no_show=False
    ).update(no_show=True)
    audit_record(
        actor=actor, action="activity.no_show", obj=activity, union_id=activity.union_id, extra={"count": n}
    )
    return n
