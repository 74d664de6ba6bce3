"""Console pages of funds (thin: forms parse, services decide, selectors read — all scoped through
``orgs.access``): budgets, their lines and income, the drill-down to a line's movements, spending
requests and their decisions, the reports with their .xlsx export."""

from __future__ import annotations

import io
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yugong.accounts.models import User, request_user
from yugong.core.errors import ApplicationError, NotFound, reraise_refusal
from yugong.core.timeutil import local_today
from yugong.core.validators import is_ascii_digits
from yugong.orgs.access import access_union
from yugong.orgs.decorators import console_required

from .. import reports, selectors, services
from ..forms import (
    AmountForm,
    BudgetForm,
    CommitmentForm,
    IncomeLineForm,
    LineForm,
    ReasonForm,
    ReportForm,
    fen,
)
from ..models import Budget, BudgetLine, Commitment, IncomeLine
from ..services.common import PREPARE_ROLES, READ_ROLES
from .common import SECTION, flash_error, unions_of


@console_required
def budget_list(request: HttpRequest) -> HttpResponse:
    qs = selectors.budgets_visible(request_user(request))
    year = request.GET.get("year", "")
    if is_ascii_digits(year):
        qs = qs.filter(year=int(year))
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    unions = unions_of(request, PREPARE_ROLES)
    form = BudgetForm(request.POST or None, unions=unions, initial={"year": local_today().year})
    if request.method == "POST":
        try:
            data = form.valid_or_raise()
            union = access_union(request.user, data["union"], roles=PREPARE_ROLES)
            budget = services.budget_create(
                actor=request_user(request), union=union, year=data["year"], note=data["note"]
            )
        except ApplicationError as exc:
            form.take_errors(exc)
        else:
            return HttpResponseRedirect(reverse("funds:budget", args=[budget.pk]))
    return render(
        request,
        "funds/budget_list.html",
        {"section": SECTION, "page": page, "form": form if unions else None, "year": year},
    )


@console_required
def budget_detail(request: HttpRequest, pk: int) -> HttpResponse:
    budget = selectors.budget_get(request_user(request), pk)
    lines = list(
        BudgetLine.objects.filter(budget=budget).select_related("subcategory").order_by("category", "pk")
    )
    income = list(IncomeLine.objects.filter(budget=budget).order_by("kind", "pk"))
    return render(
        request,
        "funds/budget_detail.html",
        {
            "section": SECTION,
            "budget": budget,
            "lines": lines,
            "income": income,
            "total_fen": sum(x.amount_fen for x in lines),
            "line_form": LineForm(),
            "income_form": IncomeLineForm(),
            "reason_form": ReasonForm(),
            "amount_form": AmountForm(),
            "draft": budget.status == Budget.Status.DRAFT,
            "submitted": budget.status == Budget.Status.SUBMITTED,
            "approved": budget.status == Budget.Status.APPROVED,
        },
    )


@console_required
@require_POST
def budget_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    budget = selectors.budget_get(request_user(request), pk)
    actor = request_user(request)
    try:
        if action == "line":
            data = LineForm(request.POST).valid_or_raise()
            services.budget_line_add(
                actor=actor,
                budget=budget,
                category=data["category"],
                name=data["name"],
                amount_fen=fen(data["amount_yuan"]),
            )
        elif action == "income":
            data = IncomeLineForm(request.POST).valid_or_raise()
            services.income_line_add(
                actor=actor,
                budget=budget,
                kind=data["kind"],
                name=data["name"],
                planned_fen=fen(data["planned_yuan"]),
            )
        elif action == "submit":
            services.budget_submit(actor=actor, budget=budget)
        elif action == "approve":
            services.budget_approve(actor=actor, budget=budget)
        elif action == "return":
            services.budget_return(
                actor=actor, budget=budget, reason=ReasonForm(request.POST).valid_or_raise()["reason"]
            )
        else:
            raise NotFound()
        messages.success(request, _("已保存。"))
    except ApplicationError as exc:
        if exc.status == 404:
            raise
        flash_error(request, exc)
    return HttpResponseRedirect(reverse("funds:budget", args=[budget.pk]))


@console_required
@require_POST
def income_receipt(request: HttpRequest, pk: int) -> HttpResponse:
    line = selectors.income_line_get(request_user(request), pk)
    try:
        data = AmountForm(request.POST).valid_or_raise()
        services.income_record(
            actor=request_user(request), line=line, amount_fen=fen(data["amount_yuan"]), memo=data["memo"]
        )
        messages.success(request, _("已登记收入。"))
    except ApplicationError as exc:
        flash_error(request, exc)
    return HttpResponseRedirect(reverse("funds:budget", args=[line.budget_id]))


@console_required
def line_detail(request: HttpRequest, pk: int) -> HttpResponse:
    line = selectors.line_get(request_user(request), pk)
    form = CommitmentForm(request.POST or None)
    if request.method == "POST":
        try:
            data = form.valid_or_raise()
            services.commitment_request(
                actor=request_user(request),
                line=line,
                amount_fen=fen(data["amount_yuan"]),
                purpose=data["purpose"],
            )
        except ApplicationError as exc:
            form.take_errors(exc)
        else:
            messages.success(request, _("已提交支出申请。"))
            return HttpResponseRedirect(reverse("funds:line", args=[line.pk]))
    page = Paginator(selectors.line_movements(line), 50).get_page(request.GET.get("page"))
    commitments = Commitment.objects.filter(line=line).select_related("requested_by").order_by("-pk")[:50]
    return render(
        request,
        "funds/line_detail.html",
        {"section": SECTION, "line": line, "page": page, "form": form, "commitments": commitments},
    )


@console_required
def commitment_list(request: HttpRequest) -> HttpResponse:
    qs = selectors.commitments_visible(request_user(request))
    status = request.GET.get("status", "")
    if status in Commitment.Status.values:
        qs = qs.filter(status=status)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "funds/commitment_list.html",
        {
            "section": SECTION,
            "page": page,
            "status": status,
            "statuses": Commitment.Status.choices,
            "reason_form": ReasonForm(),
            "amount_form": AmountForm(),
        },
    )


@console_required
@require_POST
def commitment_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    actor = request_user(request)
    if action == "approve":
        # The API's service (one statement on PostgreSQL, first and second approval alike): it
        # finds the request in the actor's scope itself, so nothing is read before it.
        return _approve(request, actor, pk)
    commitment = selectors.commitment_get(actor, pk)
    try:
        if action == "reject":
            services.commitment_reject(
                actor=actor, commitment=commitment, reason=ReasonForm(request.POST).valid_or_raise()["reason"]
            )
        elif action == "spend":
            data = AmountForm(request.POST).valid_or_raise()
            services.commitment_spend(
                actor=actor, commitment=commitment, amount_fen=fen(data["amount_yuan"]), memo=data["memo"]
            )
        elif action == "release":
            services.commitment_release(actor=actor, commitment=commitment)
        else:
            raise NotFound()
        messages.success(request, _("已处理。"))
    except ApplicationError as exc:
        if exc.status == 404:
            raise
        flash_error(request, exc)
    return _back_to_commitments(request)


def _approve(request: HttpRequest, actor: User, pk: int) -> HttpResponse:
    try:
        done = services.commitment_approve_id(actor=actor, commitment_id=pk)
    except ApplicationError as exc:
        reraise_refusal(exc)
        flash_error(request, exc)
    else:
        if done.status == Commitment.Status.FIRST_APPROVED:
            messages.success(request, _("已记录您的审批，需另一位负责人复核后占用预算。"))
        else:
            messages.success(request, _("已批准，预算已占用。"))
    return _back_to_commitments(request)


def _back_to_commitments(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    query = f"?status={status}" if status in Commitment.Status.values else "?status="
    return HttpResponseRedirect(reverse("funds:commitments") + query)


@console_required
def report(request: HttpRequest) -> HttpResponse:
    unions = unions_of(request, READ_ROLES)
    if not unions:
        raise NotFound()
    form = ReportForm(
        request.GET or None, unions=unions, initial={"union": unions[0][0], "year": local_today().year}
    )
    context: dict[str, Any] = {"section": SECTION, "form": form}
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        execution = reports.budget_execution(
            request_user(request), union_id=d["union"], year=d["year"], start=d["start"], end=d["end"]
        )
        statement = reports.income_statement(request_user(request), union_id=d["union"], year=d["year"])
        if request.GET.get("format") == "xlsx":
            out = io.BytesIO()
            reports.write_xlsx(execution, statement, out)
            response = HttpResponse(
                out.getvalue(),
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
            response["Content-Disposition"] = f'attachment; filename="funds-{d["union"]}-{d["year"]}.xlsx"'
            return response
        context |= {"execution": execution, "statement": statement, "query": request.GET.urlencode()}
    return render(request, "funds/report.html", context)
