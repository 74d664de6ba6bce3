"""Workers' check-ins and feedback; keepers' inspections and issues; statistics; coverage."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Schema, Status
from ninja.pagination import paginate

from yugong.accounts.models import request_user
from yugong.core.errors import PermissionDenied
from yugong.core.pagination import Pagination
from yugong.core.schemas import ERROR_RESPONSES

from .. import selectors, services
from ..models import Feedback, Inspection, Issue, Station
from .common import Coord, router

# --- workers ------------------------------------------------------------------------------------


class CheckInOut(Schema):
    station_id: int
    code: str
    at: dt.datetime
    visit_count: int


class StationCheckInIn(Schema):
    token: str = Field(
        ..., max_length=64, description="二维码上的打卡码（站点屏幕每 2 分钟更换，或当天张贴的二维码）"
    )
    lat: float | None = Field(None, ge=-90, le=90, description="手机定位纬度")
    lng: float | None = Field(None, ge=-180, le=180, description="手机定位经度")
    coord: Coord = "wgs84"


@router.post(
    "/checkins/{code}",
    response={201: CheckInOut, **ERROR_RESPONSES},
    summary="扫码打卡（需当前二维码、在站点附近、开放时间内；每人每站每小时一次）",
)
def checkin(request: HttpRequest, code: str, payload: StationCheckInIn) -> Any:
    c = services.checkin_create(
        user=request_user(request),
        code=code,
        token=payload.token,
        lat=payload.lat,
        lng=payload.lng,
        coord=payload.coord,
    )
    count = Station.objects.filter(pk=c.station_id).values_list("visit_count", flat=True).first() or 0
    return Status(201, CheckInOut(station_id=c.station_id, code=code, at=c.at, visit_count=count))


class FeedbackIn(Schema):
    rating: int = Field(..., ge=1, le=5)
    comment: str = Field("", max_length=500)


class FeedbackOut(Schema):
    id: int
    station_id: int
    rating: int
    comment: str
    created_at: dt.datetime


def _feedback_out(f: Feedback) -> FeedbackOut:
    return FeedbackOut(
        id=f.pk, station_id=f.station_id, rating=f.rating, comment=f.comment, created_at=f.created_at
    )


@router.post("/public/{code}/feedback", response={201: FeedbackOut, **ERROR_RESPONSES}, summary="评价站点")
def feedback_create(request: HttpRequest, code: str, payload: FeedbackIn) -> Any:
    station = selectors.station_public(code)
    f = services.feedback_create(
        user=request_user(request), station=station, rating=payload.rating, comment=payload.comment
    )
    return Status(201, _feedback_out(f))


@router.get(
    "/stations/{station_id}/feedback",
    response={200: list[FeedbackOut], **ERROR_RESPONSES},
    summary="站点评价",
)
@paginate(Pagination, page_size=50)
def feedback_list(request: HttpRequest, station_id: int) -> Any:
    station = selectors.station_access_keep(request.user, station_id)
    return station.feedback.all()


# --- keepers and staff -------------------------------------------------------------------------


class InspectionIn(Schema):
    water_stocked: bool
    first_aid_in_date: bool
    clean: bool
    notes: str = Field("", max_length=500)


class InspectionOut(Schema):
    id: int
    at: dt.datetime
    inspector: str
    water_stocked: bool
    first_aid_in_date: bool
    clean: bool
    passed: bool
    notes: str


def _inspection_out(i: Inspection) -> InspectionOut:
    return InspectionOut(
        id=i.pk,
        at=i.at,
        inspector=str(i.inspector),
        water_stocked=i.water_stocked,
        first_aid_in_date=i.first_aid_in_date,
        clean=i.is_clean,
        passed=i.passed,
        notes=i.notes,
    )


@router.get(
    "/stations/{station_id}/inspections",
    response={200: list[InspectionOut], **ERROR_RESPONSES},
    summary="巡查记录",
)
def inspection_list(request: HttpRequest, station_id: int) -> list[InspectionOut]:
    station = selectors.station_access_keep(request.user, station_id)
    return [_inspection_out(i) for i in selectors.station_inspections(station)]


@router.post(
    "/stations/{station_id}/inspections",
    response={201: InspectionOut, **ERROR_RESPONSES},
    summary="记录巡查",
)
def inspection_create(request: HttpRequest, station_id: int, payload: InspectionIn) -> Any:
    station = selectors.station_access_keep(request.user, station_id)
    i = services.inspection_record(
        actor=request_user(request),
        station=station,
        water_stocked=payload.water_stocked,
        first_aid_in_date=payload.first_aid_in_date,
        is_clean=payload.clean,
        notes=payload.notes,
    )
    return Status(201, _inspection_out(i))


class IssueIn(Schema):
    title: str = Field(..., max_length=120)
    description: str = Field("", max_length=1000)


class IssueCloseIn(Schema):
    resolution: str = Field("", max_length=1000)


class IssueOut(Schema):
    id: int
    station_id: int
    title: str
    description: str
    status: str
    raised_at: dt.datetime
    closed_at: dt.datetime | None
    resolution: str


def _issue_out(i: Issue) -> IssueOut:
    return IssueOut(
        id=i.pk,
        station_id=i.station_id,
        title=i.title,
        description=i.description,
        status=i.status,
        raised_at=i.raised_at,
        closed_at=i.closed_at,
        resolution=i.resolution,
    )


@router.get(
    "/stations/{station_id}/issues", response={200: list[IssueOut], **ERROR_RESPONSES}, summary="站点问题"
)
def issue_list(request: HttpRequest, station_id: int) -> list[IssueOut]:
    station = selectors.station_access_keep(request.user, station_id)
    return [_issue_out(i) for i in selectors.station_issues(station)]


@router.post("/stations/{station_id}/issues", response={201: IssueOut, **ERROR_RESPONSES}, summary="提出问题")
def issue_create(request: HttpRequest, station_id: int, payload: IssueIn) -> Any:
    station = selectors.station_access_keep(request.user, station_id)
    i = services.issue_raise(actor=request_user(request), station=station, **payload.dict())
    return Status(201, _issue_out(i))


@router.post("/issues/{issue_id}/close", response={200: IssueOut, **ERROR_RESPONSES}, summary="关闭问题")
def issue_close(request: HttpRequest, issue_id: int, payload: IssueCloseIn) -> IssueOut:
    issue = selectors.issue_access(request.user, issue_id)
    return _issue_out(
        services.issue_close(actor=request_user(request), issue=issue, resolution=payload.resolution)
    )


class DayCount(Schema):
    day: str
    checkins: int


class StatsOut(Schema):
    checkins: int
    visitors: int
    last_days: int
    series: list[DayCount]


@router.get("/stations/{station_id}/stats", response={200: StatsOut, **ERROR_RESPONSES}, summary="到访统计")
def station_stats(request: HttpRequest, station_id: int, days: int = 30) -> Any:
    station = selectors.station_access_keep(request.user, station_id)
    return selectors.visit_stats(station, days=min(max(days, 1), 366))


# --- coverage ----------------------------------------------------------------------------------


class CoverageIn(Schema):
    region: dict[str, Any] = Field(..., description="GeoJSON Polygon / MultiPolygon / Feature（WGS-84）")
    cell_m: float = Field(100, ge=10, le=5000)
    minutes: float = Field(15, gt=0, le=120)
    candidates: list[list[float]] | None = Field(None, description="候选新站点 [[经度, 纬度], …]（WGS-84）")
    k: int = Field(0, ge=0, le=500, description="规划新增站点数")
    include_uncovered: bool = True


class PlanOut(Schema):
    lng: float
    lat: float
    candidate: int
    new_cells: int
    covered_share_after: float


class CoverageOut(Schema):
    cells: int
    cell_m: float
    radius_m: float
    stations: int
    covered: int
    cross: int
    covered_share: float
    cross_share: float
    uncovered: dict[str, Any] | None
    plan: list[PlanOut]


def coverage_out(result: Any, include_uncovered: bool = True) -> CoverageOut:
    return CoverageOut(
        cells=result.cells,
        cell_m=result.grid.cell_m,
        radius_m=round(result.radius_m, 1),
        stations=result.stations,
        covered=result.covered,
        cross=result.cross,
        covered_share=round(result.covered_share, 4),
        cross_share=round(result.cross_share, 4),
        uncovered=result.uncovered_geojson() if include_uncovered else None,
        plan=[PlanOut(**p) for p in result.plan],
    )


@router.post(
    "/coverage", response={200: CoverageOut, **ERROR_RESPONSES}, summary="15分钟服务圈覆盖分析与选址规划"
)
def coverage(request: HttpRequest, payload: CoverageIn) -> CoverageOut:
    from yugong.orgs.decorators import is_console_user

    if not is_console_user(request.user):
        raise PermissionDenied()
    result = selectors.coverage_for_region(
        payload.region,
        cell_m=payload.cell_m,
        minutes=payload.minutes,
        candidates=payload.candidates,
        k=payload.k,
    )
    services.coverage_snapshot_record(actor=request_user(request), result=result, region=payload.region)
    return coverage_out(result, payload.include_uncovered)
