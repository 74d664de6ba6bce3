"""Console pages of the 四季帮扶 campaigns (thin: forms parse, services decide, selectors read —
all scoped through ``orgs.access``): the campaigns, a campaign's cycles, and a cycle's list with
its steps (build, review, submit, approve, pay, results, follow-up, goods signed for, close)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yugong.accounts.models import request_user
from yugong.core.audit import audit_pii_view
from yugong.core.errors import ApplicationError, NotFound, reraise_refusal
from yugong.core.images import delete_picture, store_picture
from yugong.core.pii import mask_name
from yugong.funds import bankfiles
from yugong.funds.models import BudgetLine, PayoutBatch
from yugong.funds.services.common import FINANCE_ROLES
from yugong.orgs.access import require_role, scope_filter
from yugong.orgs.decorators import console_required
from yugong.orgs.models import Union

from . import selectors, services
from .exports import bank_file_response
from .forms import (
    AddForm,
    BatchForm,
    CampaignForm,
    CycleForm,
    DeliverForm,
    ExcludeForm,
    PayForm,
    ReasonForm,
    ResultsForm,
)
from .models import Beneficiary, CampaignCycle
from .services import REVIEW_ROLES

PAGE = 50


def _console(request: HttpRequest, template: str, ctx: dict[str, Any]) -> HttpResponse:
    return render(request, template, {"section": "assistance", **ctx})


def _flash(request: HttpRequest, exc: ApplicationError) -> None:
    reraise_refusal(exc)
    details = "；".join(str(m) for msgs in exc.fields.values() for m in msgs)
    messages.error(request, details or str(exc.message))


def _lines(request: HttpRequest) -> list[tuple[int, str]]:
    qs = scope_filter(
        BudgetLine.objects.filter(open=True).select_related("union").order_by("union__name", "name"),
        request.user,
        roles=REVIEW_ROLES,
    )
    return [(line.pk, f"{line.union.name} · {line.name}") for line in qs[:200]]


@console_required
def campaigns(request: HttpRequest) -> HttpResponse:
    actor = request_user(request)
    form = CampaignForm(request.POST or None, lines=_lines(request))
    if request.method == "POST":
        try:
            data = form.valid_or_raise()
            line = BudgetLine.objects.select_related("union").get(pk=data["budget_line"])
            c = services.campaign_create(
                actor=actor, union=line.union, kind=data["kind"], title=data["title"], budget_line=line
            )
            return HttpResponseRedirect(reverse("assistance:campaign", args=[c.pk]))
        except ApplicationError as exc:
            _flash(request, exc)
    page = Paginator(selectors.staff_campaigns(actor), 30).get_page(request.GET.get("page"))
    tasks = list(selectors.delivery_cycles(actor)[:30])
    return _console(
        request, "assistance/console_campaigns.html", {"page": page, "form": form, "tasks": tasks}
    )


@console_required
def campaign(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request_user(request)
    camp = selectors.staff_campaign(actor, pk)
    areas = [(camp.union.pk, camp.union.name)] + [
        (u.pk, u.name) for u in Union.objects.filter(parent=camp.union).order_by("name")[:200]
    ]
    form = CycleForm(request.POST or None, areas=areas)
    if request.method == "POST":
        try:
            c = services.cycle_create(actor=actor, campaign=camp, **form.service_kwargs())
            return HttpResponseRedirect(reverse("assistance:cycle", args=[c.pk]))
        except ApplicationError as exc:
            _flash(request, exc)
    cycles = list(camp.cycles.order_by("-pk"))
    return _console(request, "assistance/console_campaign.html", {"c": camp, "cycles": cycles, "form": form})


@console_required
def cycle(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request_user(request)
    c, whole = selectors.staff_cycle(actor, pk)
    rows = selectors.cycle_rows(actor, c)
    status = request.GET.get("status", "")
    if status in Beneficiary.Status.values:
        rows = rows.filter(status=status)
    page = Paginator(rows, PAGE).get_page(request.GET.get("page"))
    items = [{"b": b, "name": mask_name(b.household.name)} for b in page.object_list]
    formats = [(f.name, f.label) for f in bankfiles.formats().values()]
    ctx = {
        "c": c,
        "whole": whole,
        "page": page,
        "items": items,
        "status": status,
        "statuses": Beneficiary.Status.choices,
        "batches": selectors.cycle_batches(c) if whole else [],
        "add_form": AddForm(),
        "pay_form": PayForm(formats=formats),
        "reason_form": ReasonForm(),
        "results_form": ResultsForm(),
        "deliver_form": DeliverForm(),
    }
    return _console(request, "assistance/console_cycle.html", ctx)


def _receipt(request: HttpRequest, upload: Any) -> str:
    if upload is None:
        return ""
    stored = store_picture(upload, folder="assistance/receipts", field="receipt", label=_("签收单照片"))
    return stored.name


@console_required
@require_POST
def cycle_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    actor = request_user(request)
    c, _whole = selectors.staff_cycle(actor, pk)
    stored = ""
    try:
        if action == "build":
            services.cycle_build(actor=actor, cycle=c)
        elif action == "add":
            data = AddForm(request.POST).valid_or_raise()
            services.beneficiary_add(actor=actor, cycle=c, file=data["file"], note=data["note"])
        elif action == "exclude":
            data = ExcludeForm(request.POST).valid_or_raise()
            row = _row(c, data["beneficiary"])
            services.beneficiary_exclude(actor=actor, beneficiary=row, reason=data["reason"])
        elif action == "submit":
            services.cycle_submit(actor=actor, cycle=c)
        elif action == "approve":
            services.cycle_approve(actor=actor, cycle=c)
        elif action == "return":
            services.cycle_return(
                actor=actor, cycle=c, reason=ReasonForm(request.POST).valid_or_raise()["reason"]
            )
        elif action == "pay":
            formats = [(f.name, f.label) for f in bankfiles.formats().values()]
            data = PayForm(request.POST, formats=formats).valid_or_raise()
            services.cycle_pay(actor=actor, cycle=c, bank_format=data["bank_format"])
        elif action == "results":
            data = ResultsForm(request.POST, request.FILES).valid_or_raise()
            services.cycle_results_import(actor=actor, cycle=c, batch=data["batch"], data=data["file"])
        elif action == "retry":
            data = BatchForm(request.POST).valid_or_raise()
            services.cycle_retry_failed(actor=actor, cycle=c, batch=data["batch"])
        elif action == "deliver":
            data = DeliverForm(request.POST, request.FILES).valid_or_raise()
            row = _row(c, data["beneficiary"])
            require_role(actor, row.union, REVIEW_ROLES)  # before storing a picture
            stored = _receipt(request, data.get("receipt"))
            services.beneficiary_deliver(
                actor=actor, beneficiary=row, signed_by=data["signed_by"], receipt_image=stored
            )
        elif action == "close":
            services.cycle_close(actor=actor, cycle=c)
        else:
            raise NotFound()
        messages.success(request, _("已办理。"))
    except ApplicationError as exc:
        if stored:
            delete_picture([stored])
        _flash(request, exc)
    return HttpResponseRedirect(reverse("assistance:cycle", args=[c.pk]))


def _row(c: CampaignCycle, pk: int) -> Beneficiary:
    row = Beneficiary.objects.select_related("union").filter(cycle=c, pk=pk).first()
    if row is None:
        raise NotFound()
    return row


@console_required
def batch_file(request: HttpRequest, pk: int, batch_id: int) -> HttpResponse:
    """The bank file of one of the cycle's batches (clear account numbers: finance only, audited)."""
    actor = request_user(request)
    c, whole = selectors.staff_cycle(actor, pk)
    if not whole:
        raise NotFound()
    batch = next((b for b in selectors.cycle_batches(c) if b.pk == batch_id), None)
    if batch is None or batch.status == PayoutBatch.Status.DRAFT:
        raise NotFound()
    require_role(actor, c.campaign.union, FINANCE_ROLES)
    with transaction.atomic():
        audit_pii_view(actor=actor, obj=batch, fields=["account_no", "payee_name"], union_id=batch.union_id)
    response = bank_file_response(batch, f"aid-{c.pk}-{batch.pk}")
    response["Cache-Control"] = "no-store"
    return response  # type: ignore[return-value]
