"""The one access layer (principle 1): every staff permission is a role at a union node, valid for
that node's whole subtree. Pages, API, exports, admin and background jobs all ask here.

* :func:`staff_scope` — the nodes where the user holds roles (outermost only), cached on the user
  object for the request.
* :func:`scope_filter` — narrow any queryset to the actor's subtrees, given the path of the union
  field (``"path"`` for unions, ``"union__path"`` for objects hanging on a union).
* :func:`access_union` / :func:`access_object` — fetch one object, raising the same ``NotFound``
  whether it is missing or outside the subtree (objects of others answer 404, never 403).
* :func:`require_role` — the actor holds one of ``roles`` at a node that contains ``union``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model, Q, QuerySet

from yugong.core.errors import NotFound, PermissionDenied

from .models import RoleAssignment, Union

M = TypeVar("M", bound=Model)

ALL_ROLES = frozenset(RoleAssignment.Role.values)
MANAGE_ROLES = frozenset({"chair", "vice_chair", "staff"})


@dataclass(frozen=True)
class Grant:
    union_id: int
    path: str
    role: str


def grants(user: Any) -> list[Grant]:
    """Active role grants of ``user``, cached on the user object (one query per request)."""
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return []
    cached = getattr(user, "_yugong_grants", None)
    if cached is None:
        cached = [
            Grant(union_id, path, role)
            for union_id, path, role in RoleAssignment.objects.filter(
                user=user, active=True, union__status=Union.Status.ACTIVE
            ).values_list("union_id", "union__path", "role")
        ]
        user._yugong_grants = cached
    return cached


def forget_grants(user: Any) -> None:
    if hasattr(user, "_yugong_grants"):
        del user._yugong_grants


def _outermost(paths: Iterable[str]) -> list[str]:
    out: list[str] = []
    for path in sorted(set(paths)):
        if not any(path.startswith(p) for p in out):
            out.append(path)
    return out


def scope_paths(user: Any, roles: Iterable[str] | None = None) -> list[str]:
    wanted = ALL_ROLES if roles is None else frozenset(roles)
    return _outermost(g.path for g in grants(user) if g.role in wanted)


def is_staff_member(user: Any) -> bool:
    return bool(grants(user))


def scope_filter(
    qs: QuerySet[M], user: Any, *, path_field: str = "union__path", roles: Iterable[str] | None = None
) -> QuerySet[M]:
    """Only the rows inside the actor's subtrees. No grant, no rows (a forgotten role fails closed)."""
    paths = scope_paths(user, roles)
    if not paths:
        return qs.none()
    condition = Q()
    for path in paths:
        condition |= Q(**{f"{path_field}__startswith": path})
    return qs.filter(condition)


def staff_scope(user: Any, roles: Iterable[str] | None = None) -> QuerySet[Union]:
    paths = scope_paths(user, roles)
    return Union.objects.filter(path__in=paths).order_by("path")


def access_union(user: Any, union_id: Any, *, roles: Iterable[str] | None = None) -> Union:
    try:
        pk = int(union_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    union = scope_filter(Union.objects.all(), user, path_field="path", roles=roles).filter(pk=pk).first()
    if union is None:
        raise NotFound()
    return union


def access_object(
    qs: QuerySet[M],
    user: Any,
    pk: Any,
    *,
    path_field: str = "union__path",
    roles: Iterable[str] | None = None,
) -> M:
    try:
        obj = scope_filter(qs, user, path_field=path_field, roles=roles).get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError):
        raise NotFound() from None
    return obj


def can_act(user: Any, union: Union, roles: Iterable[str] | None = None) -> bool:
    wanted = ALL_ROLES if roles is None else frozenset(roles)
    return any(g.role in wanted and union.path.startswith(g.path) for g in grants(user))


def require_role(user: Any, union: Union, roles: Iterable[str]) -> None:
    """The actor may see ``union`` (else NotFound) and holds one of ``roles`` over it (else 403)."""
    if not can_act(user, union):
        raise NotFound()
    if not can_act(user, union, roles):
        raise PermissionDenied()
