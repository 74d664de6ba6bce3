"""Worker H5 pages: browse and search, product and booking, pay (simulated gateway), my tickets
with their QR, my annual pass with its dynamic QR, and the merchant application form."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yugong.accounts.models import request_user
from yugong.core.errors import ApplicationError, NotFound, reraise_refusal
from yugong.core.pii import mask_name
from yugong.core.timeutil import local_today
from yugong.orgs.models import Union

from .. import selectors, services
from ..forms import BookForm, MerchantApplyForm, PassSpotSearchForm, RefundForm, SimPayForm
from ..gateways import sim_notification
from ..models import Merchant, Order, PassSpot, Payment, Product, ReviewStatus
from ..qr import qr_data_uri, ticket_qr_text

PAGE = 12
SPOTS_SHOWN = 200


def _h5(request: HttpRequest, template: str, ctx: dict[str, Any]) -> HttpResponse:
    return render(request, template, {"tab": "services", **ctx})


def _districts() -> list[str]:
    return list(
        Product.objects.filter(status=ReviewStatus.APPROVED)
        .exclude(district="")
        .order_by("district")
        .values_list("district", flat=True)
        .distinct()
    )


def home(request: HttpRequest) -> HttpResponse:
    """游巴蜀: search and filter live products."""
    q = request.GET.get("q", "")[:50]
    kind = request.GET.get("kind", "")
    kind = kind if kind in Product.Kind.values else ""
    district = request.GET.get("district", "")[:40]
    day: dt.date | None = None
    try:
        day = dt.date.fromisoformat(request.GET["date"]) if request.GET.get("date") else None
    except ValueError:
        day = None
    qs = selectors.live_products(q=q, kind=kind, district=district, day=day)
    page = Paginator(qs, PAGE).get_page(request.GET.get("page"))
    return _h5(
        request,
        "tourism/h5_home.html",
        {
            "page": page,
            "filters": {"q": q, "kind": kind, "district": district, "date": day.isoformat() if day else ""},
            "kinds": Product.Kind.choices,
            "districts": _districts(),
        },
    )


def product(request: HttpRequest, product_id: int) -> HttpResponse:
    item = selectors.live_products().filter(pk=product_id).first()
    if item is None:
        raise Http404
    sessions = selectors.product_sessions(item)
    return _h5(
        request,
        "tourism/h5_product.html",
        {
            "product": item,
            "sessions": [s for s in sessions if not s.seat_rows],
            "seated_sessions": [s for s in sessions if s.seat_rows],
            "idempotency_key": uuid.uuid4().hex,
            "family_limit": range(1, services.common.family_limit() + 1),
        },
    )


def seats(request: HttpRequest, session_id: int) -> HttpResponse:
    """选座: a mapped session's hall as rows of seat checkboxes (taken seats disabled); the form
    books the ticked seats through the same ``book`` view. Works without JavaScript."""
    session = selectors.live_sessions().filter(pk=session_id).first()
    if session is None or not session.seat_rows:
        raise Http404
    rows = selectors.seat_grid(session)
    return _h5(
        request,
        "tourism/h5_seats.html",
        {
            "session": session,
            "product": session.product,
            "rows": rows,
            "free": selectors.free_seats(rows),
            "cols": max((len(row) for row in rows), default=0),
            "idempotency_key": uuid.uuid4().hex,
            "family_limit": services.common.family_limit(),
        },
    )


@login_required(login_url="accounts:login")
@require_POST
def book(request: HttpRequest, product_id: int) -> HttpResponse:
    user = request_user(request)
    form = BookForm(request.POST)
    form.is_valid()  # every field optional: the service's checks name what is wrong
    data = form.cleaned_data
    chosen = list(data.get("seat") or [])
    session_id = data.get("session")
    try:
        order, _created = services.order_place(
            actor=user,
            session_id=session_id,
            quantity=len(chosen) if chosen else _quantity(form),
            idempotency_key=data.get("idempotency_key"),
            holder_names=list(data.get("holder_name") or []),
            seats=chosen,
        )
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
        for problems in exc.fields.values():
            for problem in problems:
                messages.error(request, str(problem))
        if (chosen or "seats" in exc.fields) and session_id:
            return HttpResponseRedirect(reverse("tourism:seats", args=[session_id]))
        return HttpResponseRedirect(reverse("tourism:product", args=[product_id]))
    return HttpResponseRedirect(reverse("tourism:order", args=[order.pk]))


def _quantity(form: BookForm) -> int:
    """Left out: one ticket; not a number: 0 (the service names the field)."""
    if "quantity" in form.errors:
        return 0
    value = form.cleaned_data.get("quantity")
    return 1 if value is None else int(value)


def _my_order(request: HttpRequest, order_id: int) -> Order:
    order = selectors.my_orders(request_user(request)).filter(pk=order_id).first()
    if order is None:
        raise NotFound()
    return order


@login_required(login_url="accounts:login")
def order(request: HttpRequest, order_id: int) -> HttpResponse:
    item = _my_order(request, order_id)
    tickets = [
        {"ticket": t, "qr": qr_data_uri(ticket_qr_text(t.token)) if item.status in ("paid", "used") else ""}
        for t in item.tickets.all()
    ]
    return _h5(request, "tourism/h5_order.html", {"order": item, "tickets": tickets})


@login_required(login_url="accounts:login")
@require_POST
def order_pay(request: HttpRequest, order_id: int) -> HttpResponse:
    item = _my_order(request, order_id)
    try:
        _payment, url = services.payment_start(actor=request_user(request), order=item)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
        return HttpResponseRedirect(reverse("tourism:order", args=[item.pk]))
    return HttpResponseRedirect(url)


@login_required(login_url="accounts:login")
@require_POST
def order_cancel(request: HttpRequest, order_id: int) -> HttpResponse:
    item = _my_order(request, order_id)
    try:
        services.order_cancel(actor=request_user(request), order=item)
        messages.success(request, _("订单已取消，名额已释放。"))
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    return HttpResponseRedirect(reverse("tourism:order", args=[item.pk]))


@login_required(login_url="accounts:login")
def order_refund(request: HttpRequest, order_id: int) -> HttpResponse:
    """申请退款 in two steps: GET shows what would be refunded (the tickets, the amount paid, the
    fee, the refund and the deadline, or why there is none); POST refunds the amount shown."""
    item = _my_order(request, order_id)
    here = reverse("tourism:order_refund", args=[item.pk])
    if request.method != "POST":
        return _h5(
            request,
            "tourism/h5_refund.html",
            {"order": item, "quote": services.refund_quote(item), "tickets": list(item.tickets.all())},
        )
    form = RefundForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请核对退款金额后再确认。"))
        return HttpResponseRedirect(here)
    try:
        services.order_refund(
            actor=request_user(request),
            order=item,
            reason=form.cleaned_data["reason"],
            expected_fen=form.cleaned_data["expected_fen"],
        )
    except ApplicationError as exc:
        reraise_refusal(exc)
        messages.error(request, str(exc.message))
        return HttpResponseRedirect(here)
    messages.success(request, _("已退款，款项将原路退回。"))
    return HttpResponseRedirect(reverse("tourism:order", args=[item.pk]))


def _sim_enabled() -> bool:
    return bool(getattr(settings, "TOURISM_SIM_GATEWAY", settings.DEBUG or settings.TESTING))


@login_required(login_url="accounts:login")
def sim_pay(request: HttpRequest, ref: str) -> HttpResponse:
    """The simulated gateway's hosted pay page (development and tests only). Paying sends the
    signed notification exactly as the gateway would POST it to the notify endpoint."""
    if not _sim_enabled():
        raise Http404
    payment = (
        Payment.objects.select_related("order__product").filter(provider_ref=ref, provider="sim").first()
    )
    if payment is None or payment.order.user_id != request_user(request).pk:
        raise Http404
    if request.method == "POST":
        form = SimPayForm(request.POST)
        form.is_valid()  # one optional choice: always parses
        outcome = form.cleaned_data["outcome"]
        body, signature = sim_notification(payment.provider_ref, payment.amount_fen, status=outcome)
        try:
            result = services.payment_notify(provider="sim", body=body, signature=signature)
        except ApplicationError as exc:
            messages.error(request, str(exc.message))
        else:
            if result in ("paid", "paid_late"):
                messages.success(request, _("支付成功，电子票已生成。"))
            elif result == "late_refunded":
                messages.error(request, _("支付超时且名额已售完，款项已原路退回。"))
            else:
                messages.error(request, _("支付未成功，请重试。"))
        return HttpResponseRedirect(reverse("tourism:order", args=[payment.order_id]))
    return _h5(request, "tourism/h5_sim_pay.html", {"payment": payment})


@login_required(login_url="accounts:login")
def my_tickets(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    page = Paginator(selectors.my_orders(user), PAGE).get_page(request.GET.get("page"))
    return _h5(
        request,
        "tourism/h5_mine.html",
        {"page": page, "group_tickets": selectors.my_group_tickets(user)},
    )


@login_required(login_url="accounts:login")
def group_ticket(request: HttpRequest, ticket_id: int) -> HttpResponse:
    ticket = next((t for t in selectors.my_group_tickets(request_user(request)) if t.pk == ticket_id), None)
    if ticket is None:
        raise Http404
    return _h5(
        request,
        "tourism/h5_group_ticket.html",
        {"ticket": ticket, "qr": qr_data_uri(ticket_qr_text(ticket.token))},
    )


@login_required(login_url="accounts:login")
def my_pass(request: HttpRequest) -> HttpResponse:
    """My pass (dynamic QR) and where it can be used: the spots, searchable, tagged 重庆/四川, on a
    map (Leaflet; markers on a plain background when no tile source is configured)."""
    annual_pass = selectors.my_pass(request_user(request), local_today().year)
    search = PassSpotSearchForm(request.GET or None)
    filters = search.cleaned_data if search.is_valid() else {}
    spots = list(
        selectors.pass_spots(
            q=filters.get("q", ""), region=filters.get("region", ""), district=filters.get("district", "")
        )[:SPOTS_SHOWN]
    )
    points = [
        {
            "name": s.name,
            "lat": s.lat,
            "lng": s.lng,
            "region": s.region,
            "region_label": str(s.get_region_display()),
            "district": s.district,
        }
        for s in spots
        if s.lat is not None and s.lng is not None
    ]
    return _h5(
        request,
        "tourism/h5_pass.html",
        {
            "pass": annual_pass,
            "holder_masked": mask_name(annual_pass.holder_name) if annual_pass else "",
            "qr": qr_data_uri(services.pass_qr_token(annual_pass), scale=6) if annual_pass else "",
            "search": search,
            "spots": spots,
            "points": points,
            "regions": PassSpot.Region.choices,
        },
    )


@login_required(login_url="accounts:login")
def my_pass_qr(request: HttpRequest) -> JsonResponse:
    """A fresh dynamic QR (the page's JS asks every ~20 s; each code is good for 60 s)."""
    annual_pass = selectors.my_pass(request_user(request), local_today().year)
    if annual_pass is None:
        raise Http404
    token = services.pass_qr_token(annual_pass)
    response = JsonResponse({"qr": qr_data_uri(token, scale=6), "valid_seconds": services.passes.QR_MAX_AGE})
    response["Cache-Control"] = "no-store"
    return response


@login_required(login_url="accounts:login")
def merchant_apply(request: HttpRequest) -> HttpResponse:
    """商户入驻申请: the applicant becomes the merchant's owner once the platform approves."""
    errors: dict[str, list[str]] = {}
    data: dict[str, Any] = {}
    host = Union.objects.filter(parent__isnull=True, status=Union.Status.ACTIVE).order_by("pk").first()
    if request.method == "POST" and host is not None:
        form = MerchantApplyForm(request.POST)
        form.is_valid()  # shapes the input; the service's checks name the fields in Chinese
        data = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
        try:
            services.merchant_apply(actor=request_user(request), host_union=host, data=data)
        except ApplicationError as exc:
            errors = {k: [str(m) for m in v] for k, v in exc.fields.items()}
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("申请已提交，平台审核通过后即可在商户工作台上架产品。"))
            return HttpResponseRedirect(reverse("tourism:home"))
    return _h5(
        request, "tourism/h5_apply.html", {"kinds": Merchant.Kind.choices, "errors": errors, "data": data}
    )
