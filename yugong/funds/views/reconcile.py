"""Console pages of reconciliation runs: the list, a run's summary and its differences, and the
person who resolves each difference with an explanation (``services.difference_resolve``, audited).
Scoped through ``orgs.access``; the 经审 auditor reads, finance resolves."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yugong.accounts.models import request_user
from yugong.core.errors import ApplicationError, PermissionDenied, reraise_refusal
from yugong.core.timeutil import local_today
from yugong.orgs.access import access_union, can_act
from yugong.orgs.decorators import console_required

from .. import selectors, services
from ..forms import ReconcileStartForm, ResolveForm
from ..models import Difference, Reconciliation
from ..services.common import FINANCE_ROLES, READ_ROLES
from .common import SECTION, flash_error, unions_of


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
        {
            "section": SECTION,
            "page": page,
            "kind": kind,
            "kinds": Reconciliation.Kind.choices,
            "may_start": bool(unions_of(request, FINANCE_ROLES)),
        },
    )


@console_required
def run_start(request: HttpRequest) -> HttpResponse:
    """Finance starts a provider-bill reconciliation: the WeChat Pay trade bill of a day, uploaded
    or downloaded through the adapter (``services.provider_bill_reconcile_file`` /
    ``provider_bill_fetch``, audited). A bad file is refused with every bad place named
    (第N行 / 列) and nothing written; the run then appears on the list with its differences."""
    actor = request_user(request)
    unions = unions_of(request, FINANCE_ROLES)
    form = ReconcileStartForm(
        request.POST or None,
        request.FILES or None,
        unions=unions,
        initial={"day": local_today() - dt.timedelta(days=1), "source": "upload"},
    )
    if request.method == "POST":
        try:
            data = form.valid_or_raise()
            # Outside the actor's subtree is 404; inside without the finance role, the service's 403.
            union = access_union(request.user, data["union"], roles=READ_ROLES)
            if data["source"] == "fetch":
                run = services.provider_bill_fetch(actor=actor, union=union, day=data["day"])
            else:
                run = services.provider_bill_reconcile_file(
                    actor=actor, union=union, day=data["day"], data=data["file"]
                )
        except ApplicationError as exc:
            reraise_refusal(exc)
            form.take_errors(exc)
        else:
            messages.success(
                request,
                _("对账完成：账单 %(lines)s 笔，差异 %(diffs)s 笔。")
                % {"lines": run.statement_lines, "diffs": run.differences},
            )
            return HttpResponseRedirect(reverse("funds:run", args=[run.pk]))
    elif not unions:
        raise PermissionDenied()
    return render(request, "funds/run_start.html", {"section": SECTION, "form": form})


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
