"""The worker's orders and their payments; the gateway's notifications."""

import datetime as dt
from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Header, Query, Schema
from ninja.responses import Status
from pydantic import StringConstraints

from yugong.accounts.models import request_user
from yugong.core.errors import NotFound
from yugong.core.schemas import ERROR_RESPONSES

from .. import selectors, services
from ..models import Order, Ticket
from ..qr import ticket_qr_text
from .base import plain_json, router


class OrderIn(Schema):
    session_id: int = Field(..., ge=1)
    quantity: int = Field(
        1, ge=1, le=20, description="本人及家属，每单上限见 TOURISM_FAMILY_LIMIT；选座时可省略（按座位数）"
    )
    holder_names: list[str] = Field(default_factory=list, max_length=20)
    seats: list[Annotated[str, StringConstraints(max_length=12)]] = Field(
        default_factory=list, max_length=20, description='对号入座的场次必填：座位键，如 ["3-5", "3-6"]'
    )


class TicketOut(Schema):
    seq: int
    holder_name: str
    status: str
    seat: str = Field("", description="座位键（对号入座时）")
    seat_label: str = Field("", description="如 3排5座")
    qr_text: str | None = Field(None, description="电子票二维码内容（已支付后提供）")


class OrderOut(Schema):
    id: int
    number: str
    status: str
    status_label: str
    product_id: int
    product_title: str
    session_id: int
    starts_at: dt.datetime
    quantity: int
    unit_price_fen: int
    list_price_fen: int
    amount_fen: int
    saved_fen: int
    refunded_fen: int
    hold_expires_at: dt.datetime | None
    created_at: dt.datetime
    tickets: list[TicketOut]


# Lazy labels, translated when str() runs (the request's language); cheaper than
# get_status_display(), which rebuilds the flattened choices on every call.
_ORDER_STATUS_LABELS = dict(Order.Status.choices)


def _order_data(o: Order, tickets: list[Ticket] | None = None) -> dict[str, Any]:
    """An order in ``OrderOut``'s shape as plain data."""
    show_qr = o.status in (Order.Status.PAID, Order.Status.USED)
    return {
        "id": o.pk,
        "number": o.number,
        "status": o.status,
        "status_label": str(_ORDER_STATUS_LABELS.get(o.status, o.status)),
        "product_id": o.product_id,
        "product_title": o.product.title,
        "session_id": o.session_id,
        "starts_at": o.session.starts_at,
        "quantity": o.quantity,
        "unit_price_fen": o.unit_price_fen,
        "list_price_fen": o.list_price_fen,
        "amount_fen": o.amount_fen,
        "saved_fen": o.saved_fen,
        "refunded_fen": o.refunded_fen,
        "hold_expires_at": o.hold_expires_at,
        "created_at": o.created_at,
        "tickets": [
            {
                "seq": t.seq,
                "holder_name": t.holder_name,
                "status": t.status,
                "seat": t.seat,
                "seat_label": t.seat_label,
                "qr_text": ticket_qr_text(t.token) if show_qr and t.status == "valid" else None,
            }
            for t in (tickets if tickets is not None else o.tickets.all())
        ],
    }


def _order_out(o: Order, tickets: list[Ticket] | None = None) -> OrderOut:
    return OrderOut(**_order_data(o, tickets))


@router.post(
    "/orders",
    response={200: OrderOut, 201: OrderOut, **ERROR_RESPONSES},
    summary="下单（需 Idempotency-Key；售罄或超出限购返回 409）",
    description=(
        "预订并保留名额（待支付，超时自动释放）。同一 Idempotency-Key 重复提交返回同一订单（200），"
        "新订单返回 201。售罄、超出每人限购或不符合购买资格时返回 409 及中文说明。"
    ),
)
def order_create(
    request: HttpRequest,
    payload: OrderIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key", max_length=80),
) -> Status[OrderOut] | HttpResponse:
    order, created = services.order_place(
        actor=request_user(request),
        session_id=payload.session_id,
        quantity=(
            len(payload.seats)
            if payload.seats and "quantity" not in payload.model_fields_set
            else payload.quantity
        ),
        idempotency_key=idempotency_key,
        holder_names=payload.holder_names,
        seats=payload.seats,
    )
    if created:  # answer from what was just written: no re-read, no second validation
        return plain_json(201, _order_data(order, order.new_tickets))  # type: ignore[attr-defined]
    return Status(200, _order_out(selectors.my_orders(request_user(request)).get(pk=order.pk)))


@router.get("/orders", response={200: list[OrderOut], **ERROR_RESPONSES}, summary="我的订单")
def order_list(
    request: HttpRequest, limit: int = Query(20, ge=1, le=100), offset: int = Query(0, ge=0, le=10000)
) -> list[OrderOut]:
    rows = selectors.my_orders(request_user(request))[offset : offset + limit]
    return [_order_out(o) for o in rows]


def _mine(request: HttpRequest, order_id: int) -> Order:
    order = selectors.my_orders(request_user(request)).filter(pk=order_id).first()
    if order is None:
        raise NotFound()
    return order


@router.get("/orders/{order_id}", response={200: OrderOut, **ERROR_RESPONSES}, summary="订单详情")
def order_detail(request: HttpRequest, order_id: int) -> OrderOut:
    return _order_out(_mine(request, order_id))


@router.post(
    "/orders/{order_id}/cancel", response={200: OrderOut, **ERROR_RESPONSES}, summary="取消待支付订单"
)
def order_cancel(request: HttpRequest, order_id: int) -> OrderOut:
    services.order_cancel(actor=request_user(request), order=_mine(request, order_id))
    return _order_out(_mine(request, order_id))


@router.post(
    "/orders/{order_id}/refund", response={200: OrderOut, **ERROR_RESPONSES}, summary="按产品规则退款"
)
def order_refund(request: HttpRequest, order_id: int) -> OrderOut:
    services.order_refund(actor=request_user(request), order=_mine(request, order_id))
    return _order_out(_mine(request, order_id))


class PayIn(Schema):
    provider: Literal["sim", "wechatpay"] | None = Field(None, description="不填则用平台配置的支付渠道")


class PaymentOut(Schema):
    payment_id: int
    provider: str
    provider_ref: str
    amount_fen: int
    status: str
    pay_url: str


@router.post("/orders/{order_id}/pay", response={201: PaymentOut, **ERROR_RESPONSES}, summary="发起支付")
def order_pay(request: HttpRequest, order_id: int, payload: PayIn) -> Status[PaymentOut]:
    payment, url = services.payment_start(
        actor=request_user(request),
        order=_mine(request, order_id),
        provider=payload.provider,
        client_ip=str(request.META.get("REMOTE_ADDR", ""))[:64],
    )
    return Status(
        201,
        PaymentOut(
            payment_id=payment.pk,
            provider=payment.provider,
            provider_ref=payment.provider_ref,
            amount_fen=payment.amount_fen,
            status=payment.status,
            pay_url=url,
        ),
    )


class NotifyOut(Schema):
    outcome: str


@router.post(
    "/payments/notify/{provider}",
    auth=None,
    response={200: NotifyOut, **ERROR_RESPONSES},
    summary="支付网关异步通知（验签，幂等）",
    description="请求体为网关的原文。微信支付：平台证书签名（Wechatpay-Timestamp/Nonce/Signature/Serial 头），"
    "资源以 APIv3 密钥解密；模拟网关：HMAC-SHA256 签名放在 X-Signature 头。重复、迟到的通知安全处理。",
)
def payment_notify(
    request: HttpRequest,
    provider: str,
    signature: str = Header("", alias="X-Signature", max_length=128),
) -> NotifyOut:
    outcome = services.payment_notify(
        provider=provider, body=request.body[:20000], signature=signature, headers=dict(request.headers)
    )
    return NotifyOut(outcome=outcome)
