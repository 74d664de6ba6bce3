"""Shared pieces of the innovation services: the managing roles, people by ID number within a
union's subtree, the worker's own person and union, text checks, and the credit event."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.core.errors import NotFound, PermissionDenied, ValidationFailed
from yugong.core.events import event_publish
from yugong.core.pii import blind_index
from yugong.core.validators import clean_text, normalize_id_number
from yugong.members.models import Membership, Person
from yugong.orgs.access import MANAGE_ROLES
from yugong.orgs.models import Union

MANAGE = MANAGE_ROLES


def text(
    errors: dict[str, Any], field: str, value: Any, limit: int, message: str, *, required: bool = True
) -> str:
    """``value`` cleaned; a Chinese error on ``field`` when missing (if required) or too long."""
    out = clean_text(value)
    if (required and not out) or len(out) > limit:
        errors[field] = message
    return out


def member_of(union: Union, id_number: str, field: str = "id_number") -> Person:
    """The current member of ``union``'s subtree with this ID number (a union vouches for its own
    members only)."""
    idn = normalize_id_number(id_number, field=field)
    person = Person.objects.filter(id_number_index=blind_index("id_number", idn)).first()
    if (
        person is None
        or not Membership.objects.filter(
            person=person, union__path__startswith=union.path, status__in=Membership.CURRENT
        ).exists()
    ):
        raise ValidationFailed(fields={field: _("本单位会员中没有这个身份证号。")})
    return person


def worker_membership(actor: User) -> Membership:
    """The signed-in worker's current membership (their person and union), or 403 with a reason."""
    if not getattr(actor, "pk", None):
        raise PermissionDenied()
    m = (
        Membership.objects.filter(person__user_id=actor.pk, status__in=Membership.CURRENT)
        .select_related("person", "union")
        .order_by("-pk")
        .first()
    )
    if m is None:
        raise PermissionDenied(_("请先加入工会并完成实名认证。"))
    return m


def lock(qs: QuerySet[Any], pk: Any) -> Any:
    """The row ``pk`` of ``qs`` locked for update, or NotFound."""
    if isinstance(pk, bool) or pk is None:
        raise NotFound()
    try:
        return qs.select_for_update(of=("self",)).get(pk=int(pk))
    except (qs.model.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None


def credit_event(
    *, kind: str, person_id: int, union_id: int, ref: str, title: str, actor: User, **extra: Any
) -> None:
    """An innovation result earns credits: the credit bank (learning) deposits one outcome per
    (person, ``ref``) on this event, however often it is delivered."""
    event_publish(
        kind=kind,
        payload={"person_id": person_id, "ref": ref, "title": title[:200], **extra},
        union_id=union_id,
        actor=actor,
    )
