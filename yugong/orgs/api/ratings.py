"""职工之家 rating operations."""

from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Schema, Status
from ninja.pagination import paginate

from yugong.accounts.models import User
from yugong.core.pagination import Pagination
from yugong.core.schemas import ERROR_RESPONSES

from .. import selectors, services
from ..access import MANAGE_ROLES, access_object, access_union
from ..models import HomeApplication
from ..services.homes import holds_role_at
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


# --- the rating workflow ----------------------------------------------------------------------------


class HomeApplicationOut(Schema):
    id: int
    union_id: int
    union_name: str
    kind: str
    level: str
    year: int
    status: str
    stage: str
    reviewer_id: int | None
    version: int
    self_score: int
    review_score: int | None


class DecisionIn(Schema):
    version: int
    decision: str
    score: int = Field(0, ge=0, le=100000, description="审核得分（通过时必填；退回、不通过时不计）")
    note: str = Field("", max_length=300)


class HomeTotalsOut(Schema):
    level: str
    label: str
    home: int
    small_home: int


def _app_out(a: HomeApplication) -> dict[str, Any]:
    return {
        **{f: getattr(a, f) for f in HomeApplicationOut.model_fields if hasattr(a, f)},
        "union_name": a.union.name,
    }


def _app(user: User, pk: int) -> HomeApplication:
    """Staff over the applicant, or staff at the union reviewing it now."""
    app = HomeApplication.objects.select_related("union", "reviewer").filter(pk=pk).first()
    if app is not None and app.reviewer is not None and holds_role_at(user, app.reviewer):
        return app
    return access_object(HomeApplication.objects.select_related("union", "reviewer"), user, pk)


@router.get(
    "/home-applications", response={200: list[HomeApplicationOut], **ERROR_RESPONSES}, summary="职工之家申报"
)
@paginate(Pagination, page_size=100)
def home_applications_list(request: HttpRequest, queue: bool = False) -> Any:
    user = _staff(request)
    qs = selectors.home_review_queue(user) if queue else selectors.home_applications(user)
    return [_app_out(a) for a in qs[:1000]]


@router.get(
    "/home-applications/{application_id}",
    response={200: HomeApplicationOut, **ERROR_RESPONSES},
    summary="职工之家申报详情",
)
def home_application_get(request: HttpRequest, application_id: int) -> Any:
    return _app_out(_app(_staff(request), application_id))


@router.post(
    "/home-applications/{application_id}/submit",
    response={200: HomeApplicationOut, **ERROR_RESPONSES},
    summary="提交职工之家申报",
)
def home_application_submit(request: HttpRequest, application_id: int) -> Any:
    user = _staff(request)
    _app(user, application_id)
    return _app_out(services.home_application_submit(actor=user, application_id=application_id))


@router.post(
    "/home-applications/{application_id}/decision",
    response={200: HomeApplicationOut, **ERROR_RESPONSES},
    summary="本级审核结论（版本号防止重复审核）",
)
def home_application_decision(request: HttpRequest, application_id: int, payload: DecisionIn) -> Any:
    user = _staff(request)
    _app(user, application_id)
    return _app_out(
        services.home_application_decide(actor=user, application_id=application_id, **payload.dict())
    )


@router.get(
    "/home-ratings/totals",
    response={200: list[HomeTotalsOut], **ERROR_RESPONSES},
    summary="职工之家按级别合计",
)
def home_totals(request: HttpRequest, union_id: int | None = None) -> Any:
    user = _staff(request)
    union = access_union(user, union_id) if union_id is not None else None
    return selectors.home_totals(user, union=union)
