"""Employer operations: search, detail, register, update."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Schema, Status
from ninja.pagination import paginate

from yugong.accounts.models import User
from yugong.core.pagination import Pagination
from yugong.core.schemas import ERROR_RESPONSES, omissible

from .. import selectors, services
from ..access import MANAGE_ROLES, access_object, access_union
from ..models import Employer
from .common import _staff, _union_arg, router


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
    # Only the fields sent change. null is refused (422) except for the two unions, where it
    # detaches one of them; an employer left with neither (out of every scope) is refused too.
    name: str = omissible(min_length=1, max_length=200)
    uscc: str = omissible(min_length=1, max_length=30)
    managing_union_id: int | None = None
    union_id: int | None = None
    industry: str = omissible(max_length=1)
    district: str = omissible(max_length=40)
    address: str = omissible(max_length=200)
    headcount: int = omissible(ge=0)
    unionised: bool = omissible()


class EmployerFilters(Schema):
    q: str = ""
    union_id: int | None = None
    unionised: bool | None = None
    industry: str = ""


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
        data["managing_union"] = (
            _union_arg(user, mid, "managing_union_id", MANAGE_ROLES) if mid is not None else None
        )
    if "union_id" in data:
        uid = data.pop("union_id")
        data["union"] = _union_arg(user, uid, "union_id", MANAGE_ROLES) if uid is not None else None
    return services.employer_update(actor=user, employer=employer, **data)
