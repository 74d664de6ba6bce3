"""Worker pages (mobile-first): search jobs, a post with the intent form, fairs, my résumés and
my intents."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yugong.accounts.models import request_user
from yugong.core.errors import ApplicationError, NotFound
from yugong.orgs.decorators import worker_required

from .. import selectors, services
from ..forms import IntentForm, ResumeForm, SearchForm


def _h5(request: HttpRequest, template: str, ctx: dict[str, Any], status: int = 200) -> HttpResponse:
    return render(request, template, {"tab": "services", **ctx}, status=status)


def h5_list(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    filters = selectors.JobFilters()
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = selectors.JobFilters(
            q=data["q"],
            district=data["district"],
            employment_type=data["employment_type"],
            pay_from_fen=int(data["pay_from"] or 0) * 100,
        )
    ctx = {
        "form": form,
        "posts": selectors.search_posts(filters, limit=30),
        "districts": selectors.districts(),
        "searched": bool(filters.q.strip()),
    }
    return _h5(request, "jobs/h5_list.html", ctx)


def _resume_choices(request: HttpRequest) -> list[tuple[int, str]]:
    return [(r.pk, r.title) for r in selectors.my_resumes(request.user)]


def _detail(request: HttpRequest, post_id: int, form: IntentForm | None, status: int = 200) -> HttpResponse:
    post = selectors.public_post(post_id)
    mine = selectors.my_intent_for(request.user, post)
    if form is None and request.user.is_authenticated:
        form = IntentForm(resumes=_resume_choices(request))
    return _h5(request, "jobs/h5_detail.html", {"post": post, "mine": mine, "form": form}, status)


def h5_detail(request: HttpRequest, post_id: int) -> HttpResponse:
    return _detail(request, post_id, None)


@require_POST
@worker_required
def h5_intent(request: HttpRequest, post_id: int) -> HttpResponse:
    form = IntentForm(request.POST, resumes=_resume_choices(request))
    if form.is_valid():
        try:
            services.intent_send(
                actor=request_user(request),
                post_id=post_id,
                resume_id=form.cleaned_data["resume"],
                message=form.cleaned_data["message"],
            )
        except ApplicationError as exc:
            if exc.status == 404:
                raise
            form.take_errors(exc)
        else:
            messages.success(request, _("已投递，单位处理后会在“我的求职”里显示。"))
            return HttpResponseRedirect(reverse("jobs:h5_mine"))
    return _detail(request, post_id, form, status=422)


def h5_fairs(request: HttpRequest) -> HttpResponse:
    return _h5(request, "jobs/h5_fairs.html", {"fairs": list(selectors.public_fairs()[:50])})


def h5_fair(request: HttpRequest, fair_id: int) -> HttpResponse:
    fair = selectors.public_fair(fair_id)
    posts = selectors.search_posts(selectors.JobFilters(fair_id=fair.pk), limit=100)
    ctx = {"fair": fair, "booths": selectors.fair_booths(fair), "posts": posts}
    return _h5(request, "jobs/h5_fair.html", ctx)


@worker_required
def h5_mine(request: HttpRequest) -> HttpResponse:
    ctx = {"intents": list(selectors.my_intents(request.user)[:100])}
    return _h5(request, "jobs/h5_mine.html", ctx)


INTENT_ACTIONS = {
    "confirm": (services.intent_confirm, _("已确认，祝您就业顺利！")),
    "withdraw": (services.intent_withdraw, _("已撤回投递。")),
    "share": (services.intent_share_contact, _("已向单位公开手机号。")),
}


@require_POST
@worker_required
def h5_intent_action(request: HttpRequest, intent_id: int, action: str) -> HttpResponse:
    if action not in INTENT_ACTIONS:
        raise NotFound()
    service, done = INTENT_ACTIONS[action]
    try:
        service(actor=request_user(request), intent_id=intent_id)
    except ApplicationError as exc:
        if exc.status == 404:
            raise
        messages.error(request, str(exc.message))
    else:
        messages.success(request, str(done))
    return HttpResponseRedirect(reverse("jobs:h5_mine"))


@worker_required
def h5_resumes(request: HttpRequest) -> HttpResponse:
    return _h5(request, "jobs/h5_resumes.html", {"resumes": list(selectors.my_resumes(request.user))})


@worker_required
def h5_resume_edit(request: HttpRequest, resume_id: int | None = None) -> HttpResponse:
    user = request_user(request)
    resume = selectors.my_resume(user, resume_id) if resume_id is not None else None
    if resume is not None:
        initial: dict[str, Any] = {
            "title": resume.title,
            "name": resume.name,
            "phone": resume.phone,
            "education": resume.education,
            "experience_years": resume.experience_years,
            "skills": resume.skills,
            "expected_pay": resume.expected_pay_fen // 100,
            "intro": resume.intro,
        }
    else:
        initial = {"name": user.display_name, "phone": user.phone}
    form = ResumeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.resume_save(actor=user, resume_id=resume_id, **form.service_fields())
        except ApplicationError as exc:
            if exc.status == 404:
                raise
            form.take_errors(exc)
        else:
            messages.success(request, _("简历已保存。"))
            back = request.GET.get("next", "")
            if back.startswith("/jobs/") and "//" not in back:
                return HttpResponseRedirect(back)
            return HttpResponseRedirect(reverse("jobs:h5_resumes"))
    status = 422 if request.method == "POST" else 200
    return _h5(request, "jobs/h5_resume_form.html", {"form": form, "resume": resume}, status)
