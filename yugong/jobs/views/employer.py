"""The employer workbench (recruiters): posts and the intents received. Shown with the partner
workbench navigation (``nav.MerchantPage``); another employer's pages answer 404."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from yugong.accounts.models import request_user
from yugong.core import nav
from yugong.core.errors import ApplicationError, NotFound
from yugong.orgs.decorators import audience_required

from .. import selectors, services
from ..access import access_recruiter_employer
from ..forms import DecideForm, JobPostForm
from ..models import Employer, Intent

recruiter_required = audience_required(
    nav.Audience("recruiter"), message=gettext_lazy("招聘工作台只对用人单位的招聘专员开放。")
)


def _page(request: HttpRequest, template: str, ctx: dict[str, Any], status: int = 200) -> HttpResponse:
    return render(request, template, {"section": "", **ctx}, status=status)


@recruiter_required
def e_home(request: HttpRequest) -> HttpResponse:
    return _page(request, "jobs/e_home.html", {"employers": selectors.recruiter_employers(request.user)})


@recruiter_required
def e_posts(request: HttpRequest, employer_id: int) -> HttpResponse:
    employer = access_recruiter_employer(request.user, employer_id)
    page = Paginator(selectors.employer_posts(employer), 30).get_page(request.GET.get("page"))
    return _page(request, "jobs/e_posts.html", {"employer": employer, "page": page})


@recruiter_required
def e_post_edit(request: HttpRequest, employer_id: int, post_id: int | None = None) -> HttpResponse:
    user = request_user(request)
    employer = access_recruiter_employer(user, employer_id)
    post = selectors.employer_post(employer, post_id) if post_id is not None else None
    fairs = [(f.pk, f.title) for f in selectors.employer_fairs(employer)]
    initial = JobPostForm.initial_from(post) if post else {"district": employer.district}
    form = JobPostForm(request.POST or None, initial=initial, fairs=fairs)
    if request.method == "POST" and form.is_valid():
        fields = form.service_fields()
        fair_id = form.cleaned_data.get("fair")
        try:
            if post is None:
                post = services.post_create(actor=user, employer_id=employer.pk, fair_id=fair_id, **fields)
            else:
                post = services.post_update(actor=user, post_id=post.pk, fair_id=fair_id, **fields)
        except ApplicationError as exc:
            form.take_errors(exc)
        else:
            messages.success(request, _("已保存。提交审核后，经工会审核通过即可发布。"))
            return HttpResponseRedirect(reverse("jobs:e_post_edit", args=[employer.pk, post.pk]))
    status = 422 if request.method == "POST" else 200
    ctx = {"employer": employer, "post": post, "form": form}
    return _page(request, "jobs/e_post_form.html", ctx, status)


POST_ACTIONS = {
    "submit": (services.post_submit, _("已提交审核。")),
    "close": (services.post_close, _("岗位已下架。")),
}


@require_POST
@recruiter_required
def e_post_action(request: HttpRequest, employer_id: int, post_id: int, action: str) -> HttpResponse:
    employer = access_recruiter_employer(request.user, employer_id)
    post = selectors.employer_post(employer, post_id)
    if action not in POST_ACTIONS:
        raise NotFound()
    service, done = POST_ACTIONS[action]
    try:
        service(actor=request_user(request), post_id=post.pk)
    except ApplicationError as exc:
        if exc.status == 404:
            raise
        messages.error(
            request, " ".join([str(exc.message)] + [str(m) for ms in exc.fields.values() for m in ms])
        )
    else:
        messages.success(request, str(done))
    return HttpResponseRedirect(reverse("jobs:e_post_edit", args=[employer.pk, post.pk]))


def _intents(
    request: HttpRequest, employer: Employer, *, revealed: tuple[int, str] | None = None
) -> HttpResponse:
    """The intents received, the phone masked unless the worker shared it and it was just revealed
    (one audited clear view per press of 查看手机号)."""
    status = request.GET.get("status", "")
    page = Paginator(selectors.employer_intents(employer, status=status), 30).get_page(
        request.GET.get("page")
    )
    for intent in page.object_list:
        intent.shown_phone = (
            revealed[1] if revealed and revealed[0] == intent.pk else intent.resume.phone_masked
        )
    ctx = {
        "employer": employer,
        "page": page,
        "status": status,
        "statuses": [s for s in Intent.Status.choices if s[0] != Intent.Status.WITHDRAWN],
        "form": DecideForm(),
    }
    return _page(request, "jobs/e_intents.html", ctx)


@recruiter_required
def e_intents(request: HttpRequest, employer_id: int) -> HttpResponse:
    return _intents(request, access_recruiter_employer(request.user, employer_id))


@require_POST
@recruiter_required
def e_intent_action(request: HttpRequest, employer_id: int, intent_id: int, action: str) -> HttpResponse:
    user = request_user(request)
    employer = access_recruiter_employer(user, employer_id)
    intent = selectors.employer_intents(employer).filter(pk=intent_id).first()
    if intent is None or action not in ("agree", "decline", "contact"):
        raise NotFound()
    form = DecideForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        if action == "contact":
            phone = services.intent_contact_view(actor=user, intent_id=intent.pk)
            return _intents(request, employer, revealed=(intent.pk, phone))
        services.intent_decide(actor=user, intent_id=intent.pk, agree=action == "agree", note=note)
    except ApplicationError as exc:
        if exc.status == 404:
            raise
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("已记录。"))
    return HttpResponseRedirect(reverse("jobs:e_intents", args=[employer.pk]))
