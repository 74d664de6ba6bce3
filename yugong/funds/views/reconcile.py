"""Console pages of reconciliation runs: the list, a run's summary and its differences, and the
person who resolves each difference with an explanation (``services.difference_resolve``, audited).
Scoped through ``orgs.access``; the 经审 auditor reads, finance resolves."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yugong.accounts.models import request_user
from yugong.core.errors import ApplicationError
from yugong.orgs.access import can_act
from yugong.orgs.decorators import console_required

from .. import selectors, services
from ..forms import ResolveForm
from ..models import Difference, Reconciliation
from ..services.common import FINANCE_ROLES
from .common import SECTION, flash_error


@console_required
def run_list(request: HttpRequest) -> HttpResponse:
    qs = selectors.reconciliations_visible(request_user(request))
    kind = request.GET.get("kind", "")
    if kind in Reconciliation.Kind.values:
        qs = qs.filter(kind=kind)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "funds/run_list.html",
        {"section": SECTION, "page": page, "kind": kind, "kinds": Reconciliation.Kind.choices},
    )


@console_required
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = selectors.reconciliation_get(request_user(request), pk)
    qs = selectors.run_differences(run)
    status = request.GET.get("status", "")
    if status in Difference.Status.values:
        qs = qs.filter(status=status)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    summary = selectors.run_summary(run)
    return render(
        request,
        "funds/run_detail.html",
        {
            "section": SECTION,
            "run": run,
            "page": page,
            "status": status,
            "statuses": Difference.Status.choices,
            "summary": summary,
            "open_total": sum(row["open"] for row in summary),
            "net_fen": run.statement_fen - run.ledger_fen,
            "may_write": can_act(request.user, run.union, FINANCE_ROLES),
            "resolve_form": ResolveForm(),
        },
    )


@console_required
@require_POST
def difference_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    difference = selectors.difference_get(request_user(request), pk)
    try:
        data = ResolveForm(request.POST).valid_or_raise()
        services.difference_resolve(
            actor=request_user(request), difference=difference, resolution=data["resolution"]
        )
        messages.success(request, _("差异已处理。"))
    except ApplicationError as exc:
        if exc.status == 404:
            raise
        flash_error(request, exc)
    back = request.GET.get("status", "")
    query = f"?status={back}" if back in Difference.Status.values else ""
    return HttpResponseRedirect(reverse("funds:run", args=[difference.run_id]) + query)
