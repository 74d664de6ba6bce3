"""Console pages: the merchant's workbench (products, sessions, orders, scan, statements), union
staff (group orders, pass purchases, approvals) and platform staff (merchant and product review,
settlement and reconciliation)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from yugong.accounts.models import request_user
from yugong.core.errors import ApplicationError, ValidationFailed
from yugong.core.money import parse_yuan
from yugong.core.timeutil import SHANGHAI, local_today, now
from yugong.orgs.access import can_act, staff_scope
from yugong.orgs.decorators import console_required, merchant_required

from . import exports, selectors, services
from .access import APPROVER_ROLES, UNION_BUYER_ROLES, access_merchant, merchant_ids
from .models import (
    GroupOrder,
    Merchant,
    MerchantStaff,
    Order,
    PassSpot,
    Product,
    ReviewStatus,
    Session,
    Statement,
)

PAGE = 30


def _console(request: HttpRequest, template: str, ctx: dict[str, Any]) -> HttpResponse:
    return render(request, template, {"section": "services", **ctx})


def _errors(request: HttpRequest, exc: ApplicationError) -> dict[str, list[str]]:
    messages.error(request, str(exc.message))
    return {k: [str(m) for m in v] for k, v in exc.fields.items()}


def _yuan(value: Any, field: str) -> int:
    return parse_yuan(value or "0", field=field)


# --- Merchant workbench ---------------------------------------------------------------------


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
    data: dict[str, Any] = request.POST.dict()
    data["list_price_fen"] = _yuan(data.get("list_price"), "list_price_fen")
    data["member_price_fen"] = _yuan(data.get("member_price"), "member_price_fen")
    return data


@merchant_required
def m_products(request: HttpRequest, merchant_id: int) -> HttpResponse:
    ctx = _merchant_ctx(request, merchant_id, "products")
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            item = services.product_save(
                actor=request.user, merchant_id=merchant_id, data=_product_data(request)
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


@merchant_required
def m_product(request: HttpRequest, merchant_id: int, product_id: int) -> HttpResponse:
    ctx = _merchant_ctx(request, merchant_id, "products")
    item = selectors.merchant_products(request.user, merchant_id).filter(pk=product_id).first()
    if item is None:
        raise Http404
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            action = request.POST.get("action")
            if action == "picture":
                services.product_picture_add(
                    actor=request.user,
                    merchant_id=merchant_id,
                    product_id=item.pk,
                    image=request.FILES.get("image"),
                )
                messages.success(request, _("图片已上传，产品已重新提交审核。"))
            elif action == "picture_remove":
                services.product_picture_remove(
                    actor=request.user,
                    merchant_id=merchant_id,
                    product_id=item.pk,
                    picture_id=request.POST.get("picture"),
                )
                messages.success(request, _("图片已删除。"))
            elif action == "session":
                starts = dt.datetime.fromisoformat(request.POST.get("starts_at", "")).replace(tzinfo=SHANGHAI)
                services.session_add(
                    actor=request.user,
                    product=item,
                    starts_at=starts,
                    capacity=int(request.POST.get("capacity") or 0),
                    label=request.POST.get("label", ""),
                    seat_layout=request.POST.get("seat_layout", ""),
                )
                messages.success(request, _("场次已添加。"))
            else:
                services.product_save(
                    actor=request.user, merchant_id=merchant_id, data=_product_data(request), product=item
                )
                messages.success(request, _("产品已保存，重新提交审核。"))
        except ValueError:
            messages.error(request, _("请填写有效的开始时间和名额。"))
        except ApplicationError as exc:
            errors = _errors(request, exc)
        else:
            return HttpResponseRedirect(request.path)
    sessions = Session.objects.filter(product=item).order_by("-starts_at")[:100]
    return _console(
        request,
        "tourism/m_product.html",
        {
            **ctx,
            "product": item,
            "pictures": item.pictures_list,  # type: ignore[attr-defined]
            "sessions": sessions,
            "errors": errors,
            "kinds": Product.Kind.choices,
            "refunds": Product.Refund.choices,
        },
    )


@merchant_required
def m_orders(request: HttpRequest, merchant_id: int) -> HttpResponse:
    ctx = _merchant_ctx(request, merchant_id, "orders")
    if request.method == "POST":
        try:
            order = selectors.merchant_orders(request.user, merchant_id).get(
                pk=int(request.POST.get("order") or 0)
            )
            services.payment_confirm_venue(actor=request.user, order=order)
            messages.success(request, _("已确认现场收款。"))
        except (Order.DoesNotExist, ValueError):
            messages.error(request, _("未找到该订单。"))
        except ApplicationError as exc:
            _errors(request, exc)
        return HttpResponseRedirect(request.get_full_path())
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
    ctx = _merchant_ctx(request, merchant_id, "scan")
    spots = list(PassSpot.objects.filter(merchant_id=merchant_id).order_by("pk"))
    result: dict[str, Any] | None = None
    if request.method == "POST":
        token = request.POST.get("token", "").strip()
        try:
            if token.startswith("YGP1.") and spots:
                entry = services.pass_verify(
                    actor=request.user, token=token, spot_id=request.POST.get("spot") or spots[0].pk
                )
                from yugong.core.pii import mask_name

                result = {
                    "ok": entry.result == "ok",
                    "text": _("年票核验通过，请放行。") if entry.result == "ok" else entry.reason,
                    "holder": mask_name(entry.annual_pass.holder_name) if entry.annual_pass else "",
                }
            else:
                ticket = services.ticket_scan(actor=request.user, token=token)
                result = {
                    "ok": True,
                    "text": _("验票成功：%(p)s") % {"p": ticket.order.product.title},
                    "holder": ticket.holder_name,
                    "seat": ticket.seat_label,
                }
        except ApplicationError as exc:
            result = {"ok": False, "text": str(exc.message), "holder": ""}
    entries = selectors.merchant_entries(request.user, merchant_id)[:20]
    return _console(
        request, "tourism/m_scan.html", {**ctx, "spots": spots, "result": result, "entries": entries}
    )


@merchant_required
def m_staff(request: HttpRequest, merchant_id: int) -> HttpResponse:
    """The merchant's admin (its 负责人) adds staff by mobile number or username, sets their role
    and deactivates them. Staff who are not the admin get 403, another merchant 404."""
    merchant = services.staff.access_merchant_admin(request.user, merchant_id)
    errors: dict[str, list[str]] = {}
    form_login = ""
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "add":
                form_login = request.POST.get("login", "")[:150]
                services.merchant_staff_add(
                    actor=request.user,
                    merchant_id=merchant.pk,
                    login=form_login,
                    role=request.POST.get("role", "staff"),
                )
                messages.success(request, _("员工已添加。"))
            elif action == "role":
                services.merchant_staff_set_role(
                    actor=request.user,
                    merchant_id=merchant.pk,
                    staff_id=request.POST.get("staff"),
                    role=request.POST.get("role"),
                )
                messages.success(request, _("岗位已更新。"))
            elif action == "deactivate":
                services.merchant_staff_deactivate(
                    actor=request.user, merchant_id=merchant.pk, staff_id=request.POST.get("staff")
                )
                messages.success(request, _("员工账号已停用。"))
        except ApplicationError as exc:
            errors = _errors(request, exc)
        else:
            return HttpResponseRedirect(request.path)
    return _console(
        request,
        "tourism/m_staff.html",
        {
            "merchant": merchant,
            "mtab": "staff",
            "can_admin": True,
            "staff": list(selectors.merchant_staff(merchant)),
            "roles": MerchantStaff.Role.choices,
            "errors": errors,
            "form_login": form_login,
        },
    )


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


# --- Platform staff -------------------------------------------------------------------------


@console_required
def p_merchants(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            services.merchant_review(
                actor=request.user,
                merchant=int(request.POST.get("merchant") or 0),
                approve=request.POST.get("action") == "approve",
                note=request.POST.get("note", ""),
                terms={
                    k: request.POST[k]
                    for k in (
                        "commission_bp",
                        "settlement_cycle",
                        "bank_name",
                        "bank_account_name",
                        "bank_account",
                    )
                    if request.POST.get(k)
                },
            )
            messages.success(request, _("审核结果已保存。"))
        except ApplicationError as exc:
            _errors(request, exc)
        return HttpResponseRedirect(request.get_full_path())
    status = request.GET.get("status", "pending")
    status = status if status in ReviewStatus.values or status == "" else "pending"
    page = Paginator(selectors.platform_merchants(request.user, status), PAGE).get_page(
        request.GET.get("page")
    )
    return _console(
        request,
        "tourism/p_merchants.html",
        {"page": page, "status": status, "statuses": ReviewStatus.choices, "cycles": Merchant.Cycle.choices},
    )


@console_required
def p_products(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            services.product_review(
                actor=request.user,
                product=int(request.POST.get("product") or 0),
                approve=request.POST.get("action") == "approve",
                note=request.POST.get("note", ""),
            )
            messages.success(request, _("审核结果已保存。"))
        except ApplicationError as exc:
            _errors(request, exc)
        return HttpResponseRedirect(request.get_full_path())
    status = request.GET.get("status", "pending")
    status = status if status in ReviewStatus.values or status == "" else "pending"
    page = Paginator(selectors.platform_products(request.user, status), PAGE).get_page(
        request.GET.get("page")
    )
    return _console(
        request, "tourism/p_products.html", {"page": page, "status": status, "statuses": ReviewStatus.choices}
    )


def _date(value: str | None, default: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(value) if value else default
    except ValueError:
        return default


@console_required
def p_settlement(request: HttpRequest) -> HttpResponse:
    today = local_today()
    start = _date(request.GET.get("start"), today.replace(day=1))
    end = _date(request.GET.get("end"), today)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "payout":
                services.payout_record(
                    actor=request.user,
                    statement=int(request.POST.get("statement") or 0),
                    reference=request.POST.get("reference", ""),
                )
                messages.success(request, _("付款已登记。"))
            else:
                services.statement_build(
                    actor=request.user,
                    merchant_id=request.POST.get("merchant"),
                    start=_date(request.POST.get("start"), start),
                    end=_date(request.POST.get("end"), end),
                )
                messages.success(request, _("结算单已生成。"))
        except ApplicationError as exc:
            _errors(request, exc)
        return HttpResponseRedirect(request.get_full_path())
    report = services.reconcile(actor=request.user, start=start, end=end)
    return _console(
        request,
        "tourism/p_settlement.html",
        {
            "statements": selectors.platform_statements(request.user)[:50],
            "merchants": selectors.platform_merchants(request.user, ReviewStatus.APPROVED)[:200],
            "report": report,
            "start": start,
            "end": end,
        },
    )


@console_required
def p_statement_export(request: HttpRequest, statement_id: int, fmt: str) -> HttpResponse:
    statement = selectors.platform_statements(request.user).filter(pk=statement_id).first()
    if statement is None:
        raise Http404
    return exports.statement_response(statement, fmt)


@console_required
def p_reconciliation_export(request: HttpRequest, fmt: str) -> HttpResponse:
    today = local_today()
    report = services.reconcile(
        actor=request.user,
        start=_date(request.GET.get("start"), today.replace(day=1)),
        end=_date(request.GET.get("end"), today),
    )
    return exports.reconciliation_response(report, fmt)


# --- Union staff: group orders and annual passes --------------------------------------------


def _ids(text: str) -> list[int]:
    out = []
    for part in text.replace("，", ",").replace(" ", ",").split(","):
        if part.strip().isdigit():
            out.append(int(part.strip()))
    return out


def _union(request: HttpRequest) -> Any:
    from yugong.orgs.access import access_union

    return access_union(request.user, request.POST.get("union"), roles=UNION_BUYER_ROLES)


@console_required
def u_groups(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action in ("approve", "reject"):
                group = int(request.POST.get("group") or 0)
                if action == "approve":
                    services.group_order_approve(actor=user, group=group)
                    messages.success(request, _("已批准，电子票已发给参加人员。"))
                else:
                    services.group_order_reject(
                        actor=user, group=group, reason=request.POST.get("reason", "")
                    )
                    messages.success(request, _("已驳回。"))
            else:
                session = (
                    Session.objects.select_related("product")
                    .filter(pk=request.POST.get("session") or 0)
                    .first()
                )
                if session is None:
                    raise ValidationFailed(fields={"session": _("请选择场次。")})
                services.group_order_request(
                    actor=user,
                    union=_union(request),
                    session=session,
                    activity=request.POST.get("activity", ""),
                    seats=int(request.POST.get("seats") or 0),
                    whole_session=request.POST.get("whole_session") == "on",
                    attendee_ids=_ids(request.POST.get("attendees", "")),
                )
                messages.success(request, _("团体订票申请已提交，待主席审批。"))
        except ValueError:
            messages.error(request, _("请填写有效的数字。"))
        except ApplicationError as exc:
            _errors(request, exc)
        return HttpResponseRedirect(request.path)
    groups = list(selectors.union_group_orders(user)[:50])
    for g in groups:
        g.can_approve = g.status == GroupOrder.Status.PENDING and can_act(user, g.union, APPROVER_ROLES)  # type: ignore[attr-defined]
    sessions = (
        Session.objects.filter(active=True, starts_at__gt=now(), product__status=ReviewStatus.APPROVED)
        .select_related("product")
        .order_by("starts_at")[:100]
    )
    return _console(
        request,
        "tourism/u_groups.html",
        {"groups": groups, "unions": staff_scope(user, UNION_BUYER_ROLES), "sessions": sessions},
    )


@console_required
def u_passes(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action in ("approve", "reject"):
                batch = int(request.POST.get("batch") or 0)
                if action == "approve":
                    services.pass_batch_approve(actor=user, batch=batch)
                    messages.success(request, _("已批准，年票已发放到职工手机。"))
                else:
                    services.pass_batch_reject(actor=user, batch=batch)
                    messages.success(request, _("已驳回。"))
            else:
                services.pass_batch_request(
                    actor=user,
                    union=_union(request),
                    year=int(request.POST.get("year") or local_today().year),
                    price_fen=_yuan(request.POST.get("price"), "price_fen"),
                    person_ids=_ids(request.POST.get("person_ids", "")),
                )
                messages.success(request, _("年票采购申请已提交，待主席审批。"))
        except ValueError:
            messages.error(request, _("请填写有效的数字。"))
        except ApplicationError as exc:
            _errors(request, exc)
        return HttpResponseRedirect(request.path)
    batches = list(selectors.union_pass_batches(user)[:50])
    for b in batches:
        b.can_approve = b.status == "pending" and can_act(user, b.union, APPROVER_ROLES)  # type: ignore[attr-defined]
    return _console(
        request,
        "tourism/u_passes.html",
        {
            "batches": batches,
            "unions": staff_scope(user, UNION_BUYER_ROLES),
            "year": local_today().year,
            "cap_fen": services.common.pass_cap_fen(),
        },
    )


__all__ = ["Statement"]
