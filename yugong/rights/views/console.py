"""Staff console: phone intake, tickets, near-due/overdue queues, handling, mediation."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from yugong.accounts.models import request_user
from yugong.core.errors import ApplicationError, NotFound, PermissionDenied, ValidationFailed
from yugong.core.timeutil import now
from yugong.orgs.access import can_act, scope_filter, scope_paths
from yugong.orgs.decorators import console_required
from yugong.orgs.models import Union

from .. import selectors, services
from ..forms import ACTION_FORMS, IntakeForm
from ..models import (
    Appeal,
    Category,
    Complexity,
    MediationCase,
    Rating,
    Referral,
)
from ..search import faq_search, policy_search
from .common import _console, _districts, _employer_by_name


@console_required
def intake(request: HttpRequest) -> HttpResponse:
    """热线受理: the operator's fast phone-intake form (for those who may take calls)."""
    user = request_user(request)
    if not scope_paths(user, services.INTAKE_ROLES):
        raise PermissionDenied()
    errors: dict[str, list[str]] = {}
    data: dict[str, Any] = {"channel": "hotline", "complexity": "general"}
    if request.method == "POST":
        form = IntakeForm(request.POST)
        data = dict(form.data.items())
        try:
            d = form.valid_or_raise()
            union = None
            if d["union"]:
                union = (
                    scope_filter(Union.objects.all(), user, path_field="path").filter(pk=d["union"]).first()
                )
            appeal = services.appeal_create(
                actor=user,
                channel=d["channel"],
                category=d["category"],
                facts=d["facts"],
                subject=d["subject"],
                demand=d["demand"],
                complexity=d["complexity"],
                caller_name=d["caller_name"],
                caller_phone=d["caller_phone"],
                anonymous=d["anonymous"],
                employer=_employer_by_name(d["employer_name"]),
                employer_name=d["employer_name"],
                district=d["district"],
                union=union,
            )
        except ApplicationError as exc:
            errors = {k: [str(m) for m in v] for k, v in exc.fields.items()} or {
                "__all__": [str(exc.message)]
            }
            if "union" in errors:  # the intake page has no union box of its own to show it under
                errors.setdefault("__all__", []).extend(errors.pop("union"))
        else:
            return HttpResponseRedirect(reverse("rights:detail", args=[appeal.pk]) + "?created=1")
    return _console(
        request,
        "rights/console_intake.html",
        {
            "categories": Category.choices,
            "complexities": Complexity.choices,
            "districts": _districts(),
            "data": data,
            "errors": errors,
        },
    )


@console_required
def caller_history(request: HttpRequest) -> HttpResponse:
    """htmx: the caller's earlier appeals as the operator types the number."""
    phone = request.GET.get("caller_phone", "").strip()
    appeals = list(selectors.caller_history(request.user, phone)) if len(phone) >= 11 else []
    return render(request, "rights/_caller_history.html", {"appeals": appeals, "phone": phone})


@console_required
def policy_lookup(request: HttpRequest) -> HttpResponse:
    """htmx: 查政策 inside the intake form."""
    q = request.GET.get("policy_q", "").strip()[:100]
    return render(
        request,
        "rights/_policy_results.html",
        {
            "q": q,
            "hits": policy_search(q, limit=5) if q else [],
            "faqs": faq_search(q, limit=3) if q else [],
            "console": True,
        },
    )


@console_required
def appeal_list(request: HttpRequest) -> HttpResponse:
    filters = {k: request.GET.get(k, "").strip() for k in ("status", "category", "q")}
    qs = selectors.appeal_list(
        request.user, status=filters["status"], category=filters["category"], q=filters["q"]
    )
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return _console(
        request,
        "rights/console_list.html",
        {"page": page, "filters": filters, "statuses": Appeal.Status.choices, "categories": Category.choices},
    )


@console_required
def queues(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind", "overdue")
    if kind not in ("overdue", "near"):
        kind = "overdue"
    return _console(
        request,
        "rights/console_queues.html",
        {
            "kind": kind,
            "appeals": list(selectors.appeal_queue(request.user, kind=kind, limit=100)),
            "overdue_count": selectors.appeal_queue_count(request.user, kind="overdue"),
            "near_count": selectors.appeal_queue_count(request.user, kind="near"),
            "cap": selectors.QUEUE_COUNT_CAP,
        },
    )


def _perform(request: HttpRequest, appeal: Appeal, action: str, d: dict[str, Any]) -> dict[str, Any]:
    """Run one action of the appeal page with its form's cleaned data (``forms.ACTION_FORMS``)."""
    user = request_user(request)
    if action == "accept":
        services.appeal_accept(actor=user, appeal=appeal, complexity=d["complexity"], note=d["note"])
    elif action == "assign":
        assignee = selectors.assignee_candidates(appeal).filter(pk=d["assignee"] or 0).first()
        if assignee is None:
            raise ValidationFailed(fields={"assignee": _("请选择承办人。")})
        services.appeal_assign(actor=user, appeal=appeal, assignee=assignee)
    elif action == "note":
        services.appeal_note(actor=user, appeal=appeal, text=d["text"], public=d["public"])
    elif action == "pause":
        services.appeal_pause(actor=user, appeal=appeal, reason=d["reason"])
    elif action == "resume":
        services.appeal_resume(actor=user, appeal=appeal, text=d["text"])
    elif action == "transfer":
        target = Union.objects.filter(pk=d["to_union"] or 0).first()
        if target is None:
            raise ValidationFailed(fields={"to_union": _("请选择目标工会。")})
        services.appeal_transfer(actor=user, appeal=appeal, to_union=target, reason=d["reason"])
    elif action == "refer":
        services.appeal_refer(actor=user, appeal=appeal, **d)
    elif action == "referral_update":
        referral = Referral.objects.filter(appeal=appeal, pk=d.pop("referral") or 0).first()
        if referral is None:
            raise NotFound()
        services.referral_update(actor=user, referral=referral, **d)
    elif action == "mediation_open":
        services.mediation_open(actor=user, appeal=appeal, **d)
    elif action in ("mediation_session", "mediation_conclude"):
        case = MediationCase.objects.filter(appeal=appeal, pk=d["case"] or 0).first()
        if case is None:
            raise NotFound()
        if action == "mediation_session":
            services.mediation_session_add(
                actor=user, case=case, held_at=now(), summary=d["summary"], place=d["place"]
            )
        else:
            services.mediation_conclude(
                actor=user,
                case=case,
                agreed=d["agreed"],
                agreement=d["agreement"],
                agreed_amount_fen=d["amount"],
            )
    elif action == "conclude":
        services.appeal_conclude(
            actor=user, appeal=appeal, outcome=d["outcome"], amount_recovered_fen=d["amount"]
        )
    elif action == "follow_up":
        services.appeal_follow_up(actor=user, appeal=appeal, **d)
    elif action == "close":
        services.appeal_close(actor=user, appeal=appeal)
    elif action == "reveal":
        return {"revealed": services.appeal_reveal_caller(actor=user, appeal=appeal)}
    return {}


@console_required
def appeal_detail(request: HttpRequest, appeal_id: int) -> HttpResponse:
    appeal = selectors.appeal_get(request.user, appeal_id)
    extra: dict[str, Any] = {}
    error = ""
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in ACTION_FORMS:
            raise NotFound()
        if not can_act(request.user, appeal.union, services.HANDLE_ROLES):
            raise PermissionDenied()  # every action handles the appeal: a viewer only looks
        try:
            extra = _perform(request, appeal, action, ACTION_FORMS[action](request.POST).valid_or_raise())
        except ApplicationError as exc:
            if exc.status in (403, 404):  # not allowed at all: not a form error
                raise
            error = "；".join(f"{m}" for v in exc.fields.values() for m in v) or str(exc.message)
        else:
            if not extra:
                try:
                    selectors.appeal_get(request.user, appeal_id)
                except NotFound:
                    return HttpResponseRedirect(reverse("rights:list"))  # transferred out of our subtree
                return HttpResponseRedirect(reverse("rights:detail", args=[appeal_id]))
    can_handle = can_act(request.user, appeal.union, services.HANDLE_ROLES)
    transfer_targets = selectors.transfer_choices(request_user(request), appeal) if can_handle else []
    return _console(
        request,
        "rights/console_detail.html",
        {
            "appeal": appeal,
            "events": list(selectors.appeal_timeline(appeal)),
            "stages": list(selectors.appeal_stages(appeal)),
            "referrals": list(appeal.referrals.all()),
            "mediations": list(appeal.mediations.prefetch_related("sessions")),
            "attachments": list(appeal.attachments.all()),
            "can_handle": can_handle,
            "transfer_targets": transfer_targets,
            "assignees": list(selectors.assignee_candidates(appeal)[:200])
            if can_handle and appeal.is_open
            else [],
            "referral_kinds": Referral.Kind.choices,
            "referral_statuses": Referral.Status.choices,
            "complexities": Complexity.choices,
            "ratings": Rating.choices,
            "follow_up_results": services.FOLLOW_UP_RESULTS.items(),
            "error": error,
            **extra,
        },
    )


@console_required
def mediations(request: HttpRequest) -> HttpResponse:
    qs = scope_filter(
        MediationCase.objects.select_related("appeal", "union"),
        request.user,
        path_field="union__path",
        roles=services.VIEW_ROLES,
    ).order_by("-opened_at", "-id")
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return _console(request, "rights/console_mediations.html", {"page": page})
