"""What the membership services share: the row lock, the status and role checks, the SMS."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.core.errors import (
    Conflict,
    NotFound,
    Unauthenticated,
)
from yugong.core.sms import sms_send
from yugong.orgs.access import MANAGE_ROLES, require_role
from yugong.orgs.models import Union

from ..models import (
    Membership,
    Person,
)

# Union kinds that take members directly; members of a district or the city belong to one of the
# grassroots unions (or federations) below it.
ACCEPTING_KINDS = frozenset({"grassroots", "joint", "branch", "federation"})


def decision_working_days() -> int:
    return int(getattr(settings, "MEMBERSHIP_DECISION_WORKING_DAYS", 5))


def _notify(person: Person, text: str) -> None:
    if person.phone:
        sms_send(phone=person.phone, text=text)


def _lock(membership: Membership | int) -> Membership:
    """Re-read the membership under a row lock (callers are inside a transaction)."""
    pk = membership if isinstance(membership, int) else membership.pk
    try:
        locked = Membership.objects.select_for_update().get(pk=pk)
    except Membership.DoesNotExist:
        raise NotFound() from None
    # Related rows are read after the lock, unlocked (select_related would lock them too).
    locked.person = Person.objects.get(pk=locked.person_id)
    locked.union = Union.objects.get(pk=locked.union_id)
    return locked


def _require_status(m: Membership, allowed: set[str]) -> None:
    if m.status not in allowed:
        raise Conflict(
            _("该会籍当前状态为“%(status)s”，不能执行此操作。") % {"status": m.get_status_display()}
        )


def _manage(actor: User, union: Union) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise Unauthenticated()
    require_role(actor, union, MANAGE_ROLES)


def _is_member_self(actor: User, m: Membership) -> bool:
    return bool(getattr(actor, "pk", None)) and m.person.user_id == actor.pk
