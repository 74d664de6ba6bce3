"""Annual-pass spots: the public list (search, 川渝 tag, map positions), the merchant's applications
and the city's review."""

import datetime as dt
from typing import Literal

from django.http import HttpRequest
from ninja import Field, Query, Schema
from ninja.responses import Status

from yugong.accounts.models import request_user
from yugong.core.errors import NotFound
from yugong.core.schemas import ERROR_RESPONSES

from .. import selectors, services
from ..access import access_merchant
from ..models import PassSpot
from ..services.spots import owner_merchant
from .base import router


class PassSpotOut(Schema):
    id: int
    name: str
    merchant_name: str
    region: str
    region_label: str
    district: str
    address: str
    summary: str
    lat: float | None
    lng: float | None
    rate_fen: int
    daily_limit: int | None
    one_entry_per_day: bool


class PassSpotAdminOut(PassSpotOut):
    status: str
    status_label: str
    active: bool
    review_note: str
    created_at: dt.datetime | None


class PassSpotFilters(Schema):
    q: str = Field("", max_length=60, description="中文关键词（景点、区县、地址、简介）")
    region: Literal["", "chongqing", "sichuan"] = ""
    district: str = Field("", max_length=40)
    limit: int = Field(100, ge=1, le=500)
    offset: int = Field(0, ge=0, le=100000)


class PassSpotIn(Schema):
    name: str = Field(..., min_length=1, max_length=120)
    region: Literal["chongqing", "sichuan"]
    district: str = Field("", max_length=40)
    address: str = Field("", max_length=200)
    summary: str = Field("", max_length=200)
    lat: float | None = Field(None, ge=-90, le=90, description="纬度（WGS-84），用于地图")
    lng: float | None = Field(None, ge=-180, le=180, description="经度（WGS-84）")
    rate_fen: int = Field(..., ge=0, le=100000, description="每人次结算价（分）")
    daily_limit: int | None = Field(None, ge=1, le=1000000, description="每日接待上限（人次），不限为空")
    one_entry_per_day: bool = True


class PassSpotActiveIn(Schema):
    active: bool


class PassSpotReviewIn(Schema):
    approve: bool
    note: str = Field("", max_length=200)
    rate_fen: int | None = Field(None, ge=0, le=100000, description="批准时可改定结算价（分）")


def _spot_out(s: PassSpot) -> PassSpotOut:
    return PassSpotOut(
        id=s.pk,
        name=s.name,
        merchant_name=s.merchant.name,
        region=s.region,
        region_label=str(s.get_region_display()),
        district=s.district,
        address=s.address,
        summary=s.summary,
        lat=s.lat,
        lng=s.lng,
        rate_fen=s.rate_fen,
        daily_limit=s.daily_limit,
        one_entry_per_day=s.one_entry_per_day,
    )


def _admin_out(s: PassSpot) -> PassSpotAdminOut:
    return PassSpotAdminOut(
        **_spot_out(s).dict(),
        status=s.status,
        status_label=str(s.get_status_display()),
        active=s.active,
        review_note=s.review_note,
        created_at=s.created_at,
    )


@router.get(
    "/pass-spots", response={200: list[PassSpotOut], **ERROR_RESPONSES}, summary="年票景点（搜索、川渝筛选）"
)
def pass_spot_list(request: HttpRequest, filters: Query[PassSpotFilters]) -> list[PassSpotOut]:
    qs = selectors.pass_spots(q=filters.q, region=filters.region, district=filters.district)
    return [_spot_out(s) for s in qs[filters.offset : filters.offset + filters.limit]]


@router.get(
    "/merchants/{merchant_id}/pass-spots",
    response={200: list[PassSpotAdminOut], **ERROR_RESPONSES},
    summary="本商户的年票景点及申请",
)
def merchant_pass_spot_list(request: HttpRequest, merchant_id: int) -> list[PassSpotAdminOut]:
    user = request_user(request)
    access_merchant(user, merchant_id)
    return [
        _admin_out(s) for s in selectors.merchant_pass_spots(user, merchant_id).select_related("merchant")
    ]


@router.post(
    "/merchants/{merchant_id}/pass-spots",
    response={201: PassSpotAdminOut, **ERROR_RESPONSES},
    summary="申请加入年票（商户负责人；市总工会审核）",
)
def merchant_pass_spot_apply(
    request: HttpRequest, merchant_id: int, payload: PassSpotIn
) -> Status[PassSpotAdminOut]:
    spot = services.pass_spot_apply(actor=request_user(request), merchant_id=merchant_id, data=payload.dict())
    return Status(201, _admin_out(PassSpot.objects.select_related("merchant").get(pk=spot.pk)))


@router.put(
    "/merchants/{merchant_id}/pass-spots/{spot_id}",
    response={200: PassSpotAdminOut, **ERROR_RESPONSES},
    summary="修改年票景点条件（重新送审）",
)
def merchant_pass_spot_reapply(
    request: HttpRequest, merchant_id: int, spot_id: int, payload: PassSpotIn
) -> PassSpotAdminOut:
    spot = services.pass_spot_apply(
        actor=request_user(request), merchant_id=merchant_id, data=payload.dict(), spot=spot_id
    )
    return _admin_out(PassSpot.objects.select_related("merchant").get(pk=spot.pk))


@router.post(
    "/merchants/{merchant_id}/pass-spots/{spot_id}/active",
    response={200: PassSpotAdminOut, **ERROR_RESPONSES},
    summary="暂停或恢复年票景点",
)
def merchant_pass_spot_active(
    request: HttpRequest, merchant_id: int, spot_id: int, payload: PassSpotActiveIn
) -> PassSpotAdminOut:
    user = request_user(request)
    owner_merchant(user, merchant_id)
    if not PassSpot.objects.filter(pk=spot_id, merchant_id=merchant_id).exists():
        raise NotFound()
    spot = services.pass_spot_set_active(actor=user, spot=spot_id, active=payload.active)
    return _admin_out(PassSpot.objects.select_related("merchant").get(pk=spot.pk))


@router.get(
    "/console/pass-spots",
    response={200: list[PassSpotAdminOut], **ERROR_RESPONSES},
    summary="年票景点审核列表（平台）",
)
def console_pass_spot_list(
    request: HttpRequest, status: Literal["", "pending", "approved", "rejected"] = ""
) -> list[PassSpotAdminOut]:
    return [_admin_out(s) for s in selectors.platform_pass_spots(request_user(request), status)[:500]]


@router.post(
    "/console/pass-spots/{spot_id}/review",
    response={200: PassSpotAdminOut, **ERROR_RESPONSES},
    summary="审核年票景点（市总工会）",
)
def console_pass_spot_review(
    request: HttpRequest, spot_id: int, payload: PassSpotReviewIn
) -> PassSpotAdminOut:
    spot = services.pass_spot_review(
        actor=request_user(request),
        spot=spot_id,
        approve=payload.approve,
        note=payload.note,
        rate_fen=payload.rate_fen,
    )
    return _admin_out(PassSpot.objects.select_related("merchant").get(pk=spot.pk))
