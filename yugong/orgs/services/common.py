"""Helpers shared by the orgs write paths: validation, node events, permission and row locks."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.core.errors import ValidationFailed, from_django_validation

from ..access import require_role
from ..models import PATH_STEP, Union, UnionEvent

MAX_DEPTH = 255 // PATH_STEP - 1  # path is a CharField(255): 28 levels below the root


def _full_clean(obj: Model, *, exclude: list[str] | None = None) -> None:
    try:
        obj.full_clean(exclude=exclude)
    except DjangoValidationError as exc:
        raise from_django_validation(exc) from None


def _refuse_nulls(model: type[Model], values: dict[str, Any]) -> None:
    """``None`` for a field the model cannot hold empty is bad input (a 422 naming the field), not an
    AttributeError further down. Every door (API, pages, imports) reaches the services, so the rule
    sits here as well as in the API schemas."""
    fields = {
        key: _("此项不能为空。")
        for key, value in values.items()
        if value is None and not getattr(model._meta.get_field(key), "null", False)
    }
    if fields:
        raise ValidationFailed(fields=fields)


def _event(*, union: Union, kind: str, actor: User, before: Any = None, after: Any = None) -> UnionEvent:
    return UnionEvent.objects.create(
        union=union,
        kind=kind,
        from_value=before or {},
        to_value=after or {},
        actor=actor if getattr(actor, "pk", None) else None,
    )


def _check(actor: User, union: Union, roles: frozenset[str]) -> None:
    # Every caller is checked; jobs, imports and seeds act as the system actor (accounts.system).
    require_role(actor, union, roles)


def _ref(union: Union | None) -> dict[str, Any] | None:
    return {"id": union.pk, "name": union.name, "code": union.code} if union is not None else None


def _require_active(union: Union, field: str = "union") -> None:
    if union.status != Union.Status.ACTIVE:
        raise ValidationFailed(fields={field: _("该工会已撤销或已合并，不能在其下操作。")})


def _lock(*unions: Union) -> list[Union]:
    """Lock the rows in primary-key order (no deadlock between two moves) and return them re-read,
    in the order asked."""
    ids = sorted({u.pk for u in unions})
    locked = {u.pk: u for u in Union.objects.select_for_update().filter(pk__in=ids).order_by("pk")}
    return [locked[u.pk] for u in unions]
