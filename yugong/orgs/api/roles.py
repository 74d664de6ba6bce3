"""Role operations: list, grant, revoke."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Schema, Status
from ninja.pagination import paginate

from yugong.accounts.models import User
from yugong.core.errors import ValidationFailed
from yugong.core.pagination import Pagination
from yugong.core.schemas import ERROR_RESPONSES

from .. import selectors, services
from ..access import CHAIR_ROLES, access_object, access_union
from ..models import RoleAssignment
from .common import _staff, _union_arg, router


class RoleOut(Schema):
    id: int
    user_id: int
    username: str
    union_id: int
    union_name: str
    role: str
    active: bool
    granted_at: dt.datetime
    revoked_at: dt.datetime | None


class RoleGrantIn(Schema):
    username: str = Field(..., min_length=1, max_length=150)
    union_id: int
    role: str


class RevokeIn(Schema):
    reason: str = Field("", max_length=200)


def _role_out(r: RoleAssignment) -> dict[str, Any]:
    return {
        "id": r.pk,
        "user_id": r.user_id,
        "username": r.user.username,
        "union_id": r.union_id,
        "union_name": r.union.name,
        "role": r.role,
        "active": r.active,
        "granted_at": r.granted_at,
        "revoked_at": r.revoked_at,
    }


@router.get("/roles", response={200: list[RoleOut], **ERROR_RESPONSES}, summary="岗位角色列表")
@paginate(Pagination, page_size=100)
def roles_list(request: HttpRequest, union_id: int | None = None, include_revoked: bool = False) -> Any:
    user = _staff(request)
    union = access_union(user, union_id) if union_id is not None else None
    return [_role_out(r) for r in selectors.roles_visible(user, union=union, include_revoked=include_revoked)]


@router.post("/roles", response={201: RoleOut, **ERROR_RESPONSES}, summary="授予岗位角色")
def role_post(request: HttpRequest, payload: RoleGrantIn) -> Any:
    user = _staff(request)
    union = _union_arg(user, payload.union_id, "union_id", CHAIR_ROLES)
    target = User.objects.filter(username=payload.username.strip()).first()
    if target is None:
        raise ValidationFailed(fields={"username": _("没有这个用户。")})
    assignment = services.role_grant(actor=user, user=target, union=union, role=payload.role)
    return Status(201, _role_out(assignment))


@router.post("/roles/{role_id}/revoke", response={200: RoleOut, **ERROR_RESPONSES}, summary="撤销岗位角色")
def role_revoke(request: HttpRequest, role_id: int, payload: RevokeIn) -> Any:
    user = _staff(request)
    assignment = access_object(
        RoleAssignment.objects.select_related("union", "user"),
        user,
        role_id,
    )
    return _role_out(services.role_revoke(actor=user, assignment=assignment, reason=payload.reason))
