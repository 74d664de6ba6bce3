"""The orgs API under /api/v1/orgs/: the union tree, employers, roles, 职工之家 ratings, volunteer
teams and join QR codes. The same services and access layer as the pages: objects outside the
caller's subtree answer 404 like missing ones; a visible object without the right role answers 403."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from yugong.accounts.models import User, request_user
from yugong.core.errors import NotFound, PermissionDenied, ValidationFailed
from yugong.core.pagination import Pagination
from yugong.core.pii import mask_phone
from yugong.core.schemas import ERROR_RESPONSES

from . import selectors, services
from .access import CHAIR_ROLES, LEADER_ROLES, MANAGE_ROLES, access_object, access_union, require_role
from .decorators import is_console_user
from .models import Employer, RoleAssignment, Union, Volunteer, VolunteerTeam
from .qr import join_url

router = Router(tags=["orgs"])


def _staff(request: HttpRequest) -> User:
    """Staff only (a role at a node, or a system administrator who then sees nothing)."""
    user = request_user(request)
    if not is_console_user(user):
        raise PermissionDenied()
    return user


def _union_arg(user: User, pk: int, field: str, roles: frozenset[str]) -> Union:
    """A union named in a request body: unknown/out of scope is a field error, like the pages."""
    try:
        union = access_union(user, pk)
    except NotFound:
        raise ValidationFailed(fields={field: _("未找到该工会，或不在您的管辖范围内。")}) from None
    require_role(user, union, roles)
    return union


# --- Schemas --------------------------------------------------------------------------------


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
    name: str | None = Field(None, min_length=1, max_length=120)
    short_name: str | None = Field(None, max_length=40)
    code: str | None = Field(None, min_length=1, max_length=32)
    kind: str | None = None
    uscc: str | None = Field(None, max_length=30)
    district: str | None = Field(None, max_length=40)
    address: str | None = Field(None, max_length=200)
    chair_name: str | None = Field(None, max_length=40)
    founded_on: dt.date | None = None
    serves_forms: list[str] | None = None


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


class EmployerOut(Schema):
    id: int
    name: str
    uscc: str
    industry: str
    district: str
    address: str
    headcount: int
    unionised: bool
    union_id: int | None
    managing_union_id: int | None
    created_at: dt.datetime


class EmployerIn(Schema):
    name: str = Field(..., min_length=1, max_length=200)
    uscc: str = Field(..., min_length=1, max_length=30)
    managing_union_id: int
    union_id: int | None = None
    industry: str = Field("", max_length=1)
    district: str = Field("", max_length=40)
    address: str = Field("", max_length=200)
    headcount: int = Field(0, ge=0)


class EmployerUpdateIn(Schema):
    name: str | None = Field(None, min_length=1, max_length=200)
    uscc: str | None = Field(None, min_length=1, max_length=30)
    managing_union_id: int | None = None
    union_id: int | None = None
    industry: str | None = Field(None, max_length=1)
    district: str | None = Field(None, max_length=40)
    address: str | None = Field(None, max_length=200)
    headcount: int | None = Field(None, ge=0)
    unionised: bool | None = None


class EmployerFilters(Schema):
    q: str = ""
    union_id: int | None = None
    unionised: bool | None = None
    industry: str = ""


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


class HomeRatingOut(Schema):
    id: int
    union_id: int
    union_name: str
    level: str
    kind: str
    year: int
    note: str


class HomeRatingIn(Schema):
    union_id: int
    level: str
    kind: str
    year: int = Field(..., ge=1980, le=2100)
    note: str = Field("", max_length=200)


class HomeRatingFilters(Schema):
    year: int | None = None
    level: str = ""
    kind: str = ""


class TeamOut(Schema):
    id: int
    union_id: int
    name: str
    tier: str
    parent_id: int | None
    volunteer_count: int
    total_minutes: int


class TeamIn(Schema):
    union_id: int
    name: str = Field(..., min_length=1, max_length=120)
    tier: str
    parent_id: int | None = None


class VolunteerOut(Schema):
    id: int
    team_id: int
    name: str
    phone_masked: str
    skills: str
    active: bool
    total_minutes: int


class VolunteerIn(Schema):
    name: str = Field(..., min_length=1, max_length=40)
    phone: str = Field("", max_length=20)
    skills: str = Field("", max_length=200)


class ServiceRecordOut(Schema):
    id: int
    volunteer_id: int
    team_id: int
    served_on: dt.date
    minutes: int
    description: str


class ServiceRecordIn(Schema):
    served_on: dt.date
    description: str = Field(..., min_length=1, max_length=200)
    minutes: int | None = Field(None, ge=1, le=1440)
    hours: Decimal | None = Field(None, gt=0, le=24, max_digits=5, decimal_places=2)


def _union_detail(request: HttpRequest, union: Union) -> dict[str, Any]:
    return {
        **{f: getattr(union, f) for f in UnionDetailOut.model_fields if hasattr(union, f)},
        "counts": selectors.union_counts(union),
        "join_url": join_url(union, request),
    }


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


def _volunteer_out(v: Volunteer, total_minutes: int = 0) -> dict[str, Any]:
    return {
        "id": v.pk,
        "team_id": v.team_id,
        "name": v.name,
        "phone_masked": mask_phone(v.phone),
        "skills": v.skills,
        "active": v.active,
        "total_minutes": total_minutes,
    }


# --- Unions ---------------------------------------------------------------------------------


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


# --- Employers ------------------------------------------------------------------------------


@router.get("/employers", response={200: list[EmployerOut], **ERROR_RESPONSES}, summary="用人单位检索")
@paginate(Pagination, page_size=50)
def employers_list(request: HttpRequest, filters: Query[EmployerFilters]) -> Any:
    user = _staff(request)
    union = access_union(user, filters.union_id) if filters.union_id is not None else None
    return selectors.employer_search(
        user, q=filters.q, union=union, unionised=filters.unionised, industry=filters.industry
    )


def _employer(user: User, pk: int) -> Employer:
    return access_object(Employer.objects.all(), user, pk, path_field=selectors.EMPLOYER_PATHS)


@router.get(
    "/employers/{employer_id}", response={200: EmployerOut, **ERROR_RESPONSES}, summary="用人单位详情"
)
def employer_get(request: HttpRequest, employer_id: int) -> Any:
    return _employer(_staff(request), employer_id)


@router.post("/employers", response={201: EmployerOut, **ERROR_RESPONSES}, summary="登记用人单位")
def employer_post(request: HttpRequest, payload: EmployerIn) -> Any:
    user = _staff(request)
    data = payload.dict()
    data["managing_union"] = _union_arg(
        user, data.pop("managing_union_id"), "managing_union_id", MANAGE_ROLES
    )
    union_id = data.pop("union_id")
    data["union"] = _union_arg(user, union_id, "union_id", MANAGE_ROLES) if union_id is not None else None
    return Status(201, services.employer_create(actor=user, **data))


@router.patch(
    "/employers/{employer_id}", response={200: EmployerOut, **ERROR_RESPONSES}, summary="修改用人单位"
)
def employer_patch(request: HttpRequest, employer_id: int, payload: EmployerUpdateIn) -> Any:
    user = _staff(request)
    employer = _employer(user, employer_id)
    data = payload.dict(exclude_unset=True)
    if "managing_union_id" in data:
        mid = data.pop("managing_union_id")
        data["managing_union"] = _union_arg(user, mid, "managing_union_id", MANAGE_ROLES) if mid else None
    if "union_id" in data:
        uid = data.pop("union_id")
        data["union"] = _union_arg(user, uid, "union_id", MANAGE_ROLES) if uid else None
    return services.employer_update(actor=user, employer=employer, **data)


# --- Roles ----------------------------------------------------------------------------------


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


# --- 职工之家 ratings ---------------------------------------------------------------------------


@router.get("/home-ratings", response={200: list[HomeRatingOut], **ERROR_RESPONSES}, summary="职工之家名录")
@paginate(Pagination, page_size=100)
def home_ratings_list(request: HttpRequest, filters: Query[HomeRatingFilters]) -> Any:
    user = _staff(request)
    return [
        {
            **{f: getattr(r, f) for f in ("id", "union_id", "level", "kind", "year", "note")},
            "union_name": r.union.name,
        }
        for r in selectors.home_ratings(user, year=filters.year, level=filters.level, kind=filters.kind)
    ]


@router.post("/home-ratings", response={201: HomeRatingOut, **ERROR_RESPONSES}, summary="登记职工之家评定")
def home_rating_post(request: HttpRequest, payload: HomeRatingIn) -> Any:
    user = _staff(request)
    data = payload.dict()
    union = _union_arg(user, data.pop("union_id"), "union_id", MANAGE_ROLES)
    rating = services.home_rating_create(actor=user, union=union, **data)
    return Status(
        201,
        {
            **{f: getattr(rating, f) for f in ("id", "union_id", "level", "kind", "year", "note")},
            "union_name": union.name,
        },
    )


# --- Volunteers -----------------------------------------------------------------------------


@router.get(
    "/volunteer-teams", response={200: list[TeamOut], **ERROR_RESPONSES}, summary="志愿服务队及服务时长合计"
)
@paginate(Pagination, page_size=100)
def teams_list(request: HttpRequest, union_id: int | None = None) -> Any:
    user = _staff(request)
    union = access_union(user, union_id) if union_id is not None else None
    return selectors.volunteer_teams(user, union=union)


@router.post("/volunteer-teams", response={201: TeamOut, **ERROR_RESPONSES}, summary="建立志愿服务队")
def team_post(request: HttpRequest, payload: TeamIn) -> Any:
    user = _staff(request)
    union = _union_arg(user, payload.union_id, "union_id", MANAGE_ROLES)
    parent = None
    if payload.parent_id is not None:
        try:
            parent = access_object(VolunteerTeam.objects.select_related("union"), user, payload.parent_id)
        except NotFound:
            raise ValidationFailed(fields={"parent_id": _("未找到该队伍。")}) from None
    team = services.volunteer_team_create(
        actor=user, union=union, name=payload.name, tier=payload.tier, parent=parent
    )
    return Status(
        201,
        {
            **{f: getattr(team, f) for f in ("id", "union_id", "name", "tier", "parent_id")},
            "volunteer_count": 0,
            "total_minutes": 0,
        },
    )


def _team(user: User, pk: int) -> VolunteerTeam:
    return access_object(VolunteerTeam.objects.select_related("union"), user, pk)


@router.get(
    "/volunteer-teams/{team_id}/volunteers",
    response={200: list[VolunteerOut], **ERROR_RESPONSES},
    summary="志愿者名单",
)
def volunteers_list(request: HttpRequest, team_id: int) -> Any:
    team = _team(_staff(request), team_id)
    return [_volunteer_out(v, getattr(v, "total_minutes", 0)) for v in selectors.team_volunteers(team)]


@router.post(
    "/volunteer-teams/{team_id}/volunteers",
    response={201: VolunteerOut, **ERROR_RESPONSES},
    summary="登记志愿者",
)
def volunteer_post(request: HttpRequest, team_id: int, payload: VolunteerIn) -> Any:
    user = _staff(request)
    team = _team(user, team_id)
    volunteer = services.volunteer_add(actor=user, team=team, **payload.dict())
    return Status(201, _volunteer_out(volunteer))


@router.get(
    "/volunteer-teams/{team_id}/records",
    response={200: list[ServiceRecordOut], **ERROR_RESPONSES},
    summary="服务记录",
)
def records_list(request: HttpRequest, team_id: int) -> Any:
    return selectors.team_records(_team(_staff(request), team_id), limit=500)


@router.post(
    "/volunteers/{volunteer_id}/records",
    response={201: ServiceRecordOut, **ERROR_RESPONSES},
    summary="登记服务时长",
)
def record_post(request: HttpRequest, volunteer_id: int, payload: ServiceRecordIn) -> Any:
    user = _staff(request)
    volunteer = access_object(
        Volunteer.objects.select_related("team", "team__union"),
        user,
        volunteer_id,
        path_field="team__union__path",
    )
    if payload.minutes is None and payload.hours is None:
        raise ValidationFailed(fields={"hours": _("请填写服务时长（分钟或小时）。")})
    return Status(
        201,
        services.service_record_add(
            actor=user,
            volunteer=volunteer,
            served_on=payload.served_on,
            description=payload.description,
            minutes=payload.minutes,
            hours=payload.hours,
        ),
    )
