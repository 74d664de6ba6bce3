"""Volunteer service operations: open activities (public), a worker's sign-up, hours and their
confirmation; a team's activities and the lead's hours recording (the lead or union staff)."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Schema, Status

from yugong.accounts.models import User, request_user
from yugong.core.errors import NotFound, PermissionDenied
from yugong.core.schemas import ERROR_RESPONSES

from .. import selectors, services
from ..access import access_object, access_union
from ..models import ServiceActivity, ServiceRecord, ServiceSignup, VolunteerTeam
from .common import router


class ActivityOut(Schema):
    id: int
    team_id: int
    team_name: str
    specialty: str
    title: str
    description: str
    beneficiaries: str
    beneficiary_count: int
    place: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    capacity: int
    signed_up: int
    status: str


class ActivityIn(Schema):
    title: str = Field(..., min_length=1, max_length=120)
    beneficiaries: str = Field(..., min_length=1, max_length=120)
    place: str = Field(..., min_length=1, max_length=200)
    starts_at: dt.datetime
    ends_at: dt.datetime
    capacity: int = Field(..., ge=1, le=10000)
    description: str = Field("", max_length=2000)


class SignupOut(Schema):
    id: int
    activity_id: int
    volunteer_id: int
    status: str
    created_at: dt.datetime


class RecordOut(Schema):
    id: int
    team_id: int
    activity_id: int | None
    served_on: dt.date
    minutes: int
    description: str
    status: str
    dispute_note: str


class HoursIn(Schema):
    hours: Decimal = Field(..., gt=0, le=24, max_digits=5, decimal_places=2)
    description: str = Field("", max_length=200)


class DisputeIn(Schema):
    note: str = Field(..., min_length=1, max_length=200)


class StatementOut(Schema):
    count: int
    total_minutes: int
    records: list[RecordOut]


def _activity_out(a: ServiceActivity) -> dict[str, Any]:
    return {
        **{f: getattr(a, f) for f in ActivityOut.model_fields if hasattr(a, f)},
        "team_name": a.team.name,
        "specialty": a.team.specialty,
    }


def _worker(request: HttpRequest) -> User:
    user = request_user(request)
    if not user.is_authenticated:
        raise NotFound()
    return user


@router.get(
    "/service-activities",
    response={200: list[ActivityOut], **ERROR_RESPONSES},
    auth=None,
    summary="招募中的志愿服务活动",
)
def activities_open(request: HttpRequest, specialty: str = "") -> Any:
    return [_activity_out(a) for a in selectors.open_activities(specialty=specialty[:20], limit=100)]


@router.post(
    "/service-activities/{activity_id}/signup",
    response={201: SignupOut, **ERROR_RESPONSES},
    summary="报名志愿服务活动",
)
def activity_signup(request: HttpRequest, activity_id: int) -> Any:
    return Status(201, services.service_signup(actor=_worker(request), activity_id=activity_id))


@router.post(
    "/service-signups/{signup_id}/cancel", response={200: SignupOut, **ERROR_RESPONSES}, summary="取消报名"
)
def signup_cancel(request: HttpRequest, signup_id: int) -> Any:
    return services.service_signup_cancel(actor=_worker(request), signup_id=signup_id)


@router.get("/volunteer-hours", response={200: StatementOut, **ERROR_RESPONSES}, summary="我的志愿服务时长")
def my_hours(request: HttpRequest) -> Any:
    user = _worker(request)
    statement = selectors.hours_statement(user)
    return {
        "count": statement["count"],
        "total_minutes": statement["total_minutes"],
        "records": selectors.my_records(user, limit=500),
    }


@router.post(
    "/service-records/{record_id}/confirm",
    response={200: RecordOut, **ERROR_RESPONSES},
    summary="确认服务时长",
)
def record_confirm(request: HttpRequest, record_id: int) -> Any:
    return services.service_hours_confirm(actor=_worker(request), record_id=record_id)


@router.post(
    "/service-records/{record_id}/dispute",
    response={200: RecordOut, **ERROR_RESPONSES},
    summary="对服务时长提出异议",
)
def record_dispute(request: HttpRequest, record_id: int, payload: DisputeIn) -> Any:
    return services.service_hours_dispute(actor=_worker(request), record_id=record_id, note=payload.note)


def _team_for_lead(user: User, team_id: int) -> VolunteerTeam:
    """The team lead reaches their own team; staff through the access layer (404 outside)."""
    team = VolunteerTeam.objects.select_related("union").filter(pk=team_id).first()
    if team is not None and team.leader_id is not None and team.leader_id == user.pk:
        return team
    team = access_object(VolunteerTeam.objects.select_related("union"), user, team_id)
    if not services.can_lead(user, team):
        raise PermissionDenied()
    return team


@router.post(
    "/volunteer-teams/{team_id}/activities",
    response={201: ActivityOut, **ERROR_RESPONSES},
    summary="发布志愿服务活动",
)
def activity_create(request: HttpRequest, team_id: int, payload: ActivityIn) -> Any:
    user = _worker(request)
    team = _team_for_lead(user, team_id)
    activity = services.service_activity_create(actor=user, team=team, **payload.dict())
    return Status(201, _activity_out(activity))


@router.post(
    "/service-signups/{signup_id}/hours",
    response={200: RecordOut, **ERROR_RESPONSES},
    summary="登记（更正）志愿服务时长",
)
def signup_hours(request: HttpRequest, signup_id: int, payload: HoursIn) -> Any:
    user = _worker(request)
    signup = ServiceSignup.objects.select_related("activity__team").filter(pk=signup_id).first()
    if signup is None:
        raise NotFound()
    team = signup.activity.team
    if team.leader_id != user.pk:
        access_union(user, team.union_id)  # outside the subtree: the same 404 as missing
    record: ServiceRecord = services.service_hours_record(
        actor=user, signup_id=signup_id, hours=payload.hours, description=payload.description
    )
    return record
