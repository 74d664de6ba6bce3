"""Volunteer team, volunteer and service record operations."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Schema, Status
from ninja.pagination import paginate

from yugong.accounts.models import User
from yugong.core.errors import NotFound, ValidationFailed
from yugong.core.pagination import Pagination
from yugong.core.pii import mask_phone
from yugong.core.schemas import ERROR_RESPONSES

from .. import selectors, services
from ..access import MANAGE_ROLES, access_object, access_union
from ..models import Volunteer, VolunteerTeam
from .common import _staff, _union_arg, router


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
