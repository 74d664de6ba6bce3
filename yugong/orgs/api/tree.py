"""Union tree operations: list, detail, create, update, move, merge, close, reopen, history, join QR."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Schema, Status

from yugong.core.schemas import ERROR_RESPONSES, omissible

from .. import selectors, services
from ..access import LEADER_ROLES, MANAGE_ROLES, access_union, require_role
from ..models import Union
from ..qr import join_url
from .common import _staff, _union_arg, router


class UnionOut(Schema):
    id: int
    name: str
    short_name: str
    code: str
    kind: str
    parent_id: int | None
    depth: int
    status: str
    district: str


class UnionDetailOut(UnionOut):
    uscc: str
    address: str
    chair_name: str
    founded_on: dt.date | None
    serves_forms: list[str]
    merged_into_id: int | None
    closed_on: dt.date | None
    counts: dict[str, int]
    join_url: str


class UnionCreateIn(Schema):
    parent_id: int
    name: str = Field(..., min_length=1, max_length=120)
    code: str = Field(..., min_length=1, max_length=32)
    kind: str
    short_name: str = Field("", max_length=40)
    uscc: str = Field("", max_length=30)
    district: str = Field("", max_length=40)
    address: str = Field("", max_length=200)
    chair_name: str = Field("", max_length=40)
    founded_on: dt.date | None = None
    serves_forms: list[str] = []


class UnionUpdateIn(Schema):
    # Only the fields sent change; null is refused (422) except for founded_on (clears it).
    name: str = omissible(min_length=1, max_length=120)
    short_name: str = omissible(max_length=40)
    code: str = omissible(min_length=1, max_length=32)
    kind: str = omissible()
    uscc: str = omissible(max_length=30)
    district: str = omissible(max_length=40)
    address: str = omissible(max_length=200)
    chair_name: str = omissible(max_length=40)
    founded_on: dt.date | None = None
    serves_forms: list[str] = omissible()


class MoveIn(Schema):
    new_parent_id: int


class MergeIn(Schema):
    into_id: int


class CloseIn(Schema):
    reason: str = Field(..., min_length=1, max_length=200)
    closed_on: dt.date | None = None


class UnionEventOut(Schema):
    id: int
    kind: str
    from_value: dict[str, Any]
    to_value: dict[str, Any]
    actor_id: int | None
    at: dt.datetime


class JoinOut(Schema):
    url: str
    png: str
    svg: str
    poster: str


def _union_detail(request: HttpRequest, union: Union) -> dict[str, Any]:
    return {
        **{f: getattr(union, f) for f in UnionDetailOut.model_fields if hasattr(union, f)},
        "counts": selectors.union_counts(union),
        "join_url": join_url(union, request),
    }


@router.get("/unions", response={200: list[UnionOut], **ERROR_RESPONSES}, summary="工会列表：下级或检索")
def unions_list(request: HttpRequest, parent_id: int | None = None, q: str = "") -> Any:
    """Without arguments: the caller's outermost nodes. ``parent_id``: that node's children.
    ``q``: search by name or code in the caller's subtrees (within ``parent_id``'s subtree if given)."""
    user = _staff(request)
    parent = access_union(user, parent_id) if parent_id is not None else None
    if q.strip():
        return selectors.union_search(user, q, within=parent)
    if parent is not None:
        return selectors.union_children(parent)
    return selectors.union_roots(user)


@router.get("/unions/{union_id}", response={200: UnionDetailOut, **ERROR_RESPONSES}, summary="工会详情")
def union_get(request: HttpRequest, union_id: int) -> Any:
    user = _staff(request)
    return _union_detail(request, access_union(user, union_id))


@router.post("/unions", response={201: UnionDetailOut, **ERROR_RESPONSES}, summary="建立下级工会")
def union_post(request: HttpRequest, payload: UnionCreateIn) -> Any:
    user = _staff(request)
    parent = access_union(user, payload.parent_id)
    data = payload.dict(exclude={"parent_id"})
    union = services.union_create(
        actor=user, parent=parent, name=data.pop("name"), code=data.pop("code"), kind=data.pop("kind"), **data
    )
    return Status(201, _union_detail(request, union))


@router.patch("/unions/{union_id}", response={200: UnionDetailOut, **ERROR_RESPONSES}, summary="修改工会信息")
def union_patch(request: HttpRequest, union_id: int, payload: UnionUpdateIn) -> Any:
    user = _staff(request)
    union = access_union(user, union_id)
    union = services.union_update(actor=user, union=union, **payload.dict(exclude_unset=True))
    return _union_detail(request, union)


@router.post(
    "/unions/{union_id}/move", response={200: UnionDetailOut, **ERROR_RESPONSES}, summary="调整隶属关系"
)
def union_move(request: HttpRequest, union_id: int, payload: MoveIn) -> Any:
    user = _staff(request)
    union = access_union(user, union_id)
    require_role(user, union, MANAGE_ROLES)
    new_parent = _union_arg(user, payload.new_parent_id, "new_parent_id", MANAGE_ROLES)
    return _union_detail(request, services.union_move(actor=user, union=union, new_parent=new_parent))


@router.post(
    "/unions/{union_id}/merge", response={200: UnionDetailOut, **ERROR_RESPONSES}, summary="合并工会"
)
def union_merge(request: HttpRequest, union_id: int, payload: MergeIn) -> Any:
    user = _staff(request)
    union = access_union(user, union_id)
    require_role(user, union, LEADER_ROLES)
    into = _union_arg(user, payload.into_id, "into_id", LEADER_ROLES)
    return _union_detail(request, services.union_merge(actor=user, union=union, into=into))


@router.post(
    "/unions/{union_id}/close", response={200: UnionDetailOut, **ERROR_RESPONSES}, summary="撤销工会"
)
def union_close(request: HttpRequest, union_id: int, payload: CloseIn) -> Any:
    user = _staff(request)
    union = access_union(user, union_id)
    union = services.union_close(actor=user, union=union, reason=payload.reason, closed_on=payload.closed_on)
    return _union_detail(request, union)


@router.post(
    "/unions/{union_id}/reopen", response={200: UnionDetailOut, **ERROR_RESPONSES}, summary="恢复已撤销的工会"
)
def union_reopen(request: HttpRequest, union_id: int) -> Any:
    user = _staff(request)
    union = access_union(user, union_id)
    return _union_detail(request, services.union_reopen(actor=user, union=union))


@router.get(
    "/unions/{union_id}/history", response={200: list[UnionEventOut], **ERROR_RESPONSES}, summary="工会沿革"
)
def union_history(request: HttpRequest, union_id: int) -> Any:
    user = _staff(request)
    return selectors.union_history(access_union(user, union_id), limit=200)


@router.get("/unions/{union_id}/join", response={200: JoinOut, **ERROR_RESPONSES}, summary="入会链接与二维码")
def union_join(request: HttpRequest, union_id: int) -> Any:
    user = _staff(request)
    union = access_union(user, union_id)
    return {
        "url": join_url(union, request),
        "png": request.build_absolute_uri(reverse("orgs:join_qr_png", args=[union.pk])),
        "svg": request.build_absolute_uri(reverse("orgs:join_qr_svg", args=[union.pk])),
        "poster": request.build_absolute_uri(reverse("orgs:join_poster", args=[union.pk])),
    }
