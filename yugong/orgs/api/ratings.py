"""职工之家 rating operations."""

from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Schema, Status
from ninja.pagination import paginate

from yugong.core.pagination import Pagination
from yugong.core.schemas import ERROR_RESPONSES

from .. import selectors, services
from ..access import MANAGE_ROLES
from .common import _staff, _union_arg, router


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
