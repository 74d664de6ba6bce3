"""Products, sessions and seat maps (public reads)."""

import datetime as dt
from typing import Literal

from django.http import HttpRequest
from ninja import Field, Query, Schema

from yugong.core.errors import NotFound
from yugong.core.schemas import ERROR_RESPONSES

from .. import selectors
from ..models import Product, Session
from .base import router


class SessionOut(Schema):
    id: int
    starts_at: dt.datetime
    label: str
    capacity: int
    remaining: int
    seated: bool = Field(False, description="对号入座：下单时需选座（见 /sessions/{id}/seats）")


class SeatOut(Schema):
    key: str = Field(..., description="座位键，如 3-5（3排5座），下单时放入 seats")
    label: str
    taken: bool


class SeatMapOut(Schema):
    session_id: int
    free: int
    rows: list[list[SeatOut | None]] = Field(..., description="前排在前；null 为过道")


class ProductOut(Schema):
    id: int
    kind: str
    kind_label: str
    title: str
    summary: str
    district: str
    merchant_id: int
    merchant_name: str
    list_price_fen: int
    member_price_fen: int
    saving_fen: int
    members_only: bool
    limit_per_day: int | None
    limit_per_year: int | None
    refund_rule: str
    cover: str | None = Field(None, description="封面图片地址（第一张产品图片）")


class ProductDetailOut(ProductOut):
    description: str
    pictures: list[str]
    refund_cutoff_hours: int
    sessions: list[SessionOut]


class ProductFilters(Schema):
    q: str = Field("", max_length=50, description="中文关键词（名称、简介、区县、商户）")
    kind: Literal["", "ticket", "show", "route", "room"] = ""
    district: str = Field("", max_length=40)
    date: dt.date | None = Field(None, description="只看这一天有场次的产品")
    limit: int = Field(20, ge=1, le=100)
    offset: int = Field(0, ge=0, le=10000)


def _product_out(p: Product) -> ProductOut:
    return ProductOut(
        id=p.pk,
        kind=p.kind,
        kind_label=str(p.get_kind_display()),
        title=p.title,
        summary=p.summary,
        district=p.district,
        merchant_id=p.merchant_id,
        merchant_name=p.merchant.name,
        list_price_fen=p.list_price_fen,
        member_price_fen=p.member_price_fen,
        saving_fen=p.saving_fen,
        members_only=p.members_only,
        limit_per_day=p.limit_per_day,
        limit_per_year=p.limit_per_year,
        refund_rule=p.refund_rule,
        cover=next(iter(selectors.product_picture_urls(p)), None),
    )


def _session_out(s: Session) -> SessionOut:
    return SessionOut(
        id=s.pk,
        starts_at=s.starts_at,
        label=s.label,
        capacity=s.capacity,
        remaining=s.remaining,
        seated=bool(s.seat_rows),
    )


@router.get(
    "/products",
    response={200: list[ProductOut], **ERROR_RESPONSES},
    auth=None,
    summary="文旅产品（搜索、筛选）",
)
def product_list(request: HttpRequest, filters: Query[ProductFilters]) -> list[ProductOut]:
    qs = selectors.live_products(q=filters.q, kind=filters.kind, district=filters.district, day=filters.date)
    return [_product_out(p) for p in qs[filters.offset : filters.offset + filters.limit]]


@router.get(
    "/products/{product_id}",
    response={200: ProductDetailOut, **ERROR_RESPONSES},
    auth=None,
    summary="产品详情与场次",
)
def product_detail(request: HttpRequest, product_id: int) -> ProductDetailOut:
    p = selectors.live_products().filter(pk=product_id).first()
    if p is None:
        raise NotFound()
    return ProductDetailOut(
        **_product_out(p).model_dump(),
        description=p.description,
        pictures=selectors.product_picture_urls(p),
        refund_cutoff_hours=p.refund_cutoff_hours,
        sessions=[_session_out(s) for s in selectors.product_sessions(p)],
    )


@router.get(
    "/sessions/{session_id}/seats",
    response={200: SeatMapOut, **ERROR_RESPONSES},
    auth=None,
    summary="场次座位图（对号入座的演出）",
)
def session_seats(request: HttpRequest, session_id: int) -> SeatMapOut:
    session = selectors.live_sessions().filter(pk=session_id).first()
    if session is None or not session.seat_rows:
        raise NotFound()
    rows = selectors.seat_grid(session)
    return SeatMapOut(
        session_id=session.pk,
        free=selectors.free_seats(rows),
        rows=[[SeatOut(**seat) if seat else None for seat in row] for row in rows],
    )
