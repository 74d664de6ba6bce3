"""Console pages of union staff (group orders, pass purchases, approvals) and platform staff
(merchant and product review, settlement and reconciliation)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yugong.accounts.models import request_user
from yugong.core.errors import ApplicationError, ValidationFailed
from yugong.core.timeutil import local_today, now
from yugong.orgs.access import can_act, staff_scope
from yugong.orgs.decorators import console_required

from .. import exports, selectors, services
from ..access import APPROVER_ROLES, UNION_BUYER_ROLES
from ..forms import SpotReviewForm
from ..models import (
    GroupOrder,
    Merchant,
    ReviewStatus,
    Session,
)
from .common import PAGE, _console, _errors, _yuan


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


# --- Annual-pass spots: the city's review -----------------------------------------------------


@console_required
def p_pass_spots(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "pending")
    status = status if status in ReviewStatus.values or status == "" else "pending"
    page = Paginator(selectors.platform_pass_spots(request.user, status), PAGE).get_page(
        request.GET.get("page")
    )
    return _console(
        request,
        "tourism/p_pass_spots.html",
        {
            "page": page,
            "status": status,
            "statuses": ReviewStatus.choices,
            "can_review": services.spots.is_city_reviewer(request.user),
            "form": SpotReviewForm(),
        },
    )


@console_required
@require_POST
def p_pass_spot_review(request: HttpRequest, spot_id: int) -> HttpResponse:
    form = SpotReviewForm(request.POST)
    back = reverse("tourism:p_pass_spots") + "?" + urlencode({"status": request.GET.get("status", "pending")})
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return HttpResponseRedirect(back)
    try:
        services.pass_spot_review(
            actor=request.user,
            spot=spot_id,
            approve=form.cleaned_data["decision"] == "approve",
            note=form.cleaned_data["note"],
            rate_fen=form.rate_fen(),
        )
        messages.success(request, _("审核结果已保存。"))
    except ApplicationError as exc:
        _errors(request, exc)
    return HttpResponseRedirect(back)
