"""Worker H5 pages: file an appeal, follow it, rate it, 查政策; attachment download."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from yugong.accounts.models import request_user
from yugong.core.errors import ApplicationError, NotFound

from .. import selectors, services
from ..forms import WORKER_ACTION_FORMS, AppealNewForm
from ..models import (
    Appeal,
    AppealAttachment,
    Category,
    Policy,
    Rating,
)
from ..search import faq_search, policy_search
from .common import _districts, _employer_by_name, _h5

# --- Worker H5 ------------------------------------------------------------------------------


def h5_home(request: HttpRequest) -> HttpResponse:
    return _h5(request, "rights/h5_home.html", {})


@login_required(login_url="accounts:login")
def h5_new(request: HttpRequest) -> HttpResponse:
    """The guided form: what happened (category), the story, where you work, photos. Phone and
    name come from the account."""
    user = request_user(request)
    errors: dict[str, list[str]] = {}
    data: dict[str, Any] = {"category": request.GET.get("category", "")}
    if request.method == "POST":
        form = AppealNewForm(request.POST)
        data = dict(form.data.items())
        try:
            d = form.valid_or_raise()
            appeal = services.appeal_create(
                actor=user,
                channel="h5",
                category=d["category"],
                facts=d["facts"],
                demand=d["demand"],
                caller_phone=d["caller_phone"],
                employer=_employer_by_name(d["employer_name"]),
                employer_name=d["employer_name"],
                district=d["district"],
                attachments=request.FILES.getlist("attachments"),
            )
        except ApplicationError as exc:
            errors = {k: [str(m) for m in v] for k, v in exc.fields.items()} or {
                "__all__": [str(exc.message)]
            }
        else:
            return HttpResponseRedirect(reverse("rights:h5_detail", args=[appeal.pk]) + "?new=1")
    return _h5(
        request,
        "rights/h5_new.html",
        {
            "categories": Category.choices,
            "districts": _districts(),
            "data": data,
            "errors": errors,
            "phone_masked": getattr(user, "masked_phone", ""),
        },
    )


@login_required(login_url="accounts:login")
def h5_mine(request: HttpRequest) -> HttpResponse:
    appeals = list(selectors.worker_appeals(request.user)[:50])
    return _h5(request, "rights/h5_mine.html", {"appeals": appeals})


@login_required(login_url="accounts:login")
def h5_detail(request: HttpRequest, appeal_id: int) -> HttpResponse:
    user = request_user(request)
    appeal = selectors.worker_appeal_get(user, appeal_id)
    error = ""
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action not in WORKER_ACTION_FORMS:
                raise NotFound()
            d = WORKER_ACTION_FORMS[action](request.POST).valid_or_raise()
            if action == "rate":
                services.appeal_rate(actor=user, appeal=appeal, rating=d["rating"], comment=d["comment"])
            else:
                services.appeal_resume(actor=user, appeal=appeal, text=d["text"])
                if request.FILES.getlist("attachments"):
                    services.appeal_attach(
                        actor=user, appeal=appeal, uploads=request.FILES.getlist("attachments")
                    )
        except ApplicationError as exc:
            error = "；".join(str(m) for v in exc.fields.values() for m in v) or str(exc.message)
        else:
            return HttpResponseRedirect(reverse("rights:h5_detail", args=[appeal.pk]))
    return _h5(
        request,
        "rights/h5_detail.html",
        {
            "appeal": appeal,
            "events": list(selectors.appeal_timeline(appeal, public_only=True)),
            "ratings": Rating.choices,
            "can_rate": appeal.status in (Appeal.Status.CONCLUDED, Appeal.Status.CLOSED)
            and not appeal.rating,
            "error": error,
            "new": request.GET.get("new") == "1",
        },
    )


def h5_policies(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:100]
    ctx = {"q": q, "hits": policy_search(q) if q else [], "faqs": faq_search(q) if q else []}
    if request.headers.get("HX-Request"):
        return render(request, "rights/_policy_results.html", ctx)
    if not q:
        ctx["recent"] = list(Policy.objects.filter(published=True).order_by("-effective_on", "-id")[:10])
    return _h5(request, "rights/h5_policies.html", ctx)


def h5_policy(request: HttpRequest, policy_id: int) -> HttpResponse:
    policy = Policy.objects.filter(pk=policy_id, published=True).prefetch_related("sections").first()
    if policy is None:
        raise NotFound()
    return _h5(request, "rights/h5_policy.html", {"policy": policy})


# --- Staff console --------------------------------------------------------------------------


def attachment_download(request: HttpRequest, attachment_id: int) -> FileResponse:
    """Staff with the appeal in scope, or the worker who filed it."""
    att = AppealAttachment.objects.select_related("appeal").filter(pk=attachment_id).first()
    if att is None or not request.user.is_authenticated:
        raise NotFound()
    if not services.is_own_appeal(request.user, att.appeal):
        selectors.appeal_get(request.user, att.appeal_id)
    return FileResponse(
        att.file.open("rb"), content_type=att.content_type, as_attachment=False, filename=att.name
    )
