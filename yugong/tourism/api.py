import datetime as dt
import json
from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, File, Header, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import NinjaJSONEncoder, Status
from pydantic import StringConstraints

from yugong.accounts.models import request_user
from yugong.core.errors import NotFound
from yugong.core.pii import mask_name, mask_phone
from yugong.core.schemas import ERROR_RESPONSES
from yugong.core.timeutil import local_today

from . import selectors, services
from .models import MerchantStaff, Order, PassEntry, Product, ProductPicture, Session, Ticket
from .qr import ticket_qr_text

router = Router(tags=["tourism"])


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


def _json(status: int, data: Any) -> HttpResponse:
    """What Ninja would send for ``data`` (same encoder, same content type), without validating it
    again: for answers built from typed values in the documented shape on a hot path (the tests
    check them against the schema)."""
    return HttpResponse(
        json.dumps(data, cls=NinjaJSONEncoder), status=status, content_type="application/json; charset=utf-8"
    )


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
        return _json(201, _order_data(order, order.new_tickets))  # type: ignore[attr-defined]
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
    provider: Literal["sim"] = "sim"


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
        actor=request_user(request), order=_mine(request, order_id), provider=payload.provider
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
    summary="支付网关异步通知（HMAC 签名，幂等）",
    description="请求体为网关的 JSON 原文，签名（HMAC-SHA256 十六进制）放在 X-Signature 头。重复、迟到的通知安全处理。",
)
def payment_notify(
    request: HttpRequest,
    provider: str,
    signature: str = Header("", alias="X-Signature", max_length=128),
) -> NotifyOut:
    outcome = services.payment_notify(provider=provider, body=request.body[:20000], signature=signature)
    return NotifyOut(outcome=outcome)


class ScanIn(Schema):
    token: str = Field(..., min_length=1, max_length=80, description="电子票二维码内容")


class ScanOut(Schema):
    order_number: str
    product_title: str
    seq: int
    holder_name: str
    status: str
    used_at: dt.datetime | None


@router.post("/tickets/scan", response={200: ScanOut, **ERROR_RESPONSES}, summary="商户验票（一票一用）")
def ticket_scan(request: HttpRequest, payload: ScanIn) -> ScanOut:
    ticket = services.ticket_scan(actor=request_user(request), token=payload.token)
    return ScanOut(
        order_number=ticket.order.number,
        product_title=ticket.order.product.title,
        seq=ticket.seq,
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
def pass_verify(request: HttpRequest, payload: VerifyIn) -> VerifyOut:
    entry: PassEntry = services.pass_verify(
        actor=request_user(request), token=payload.token, spot_id=payload.spot_id
    )
    ok = entry.result == PassEntry.Result.OK
    annual_pass = entry.annual_pass
    return VerifyOut(
        ok=ok,
        result=entry.result,
        message=str(_("核验通过，请放行。")) if ok else entry.reason,
        holder_name_masked=mask_name(annual_pass.holder_name) if annual_pass else "",
        pass_number=annual_pass.number if annual_pass else "",
        entry_id=entry.pk,
        at=entry.at,
    )


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


# --- Merchant admin: staff accounts and product pictures -----------------------------------------

_STAFF_ROLE_LABELS = dict(MerchantStaff.Role.choices)


class StaffOut(Schema):
    id: int
    user_id: int
    name: str
    username: str
    phone_masked: str
    role: str
    role_label: str
    active: bool
    created_at: dt.datetime


class StaffIn(Schema):
    login: str = Field(
        ..., min_length=1, max_length=150, description="对方的手机号或用户名（须已在平台登录过）"
    )
    role: Literal["owner", "staff", "gate"] = "staff"


class StaffPatch(Schema):
    role: Literal["owner", "staff", "gate"] | None = None
    active: Literal[False] | None = Field(None, description="false：停用该员工账号")


def _staff_out(row: MerchantStaff) -> StaffOut:
    user = row.user
    return StaffOut(
        id=row.pk,
        user_id=user.pk,
        name=user.display_name,
        username=user.username,
        phone_masked=mask_phone(user.phone) if user.phone else "",
        role=row.role,
        role_label=str(_STAFF_ROLE_LABELS.get(row.role, row.role)),
        active=row.active,
        created_at=row.created_at,
    )


@router.get(
    "/merchants/{merchant_id}/staff",
    response={200: list[StaffOut], **ERROR_RESPONSES},
    summary="商户员工账号（仅商户负责人或平台管理人员）",
)
def staff_list(request: HttpRequest, merchant_id: int) -> list[StaffOut]:
    merchant = services.staff.access_merchant_admin(request_user(request), merchant_id)
    return [_staff_out(row) for row in selectors.merchant_staff(merchant)]


@router.post(
    "/merchants/{merchant_id}/staff",
    response={201: StaffOut, **ERROR_RESPONSES},
    summary="添加商户员工（按手机号或用户名；已停用的重新启用）",
)
def staff_add(request: HttpRequest, merchant_id: int, payload: StaffIn) -> Status[StaffOut]:
    row = services.merchant_staff_add(
        actor=request_user(request), merchant_id=merchant_id, login=payload.login, role=payload.role
    )
    return Status(201, _staff_out(row))


@router.patch(
    "/merchants/{merchant_id}/staff/{staff_id}",
    response={200: StaffOut, **ERROR_RESPONSES},
    summary="调整员工岗位或停用员工账号",
)
def staff_change(request: HttpRequest, merchant_id: int, staff_id: int, payload: StaffPatch) -> StaffOut:
    actor = request_user(request)
    row = None
    if payload.role is not None:
        row = services.merchant_staff_set_role(
            actor=actor, merchant_id=merchant_id, staff_id=staff_id, role=payload.role
        )
    if payload.active is False:
        row = services.merchant_staff_deactivate(actor=actor, merchant_id=merchant_id, staff_id=staff_id)
    if row is None:
        merchant = services.staff.access_merchant_admin(actor, merchant_id)
        row = selectors.merchant_staff(merchant).filter(pk=staff_id).first()
        if row is None:
            raise NotFound()
    return _staff_out(row)


class PictureOut(Schema):
    id: int
    url: str
    format: str
    width: int
    height: int
    size: int
    product_status: str = Field(..., description="上传后产品回到待审核（pending）")


def _picture_out(picture: ProductPicture, product_status: str) -> PictureOut:
    return PictureOut(
        id=picture.pk,
        url=picture.image.url,
        format=picture.format,
        width=picture.width,
        height=picture.height,
        size=picture.size,
        product_status=product_status,
    )


@router.get(
    "/merchants/{merchant_id}/products/{product_id}/pictures",
    response={200: list[PictureOut], **ERROR_RESPONSES},
    summary="本商户产品的图片",
)
def picture_list(request: HttpRequest, merchant_id: int, product_id: int) -> list[PictureOut]:
    product = selectors.merchant_products(request_user(request), merchant_id).filter(pk=product_id).first()
    if product is None:
        raise NotFound()
    return [_picture_out(p, product.status) for p in product.pictures_list]  # type: ignore[attr-defined]


@router.post(
    "/merchants/{merchant_id}/products/{product_id}/pictures",
    response={201: PictureOut, **ERROR_RESPONSES},
    summary="上传产品图片（JPG/PNG/WebP，不超过 5 MB；产品重新审核）",
)
def picture_add(
    request: HttpRequest, merchant_id: int, product_id: int, image: File[UploadedFile]
) -> Status[PictureOut]:
    picture = services.product_picture_add(
        actor=request_user(request), merchant_id=merchant_id, product_id=product_id, image=image
    )
    return Status(201, _picture_out(picture, picture.product.status))


@router.delete(
    "/merchants/{merchant_id}/products/{product_id}/pictures/{picture_id}",
    response={204: None, **ERROR_RESPONSES},
    summary="删除产品图片",
)
def picture_remove(request: HttpRequest, merchant_id: int, product_id: int, picture_id: int) -> Status[None]:
    services.product_picture_remove(
        actor=request_user(request), merchant_id=merchant_id, product_id=product_id, picture_id=picture_id
    )
    return Status(204, None)
