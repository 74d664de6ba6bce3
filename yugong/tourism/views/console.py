"""Console pages of union staff (group orders, pass purchases, approvals) and platform staff
(merchant and product review, settlement and reconciliation)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yugong.accounts.models import request_user
from yugong.core.errors import ApplicationError, ValidationFailed
from yugong.core.timeutil import local_today, now
from yugong.funds.selectors import spendable_lines
from yugong.orgs.access import can_act, staff_scope
from yugong.orgs.decorators import console_required

from .. import exports, selectors, services
from ..access import APPROVER_ROLES, UNION_BUYER_ROLES
from ..forms import (
    DecisionForm,
    GroupOrderForm,
    MerchantReviewForm,
    PassBatchForm,
    PayoutForm,
    SpotReviewForm,
    StatementBuildForm,
)
from ..models import (
    GroupOrder,
    Merchant,
    ReviewStatus,
    Session,
)
from .common import PAGE, _console, _errors


def _form_errors(request: HttpRequest, form: forms.Form) -> None:
    """A page form that failed: its Chinese field errors as messages (the page redirects back)."""
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, str(error))


def _refused(request: HttpRequest, exc: ApplicationError) -> None:
    """A refusal on a page that redirects back: the message and every field's Chinese error."""
    _errors(request, exc)
    for errors in exc.fields.values():
        for error in errors:
            messages.error(request, str(error))


def _back(request: HttpRequest, name: str) -> HttpResponseRedirect:
    """Back to the list the form was posted from, keeping its filter (only our own query string)."""
    query = urlencode({k: v for k, v in request.GET.items() if k in ("status", "page", "start", "end")})
    return HttpResponseRedirect(reverse(name) + (f"?{query}" if query else ""))


@console_required
def p_merchants(request: HttpRequest) -> HttpResponse:
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
@require_POST
def p_merchant_review(request: HttpRequest, merchant_id: int) -> HttpResponse:
    form = MerchantReviewForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(request, "tourism:p_merchants")
    try:
        services.merchant_review(
            actor=request_user(request),
            merchant=merchant_id,
            approve=form.approve,
            note=form.cleaned_data["note"],
            terms=form.terms(),
        )
        messages.success(request, _("审核结果已保存。"))
    except ApplicationError as exc:
        _refused(request, exc)
    return _back(request, "tourism:p_merchants")


@console_required
def p_products(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "pending")
    status = status if status in ReviewStatus.values or status == "" else "pending"
    page = Paginator(selectors.platform_products(request.user, status), PAGE).get_page(
        request.GET.get("page")
    )
    return _console(
        request, "tourism/p_products.html", {"page": page, "status": status, "statuses": ReviewStatus.choices}
    )


@console_required
@require_POST
def p_product_review(request: HttpRequest, product_id: int) -> HttpResponse:
    form = DecisionForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(request, "tourism:p_products")
    try:
        services.product_review(
            actor=request_user(request),
            product=product_id,
            approve=form.approve,
            note=form.cleaned_data["note"],
        )
        messages.success(request, _("审核结果已保存。"))
    except ApplicationError as exc:
        _refused(request, exc)
    return _back(request, "tourism:p_products")


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
    report = services.reconcile(actor=request_user(request), start=start, end=end)
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
@require_POST
def p_statement_build(request: HttpRequest) -> HttpResponse:
    form = StatementBuildForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(request, "tourism:p_settlement")
    try:
        services.statement_build(
            actor=request_user(request),
            merchant_id=form.cleaned_data["merchant"],
            start=form.cleaned_data["start"],
            end=form.cleaned_data["end"],
        )
        messages.success(request, _("结算单已生成。"))
    except ApplicationError as exc:
        _refused(request, exc)
    return _back(request, "tourism:p_settlement")


@console_required
@require_POST
def p_payout(request: HttpRequest, statement_id: int) -> HttpResponse:
    form = PayoutForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(request, "tourism:p_settlement")
    try:
        services.payout_record(
            actor=request_user(request), statement=statement_id, reference=form.cleaned_data["reference"]
        )
        messages.success(request, _("付款已登记。"))
    except ApplicationError as exc:
        _refused(request, exc)
    return _back(request, "tourism:p_settlement")


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
        actor=request_user(request),
        start=_date(request.GET.get("start"), today.replace(day=1)),
        end=_date(request.GET.get("end"), today),
    )
    return exports.reconciliation_response(report, fmt)


# --- Union staff: group orders and annual passes --------------------------------------------


def _buying_union(request: HttpRequest, union_id: int) -> Any:
    from yugong.orgs.access import access_union

    return access_union(request.user, union_id, roles=UNION_BUYER_ROLES)


@console_required
def u_groups(request: HttpRequest) -> HttpResponse:
    """Group orders (包场/团体): the request form posts here; each row's decision posts to
    ``u_group_decide``."""
    user = request_user(request)
    form = GroupOrderForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                session = (
                    Session.objects.select_related("product").filter(pk=form.cleaned_data["session"]).first()
                )
                if session is None:
                    raise ValidationFailed(fields={"session": _("请选择场次。")})
                services.group_order_request(
                    actor=user,
                    union=_buying_union(request, form.cleaned_data["union"]),
                    session=session,
                    activity=form.cleaned_data["activity"],
                    seats=form.cleaned_data["seats"] or 0,
                    whole_session=form.cleaned_data["whole_session"],
                    attendee_ids=form.cleaned_data["attendees"],
                    budget_line=form.cleaned_data["budget_line"],
                )
                messages.success(request, _("团体订票申请已提交，待主席审批。"))
            except ApplicationError as exc:
                _refused(request, exc)
        else:
            _form_errors(request, form)
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
        {
            "groups": groups,
            "unions": staff_scope(user, UNION_BUYER_ROLES),
            "sessions": sessions,
            "budget_lines": spendable_lines(user),
        },
    )


@console_required
@require_POST
def u_group_decide(request: HttpRequest, group_id: int) -> HttpResponse:
    form = DecisionForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return HttpResponseRedirect(reverse("tourism:u_groups"))
    user = request_user(request)
    try:
        if form.approve:
            services.group_order_approve(actor=user, group=group_id)
            messages.success(request, _("已批准，电子票已发给参加人员。"))
        else:
            services.group_order_reject(actor=user, group=group_id, reason=form.cleaned_data["note"])
            messages.success(request, _("已驳回。"))
    except ApplicationError as exc:
        _refused(request, exc)
    return HttpResponseRedirect(reverse("tourism:u_groups"))


@console_required
def u_passes(request: HttpRequest) -> HttpResponse:
    """Annual-pass purchases: the request form posts here; each row's decision posts to
    ``u_pass_decide``."""
    user = request_user(request)
    form = PassBatchForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.pass_batch_request(
                    actor=user,
                    union=_buying_union(request, form.cleaned_data["union"]),
                    year=form.cleaned_data["year"],
                    price_fen=form.price_fen(),
                    person_ids=form.cleaned_data["person_ids"],
                    budget_line=form.cleaned_data["budget_line"],
                )
                messages.success(request, _("年票采购申请已提交，待主席审批。"))
            except ApplicationError as exc:
                _refused(request, exc)
        else:
            _form_errors(request, form)
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
            "budget_lines": spendable_lines(user),
        },
    )


@console_required
@require_POST
def u_pass_decide(request: HttpRequest, batch_id: int) -> HttpResponse:
    form = DecisionForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return HttpResponseRedirect(reverse("tourism:u_passes"))
    user = request_user(request)
    try:
        if form.approve:
            services.pass_batch_approve(actor=user, batch=batch_id)
            messages.success(request, _("已批准，年票已发放到职工手机。"))
        else:
            services.pass_batch_reject(actor=user, batch=batch_id)
            messages.success(request, _("已驳回。"))
    except ApplicationError as exc:
        _refused(request, exc)
    return HttpResponseRedirect(reverse("tourism:u_passes"))


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
            "can_review": services.spots.is_city_reviewer(request_user(request)),
            "form": SpotReviewForm(),
        },
    )


@console_required
@require_POST
def p_pass_spot_review(request: HttpRequest, spot_id: int) -> HttpResponse:
    form = SpotReviewForm(request.POST)
    back = _back(request, "tourism:p_pass_spots")
    if not form.is_valid():
        _form_errors(request, form)
        return back
    try:
        services.pass_spot_review(
            actor=request_user(request),
            spot=spot_id,
            approve=form.cleaned_data["decision"] == "approve",
            note=form.cleaned_data["note"],
            rate_fen=form.rate_fen(),
        )
        messages.success(request, _("审核结果已保存。"))
    except ApplicationError as exc:
        _refused(request, exc)
    return back
