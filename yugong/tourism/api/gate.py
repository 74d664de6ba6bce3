"""The gate (e-ticket scan, annual-pass verification) and the worker's pass."""

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Schema

from yugong.accounts.models import request_user
from yugong.core.errors import NotFound
from yugong.core.pii import mask_name
from yugong.core.schemas import ERROR_RESPONSES
from yugong.core.timeutil import local_today

from .. import selectors, services
from ..models import PassEntry
from .base import plain_json, router


class ScanIn(Schema):
    token: str = Field(..., min_length=1, max_length=80, description="电子票二维码内容")


class ScanOut(Schema):
    order_number: str
    product_title: str
    session_starts_at: dt.datetime
    session_label: str
    seq: int
    seat: str = Field("", description="座位（对号入座的场次），如 3排5座")
    holder_name: str
    status: str
    used_at: dt.datetime | None


@router.post(
    "/tickets/scan",
    response={200: ScanOut, **ERROR_RESPONSES},
    summary="商户验票（一票一用；只在场次当天的入场时间窗内；拒绝时 409 说明原因）",
)
def ticket_scan(request: HttpRequest, payload: ScanIn) -> ScanOut:
    ticket = services.ticket_scan(actor=request_user(request), token=payload.token)
    session = ticket.order.session
    return ScanOut(
        order_number=ticket.order.number,
        product_title=ticket.order.product.title,
        session_starts_at=session.starts_at,
        session_label=session.label,
        seq=ticket.seq,
        seat=ticket.seat_label,
        holder_name=ticket.holder_name,
        status=ticket.status,
        used_at=ticket.used_at,
    )


class VerifyIn(Schema):
    token: str = Field(..., min_length=1, max_length=120, description="年票动态二维码内容")
    spot_id: int = Field(..., ge=1)


class VerifyOut(Schema):
    ok: bool
    result: str
    message: str
    holder_name_masked: str
    pass_number: str
    entry_id: int
    at: dt.datetime


@router.post(
    "/passes/verify",
    response={200: VerifyOut, **ERROR_RESPONSES},
    summary="年票入园核验（动态码 60 秒有效；每次核验均记录）",
)
def pass_verify(request: HttpRequest, payload: VerifyIn) -> HttpResponse:
    entry: PassEntry = services.pass_verify(
        actor=request_user(request), token=payload.token, spot_id=payload.spot_id
    )
    # Sent as built (VerifyOut's shape, typed values), not validated a second time: test_http checks
    # the answer against the schema.
    return plain_json(200, verify_data(entry))


def verify_data(entry: PassEntry) -> dict[str, Any]:
    """The gate's answer for a logged verification, in ``VerifyOut``'s shape."""
    ok = entry.result == PassEntry.Result.OK
    annual_pass = entry.annual_pass
    return {
        "ok": ok,
        "result": str(entry.result),
        "message": str(_("核验通过，请放行。")) if ok else entry.reason,
        "holder_name_masked": mask_name(annual_pass.holder_name) if annual_pass else "",
        "pass_number": annual_pass.number if annual_pass else "",
        "entry_id": entry.pk,
        "at": entry.at,
    }


class PassOut(Schema):
    number: str
    year: int
    holder_name_masked: str
    union_name: str
    qr_text: str
    valid_seconds: int


@router.get("/passes/mine", response={200: PassOut, **ERROR_RESPONSES}, summary="我的年票（含动态码）")
def pass_mine(request: HttpRequest) -> PassOut:
    annual_pass = selectors.my_pass(request_user(request), local_today().year)
    if annual_pass is None:
        raise NotFound(_("您本年度还没有年票。"))
    return PassOut(
        number=annual_pass.number,
        year=annual_pass.year,
        holder_name_masked=mask_name(annual_pass.holder_name),
        union_name=annual_pass.batch.union.name,
        qr_text=services.pass_qr_token(annual_pass),
        valid_seconds=services.passes.QR_MAX_AGE,
    )
