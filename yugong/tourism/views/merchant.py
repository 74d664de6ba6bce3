"""The merchant's workbench: products, sessions, orders, the gate (scan), staff, statements."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yugong.accounts.models import request_user
from yugong.core.errors import ApplicationError
from yugong.core.pii import mask_name
from yugong.core.timeutil import SHANGHAI
from yugong.orgs.decorators import merchant_required

from .. import exports, selectors, services
from ..access import access_merchant, merchant_ids
from ..forms import (
    GateScanForm,
    PassSpotForm,
    PictureForm,
    ProductForm,
    SessionForm,
    SpotActiveForm,
    StaffAddForm,
    StaffRoleForm,
    apply_errors,
)
from ..models import (
    Merchant,
    MerchantStaff,
    Order,
    PassEntry,
    Product,
    Session,
)
from .common import PAGE, _console, _errors


@merchant_required
def m_home(request: HttpRequest) -> HttpResponse:
    ids = merchant_ids(request.user)
    if len(ids) == 1:
        return HttpResponseRedirect(reverse("tourism:m_products", args=[ids[0]]))
    return _console(
        request, "tourism/m_home.html", {"merchants": Merchant.objects.filter(pk__in=ids).order_by("name")}
    )


def _merchant_ctx(request: HttpRequest, merchant_id: int, tab: str) -> dict[str, Any]:
    return {
        "merchant": access_merchant(request.user, merchant_id),
        "mtab": tab,
        "can_admin": merchant_id in merchant_ids(request.user, roles={MerchantStaff.Role.OWNER}),
    }


def _product_data(request: HttpRequest) -> dict[str, Any]:
    form = ProductForm(request.POST)
    form.is_valid()  # every field optional: product_save's checks name what is wrong
    return form.service_data()


@merchant_required
def m_products(request: HttpRequest, merchant_id: int) -> HttpResponse:
    ctx = _merchant_ctx(request, merchant_id, "products")
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            item = services.product_save(
                actor=request_user(request), merchant_id=merchant_id, data=_product_data(request)
            )
        except ApplicationError as exc:
            errors = _errors(request, exc)
        else:
            messages.success(request, _("产品已提交审核。"))
            return HttpResponseRedirect(reverse("tourism:m_product", args=[merchant_id, item.pk]))
    page = Paginator(selectors.merchant_products(request.user, merchant_id), PAGE).get_page(
        request.GET.get("page")
    )
    return _console(
        request,
        "tourism/m_products.html",
        {
            **ctx,
            "page": page,
            "errors": errors,
            "kinds": Product.Kind.choices,
            "refunds": Product.Refund.choices,
        },
    )


def _product_page(
    request: HttpRequest, merchant_id: int, product_id: int, errors: dict[str, list[str]] | None = None
) -> HttpResponse:
    ctx = _merchant_ctx(request, merchant_id, "products")
    item = selectors.merchant_products(request.user, merchant_id).filter(pk=product_id).first()
    if item is None:
        raise Http404
    sessions = Session.objects.filter(product=item).order_by("-starts_at")[:100]
    return _console(
        request,
        "tourism/m_product.html",
        {
            **ctx,
            "product": item,
            "pictures": item.pictures_list,  # type: ignore[attr-defined]
            "sessions": sessions,
            "errors": errors or {},
            "kinds": Product.Kind.choices,
            "refunds": Product.Refund.choices,
        },
    )


def _own_product(request: HttpRequest, merchant_id: int, product_id: int) -> Product:
    item = selectors.merchant_products(request.user, merchant_id).filter(pk=product_id).first()
    if item is None:
        raise Http404
    return item


@merchant_required
def m_product(request: HttpRequest, merchant_id: int, product_id: int) -> HttpResponse:
    """The product page; its edit form posts here. Pictures and sessions post to their own URLs."""
    if request.method == "POST":
        item = _own_product(request, merchant_id, product_id)
        try:
            services.product_save(
                actor=request_user(request),
                merchant_id=merchant_id,
                data=_product_data(request),
                product=item,
            )
        except ApplicationError as exc:
            return _product_page(request, merchant_id, product_id, _errors(request, exc))
        messages.success(request, _("产品已保存，重新提交审核。"))
        return HttpResponseRedirect(request.path)
    return _product_page(request, merchant_id, product_id)


@merchant_required
@require_POST
def m_picture_add(request: HttpRequest, merchant_id: int, product_id: int) -> HttpResponse:
    item = _own_product(request, merchant_id, product_id)
    form = PictureForm(request.POST, request.FILES)
    form.is_valid()
    try:
        services.product_picture_add(
            actor=request_user(request),
            merchant_id=merchant_id,
            product_id=item.pk,
            image=form.cleaned_data.get("image"),
        )
    except ApplicationError as exc:
        return _product_page(request, merchant_id, product_id, _errors(request, exc))
    messages.success(request, _("图片已上传，产品已重新提交审核。"))
    return HttpResponseRedirect(reverse("tourism:m_product", args=[merchant_id, product_id]))


@merchant_required
@require_POST
def m_picture_remove(
    request: HttpRequest, merchant_id: int, product_id: int, picture_id: int
) -> HttpResponse:
    item = _own_product(request, merchant_id, product_id)
    try:
        services.product_picture_remove(
            actor=request_user(request), merchant_id=merchant_id, product_id=item.pk, picture_id=picture_id
        )
        messages.success(request, _("图片已删除。"))
    except ApplicationError as exc:
        _errors(request, exc)
    return HttpResponseRedirect(reverse("tourism:m_product", args=[merchant_id, product_id]))


@merchant_required
@require_POST
def m_session_add(request: HttpRequest, merchant_id: int, product_id: int) -> HttpResponse:
    item = _own_product(request, merchant_id, product_id)
    form = SessionForm(request.POST)
    if not form.is_valid():
        errors = {k: [str(e) for e in v] for k, v in form.errors.items()}
        messages.error(request, _("提交的内容有误，请检查标出的字段。"))
        return _product_page(request, merchant_id, product_id, errors)
    try:
        services.session_add(
            actor=request_user(request),
            product=item,
            starts_at=form.cleaned_data["starts_at"].replace(tzinfo=SHANGHAI),
            capacity=form.cleaned_data["capacity"] or 0,
            label=form.cleaned_data["label"],
            seat_layout=form.cleaned_data["seat_layout"],
        )
    except ApplicationError as exc:
        return _product_page(request, merchant_id, product_id, _errors(request, exc))
    messages.success(request, _("场次已添加。"))
    return HttpResponseRedirect(reverse("tourism:m_product", args=[merchant_id, product_id]))


@merchant_required
@require_POST
def m_order_venue(request: HttpRequest, merchant_id: int, order_id: int) -> HttpResponse:
    """The merchant took the money at the venue for a pending order."""
    order = selectors.merchant_orders(request.user, merchant_id).filter(pk=order_id).first()
    if order is None:
        raise Http404
    try:
        services.payment_confirm_venue(actor=request_user(request), order=order)
        messages.success(request, _("已确认现场收款。"))
    except ApplicationError as exc:
        _errors(request, exc)
    return HttpResponseRedirect(reverse("tourism:m_orders", args=[merchant_id]))


@merchant_required
def m_orders(request: HttpRequest, merchant_id: int) -> HttpResponse:
    ctx = _merchant_ctx(request, merchant_id, "orders")
    qs = selectors.merchant_orders(request.user, merchant_id)
    status = request.GET.get("status", "")
    if status in Order.Status.values:
        qs = qs.filter(status=status)
    page = Paginator(qs, PAGE).get_page(request.GET.get("page"))
    return _console(
        request,
        "tourism/m_orders.html",
        {**ctx, "page": page, "status": status, "statuses": Order.Status.choices},
    )


@merchant_required
def m_scan(request: HttpRequest, merchant_id: int) -> HttpResponse:
    """The gate: an e-ticket is admitted on its day inside the admission window, an annual-pass
    code at one of the merchant's pass spots. The result shows the session, its date, the seat and
    the holder beside the verdict, refusals included."""
    ctx = _merchant_ctx(request, merchant_id, "scan")
    spots = list(selectors.gate_spots(merchant_id))
    result: dict[str, Any] | None = None
    form = GateScanForm(request.POST or None, spots=spots)
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["token"].strip()
        try:
            if token.startswith(services.gate.PASS_PREFIX) and spots:
                entry = services.pass_verify(
                    actor=request_user(request), token=token, spot_id=form.cleaned_data["spot"] or spots[0].pk
                )
                ok = entry.result == PassEntry.Result.OK
                result = {
                    "ok": ok,
                    "text": _("年票核验通过，请放行。") if ok else entry.reason,
                    "holder": mask_name(entry.annual_pass.holder_name) if entry.annual_pass else "",
                    "pass_number": entry.annual_pass.number if entry.annual_pass else "",
                    "spot": entry.spot.name,
                }
            else:
                ticket = services.ticket_scan(actor=request_user(request), token=token)
                result = {"ok": True, "text": _("验票成功，请放行。"), **_ticket_facts(ticket)}
        except services.gate.GateRefused as exc:
            result = {"ok": False, "text": str(exc.message), "code": exc.code, **_ticket_facts(exc.ticket)}
        except ApplicationError as exc:
            result = {"ok": False, "text": str(exc.message), "code": exc.code}
    entries = selectors.merchant_entries(request.user, merchant_id)[:20]
    return _console(
        request,
        "tourism/m_scan.html",
        {**ctx, "spots": spots, "form": form, "result": result, "entries": entries},
    )


def _ticket_facts(ticket: Any) -> dict[str, Any]:
    """What the gate shows of a ticket: product, session (date and time), seat, holder."""
    session = ticket.order.session
    return {
        "product": ticket.order.product.title,
        "session": services.gate.when(session.starts_at),
        "session_label": session.label,
        "seat": ticket.seat_label,
        "holder": ticket.holder_name,
        "order_number": ticket.order.number,
    }


def _staff_page(
    request: HttpRequest, merchant: Merchant, errors: dict[str, list[str]] | None = None, login: str = ""
) -> HttpResponse:
    return _console(
        request,
        "tourism/m_staff.html",
        {
            "merchant": merchant,
            "mtab": "staff",
            "can_admin": True,
            "staff": list(selectors.merchant_staff(merchant)),
            "roles": MerchantStaff.Role.choices,
            "errors": errors or {},
            "form_login": login,
        },
    )


@merchant_required
def m_staff(request: HttpRequest, merchant_id: int) -> HttpResponse:
    """The merchant's admin (its 负责人) adds staff by mobile number or username (posted here), sets
    their role and deactivates them (their own URLs). Staff who are not the admin get 403, another
    merchant 404."""
    merchant = services.staff.access_merchant_admin(request_user(request), merchant_id)
    if request.method == "POST":
        form = StaffAddForm(request.POST, roles=MerchantStaff.Role.choices)
        form.is_valid()
        login = str(form.cleaned_data.get("login") or "")
        try:
            services.merchant_staff_add(
                actor=request_user(request),
                merchant_id=merchant.pk,
                login=login,
                role=form.cleaned_data.get("role") or "staff",
            )
        except ApplicationError as exc:
            return _staff_page(request, merchant, _errors(request, exc), login)
        messages.success(request, _("员工已添加。"))
        return HttpResponseRedirect(request.path)
    return _staff_page(request, merchant)


@merchant_required
@require_POST
def m_staff_role(request: HttpRequest, merchant_id: int, staff_id: int) -> HttpResponse:
    merchant = services.staff.access_merchant_admin(request_user(request), merchant_id)
    form = StaffRoleForm(request.POST)
    form.is_valid()
    try:
        services.merchant_staff_set_role(
            actor=request_user(request),
            merchant_id=merchant.pk,
            staff_id=staff_id,
            role=form.cleaned_data.get("role"),
        )
    except ApplicationError as exc:
        return _staff_page(request, merchant, _errors(request, exc))
    messages.success(request, _("岗位已更新。"))
    return HttpResponseRedirect(reverse("tourism:m_staff", args=[merchant_id]))


@merchant_required
@require_POST
def m_staff_deactivate(request: HttpRequest, merchant_id: int, staff_id: int) -> HttpResponse:
    merchant = services.staff.access_merchant_admin(request_user(request), merchant_id)
    try:
        services.merchant_staff_deactivate(
            actor=request_user(request), merchant_id=merchant.pk, staff_id=staff_id
        )
    except ApplicationError as exc:
        return _staff_page(request, merchant, _errors(request, exc))
    messages.success(request, _("员工账号已停用。"))
    return HttpResponseRedirect(reverse("tourism:m_staff", args=[merchant_id]))


@merchant_required
def m_statements(request: HttpRequest, merchant_id: int) -> HttpResponse:
    ctx = _merchant_ctx(request, merchant_id, "statements")
    statements = selectors.merchant_statements(request.user, merchant_id)[:50]
    return _console(request, "tourism/m_statements.html", {**ctx, "statements": statements})


@merchant_required
def m_statement_export(request: HttpRequest, merchant_id: int, statement_id: int, fmt: str) -> HttpResponse:
    statement = selectors.merchant_statements(request.user, merchant_id).filter(pk=statement_id).first()
    if statement is None:
        raise Http404
    return exports.statement_response(statement, fmt)


# --- Annual-pass spots ------------------------------------------------------------------------


@merchant_required
def m_pass_spots(request: HttpRequest, merchant_id: int) -> HttpResponse:
    """The merchant's annual-pass spots and their applications; the admin (负责人) applies."""
    ctx = _merchant_ctx(request, merchant_id, "pass_spots")
    form = PassSpotForm(request.POST or None, initial={"one_entry_per_day": True, "region": "chongqing"})
    if request.method == "POST" and form.is_valid():
        try:
            services.pass_spot_apply(
                actor=request_user(request), merchant_id=merchant_id, data=form.service_data()
            )
        except ApplicationError as exc:
            apply_errors(form, exc, PassSpotForm.ALIASES)
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("已提交，待市总工会审核。"))
            return HttpResponseRedirect(request.path)
    spots = list(selectors.merchant_pass_spots(request.user, merchant_id))
    return _console(request, "tourism/m_pass_spots.html", {**ctx, "form": form, "spots": spots})


@merchant_required
def m_pass_spot(request: HttpRequest, merchant_id: int, spot_id: int) -> HttpResponse:
    """Change a spot's terms: a new application (off the pass until the city approves again)."""
    ctx = _merchant_ctx(request, merchant_id, "pass_spots")
    spot = selectors.merchant_pass_spots(request.user, merchant_id).filter(pk=spot_id).first()
    if spot is None:
        raise Http404()
    form = PassSpotForm(request.POST or None, initial=PassSpotForm.initial_for(spot))
    if request.method == "POST" and form.is_valid():
        try:
            services.pass_spot_apply(
                actor=request_user(request), merchant_id=merchant_id, data=form.service_data(), spot=spot
            )
        except ApplicationError as exc:
            apply_errors(form, exc, PassSpotForm.ALIASES)
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("已提交，待市总工会审核。"))
            return HttpResponseRedirect(reverse("tourism:m_pass_spots", args=[merchant_id]))
    return _console(request, "tourism/m_pass_spot.html", {**ctx, "form": form, "spot": spot})


@merchant_required
@require_POST
def m_pass_spot_active(request: HttpRequest, merchant_id: int, spot_id: int) -> HttpResponse:
    form = SpotActiveForm(request.POST)
    if not selectors.merchant_pass_spots(request.user, merchant_id).filter(pk=spot_id).exists():
        raise Http404()
    if form.is_valid():
        try:
            services.pass_spot_set_active(
                actor=request_user(request), spot=spot_id, active=form.cleaned_data["active"]
            )
            messages.success(request, _("已保存。"))
        except ApplicationError as exc:
            messages.error(request, str(exc.message))
    else:
        messages.error(request, _("请求有误。"))
    return HttpResponseRedirect(reverse("tourism:m_pass_spots", args=[merchant_id]))
