"""Station directory: nearest, CRUD, import/export, honours, keepers, photos."""

from typing import Any, Literal

from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from yugong.accounts.models import request_user
from yugong.core.errors import ValidationFailed
from yugong.core.pagination import Pagination
from yugong.core.schemas import ERROR_RESPONSES
from yugong.orgs.access import access_union

from .. import geo, selectors, services
from ..imports import stations_import
from ..models import Station
from .common import Coord, amenities_mask, router


class NearestQuery(Schema):
    lat: float = Field(..., ge=-90, le=90, description="纬度")
    lng: float = Field(..., ge=-180, le=180, description="经度")
    limit: int = Field(10, ge=1, le=selectors.MAX_NEAREST)
    amenity: list[str] = Field(default_factory=list, description="需要的服务设施（可多个，全部满足）")
    open_now: bool = False
    coord: Coord = Field("wgs84", description="输入和输出坐标的坐标系")


class NearbyOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    address: str
    district: str
    lat: float
    lng: float
    coord: str
    distance_m: float
    walk_minutes: int
    open_now: bool
    amenities: list[str]
    rating: float | None
    url: str


@router.get(
    "/nearest",
    auth=None,
    url_name="stations_nearest",
    response={200: list[NearbyOut], **ERROR_RESPONSES},
    summary="附近的站点（按距离）",
)
def nearest(request: HttpRequest, filters: Query[NearestQuery]) -> Any:
    # The hottest endpoint of the module: rows are built as plain dicts of exactly the NearbyOut
    # shape and sent as JSON directly, skipping Ninja's per-field re-validation of our own output
    # (about half the endpoint's CPU). The schema above still documents (and tests check) it.
    results = selectors.stations_nearest(
        lat=filters.lat,
        lng=filters.lng,
        coord=filters.coord,
        limit=filters.limit,
        amenities=amenities_mask(filters.amenity),
        open_now=filters.open_now,
    )
    out = []
    for r in results:
        s = r.station
        lat, lng = geo.from_wgs84(s.lat, s.lng, filters.coord)
        out.append(
            {
                "id": s.id,
                "code": s.code,
                "name": s.name,
                "kind": s.kind,
                "address": s.address,
                "district": s.district,
                "lat": round(lat, 7),
                "lng": round(lng, 7),
                "coord": filters.coord,
                "distance_m": round(r.distance_m, 1),
                "walk_minutes": r.walk_minutes,
                "open_now": r.open_now,
                "amenities": s.amenity_list,
                "rating": s.rating,
                "url": f"/stations/s/{s.code}/",
            }
        )
    return JsonResponse(out, safe=False, json_dumps_params={"ensure_ascii": False})


class HonourOut(Schema):
    year: int
    level: str


class StationOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    union_id: int
    host: str
    address: str
    district: str
    lat: float = Field(..., description="WGS-84")
    lng: float = Field(..., description="WGS-84")
    hours: dict[str, list[str]]
    holiday_hours: list[str] | None
    exception_dates: dict[str, list[str]]
    amenities: list[str]
    contact_name: str
    contact_phone: str
    status: str
    visit_count: int
    rating: float | None
    rating_count: int

    @staticmethod
    def resolve_amenities(obj: Station) -> list[str]:
        return obj.amenity_list

    @staticmethod
    def resolve_exception_dates(obj: Station) -> dict[str, list[str]]:
        return obj.exception_dates or {}


def _out(s: Station) -> StationOut:
    return StationOut.from_orm(s)


class StationIn(Schema):
    union_id: int
    code: str = Field(..., max_length=24)
    name: str = Field(..., max_length=120)
    kind: Literal["harbour", "demonstration", "other"] = "harbour"
    host: str = Field("", max_length=120)
    address: str = Field(..., max_length=200)
    district: str = Field(..., max_length=40)
    lat: float = Field(..., ge=-90, le=90)
    lng: float = Field(..., ge=-180, le=180)
    coord: Coord = "wgs84"
    hours: dict[str, list[str]] = Field(..., description='{"1": ["08:00-20:00"], …, "7": ["20:00-06:00"]}')
    holiday_hours: list[str] | None = None
    exception_dates: dict[str, list[str]] = Field(default_factory=dict)
    amenities: list[str] = Field(default_factory=list)
    contact_name: str = Field("", max_length=40)
    contact_phone: str = Field("", max_length=20)
    status: Literal["open", "paused", "closed"] = "open"


class StationPatch(Schema):
    union_id: int | None = None
    code: str | None = Field(None, max_length=24)
    name: str | None = Field(None, max_length=120)
    kind: Literal["harbour", "demonstration", "other"] | None = None
    host: str | None = Field(None, max_length=120)
    address: str | None = Field(None, max_length=200)
    district: str | None = Field(None, max_length=40)
    lat: float | None = Field(None, ge=-90, le=90)
    lng: float | None = Field(None, ge=-180, le=180)
    coord: Coord = "wgs84"
    hours: dict[str, list[str]] | None = None
    holiday_hours: list[str] | None = None
    exception_dates: dict[str, list[str]] | None = None
    amenities: list[str] | None = None
    contact_name: str | None = Field(None, max_length=40)
    contact_phone: str | None = Field(None, max_length=20)
    status: Literal["open", "paused", "closed"] | None = None


class StationFilters(Schema):
    q: str = ""
    kind: str = ""
    status: str = ""
    district: str = ""
    union_id: int | None = None


@router.get(
    "/stations", response={200: list[StationOut], **ERROR_RESPONSES}, summary="站点列表（本级及下级）"
)
@paginate(Pagination, page_size=50)
def station_list(request: HttpRequest, filters: Query[StationFilters]) -> Any:
    return selectors.stations_search(request.user, **filters.dict())


@router.post("/stations", response={201: StationOut, **ERROR_RESPONSES}, summary="新建站点")
def station_create(request: HttpRequest, payload: StationIn) -> Any:
    union = access_union(request.user, payload.union_id)
    data = payload.dict(exclude={"union_id", "coord"})
    station = services.station_create(
        actor=request_user(request), union=union, data=data, coord=payload.coord
    )
    return Status(201, _out(station))


@router.get("/stations/{station_id}", response={200: StationOut, **ERROR_RESPONSES}, summary="站点详情")
def station_detail(request: HttpRequest, station_id: int) -> StationOut:
    return _out(selectors.station_access_keep(request.user, station_id))


@router.patch("/stations/{station_id}", response={200: StationOut, **ERROR_RESPONSES}, summary="修改站点")
def station_update(request: HttpRequest, station_id: int, payload: StationPatch) -> StationOut:
    station = selectors.station_access(request.user, station_id)
    data = payload.dict(exclude_unset=True, exclude={"union_id", "coord"})
    if ("lat" in data) != ("lng" in data):
        raise ValidationFailed(fields={"lat": _("经纬度需同时提供。")})
    union = access_union(request.user, payload.union_id) if payload.union_id else None
    station = services.station_update(
        actor=request_user(request), station=station, data=data, coord=payload.coord, union=union
    )
    return _out(station)


class GeoJSONOut(Schema):
    type: str
    features: list[dict[str, Any]]


@router.get(
    "/export.geojson",
    response={200: GeoJSONOut, **ERROR_RESPONSES},
    summary="导出站点 GeoJSON（本级及下级）",
)
def export_geojson(request: HttpRequest, filters: Query[StationFilters], coord: Coord = "wgs84") -> Any:
    return selectors.stations_geojson(selectors.stations_search(request.user, **filters.dict()), coord)


class ImportErrorOut(Schema):
    row: int
    column: str
    message: str


class ImportOut(Schema):
    rows: int
    created: int
    errors: list[ImportErrorOut]


@router.post("/imports", response={200: ImportOut, **ERROR_RESPONSES}, summary="从 .xlsx 导入站点")
def import_xlsx(
    request: HttpRequest,
    file: File[UploadedFile],
    coord: Form[Coord] = "gcj02",
    partial: Form[bool] = False,
) -> ImportOut:
    result = stations_import(actor=request_user(request), file=file, coord=coord, partial=partial)
    return ImportOut(
        rows=result.rows,
        created=result.created,
        errors=[ImportErrorOut(row=e.row, column=e.column, message=e.message) for e in result.errors],
    )


class HonourIn(Schema):
    year: int = Field(..., ge=2000, le=2100)
    level: Literal["national_beautiful", "city_beautiful", "demonstration"]


@router.post(
    "/stations/{station_id}/honours", response={201: HonourOut, **ERROR_RESPONSES}, summary="登记站点荣誉"
)
def honour_add(request: HttpRequest, station_id: int, payload: HonourIn) -> Any:
    station = selectors.station_access(request.user, station_id)
    h = services.station_honour_add(
        actor=request_user(request), station=station, year=payload.year, level=payload.level
    )
    return Status(201, HonourOut(year=h.year, level=h.level))


class KeeperIn(Schema):
    username: str = Field(..., max_length=150)


class KeeperOut(Schema):
    station_id: int
    keepers: list[str]


@router.post(
    "/stations/{station_id}/keepers", response={200: KeeperOut, **ERROR_RESPONSES}, summary="添加站长/管理员"
)
def keeper_add(request: HttpRequest, station_id: int, payload: KeeperIn) -> KeeperOut:
    from django.contrib.auth import get_user_model

    station = selectors.station_access(request.user, station_id)
    user = get_user_model().objects.filter(username=payload.username, is_active=True).first()
    if user is None:
        raise ValidationFailed(fields={"username": _("未找到该用户。")})
    services.station_keeper_add(actor=request_user(request), station=station, user=user)
    return KeeperOut(
        station_id=station.pk, keepers=sorted(station.keepers.values_list("username", flat=True))
    )


class PhotoOut(Schema):
    id: int
    url: str
    caption: str


@router.post(
    "/stations/{station_id}/photos", response={201: PhotoOut, **ERROR_RESPONSES}, summary="上传站点照片"
)
def photo_add(
    request: HttpRequest, station_id: int, image: File[UploadedFile], caption: Form[str] = ""
) -> Any:
    station = selectors.station_access_keep(request.user, station_id)
    photo = services.station_photo_add(
        actor=request_user(request), station=station, image=image, caption=caption
    )
    return Status(201, PhotoOut(id=photo.pk, url=photo.image.url, caption=photo.caption))
