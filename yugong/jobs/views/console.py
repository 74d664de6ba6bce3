"""Staff console (一站享 section): review posts, run job fairs and booths, manage employers'
recruiter accounts — all inside the officer's subtree (outside answers 404)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from yugong.accounts.models import request_user
from yugong.core.errors import ApplicationError, NotFound
from yugong.orgs.access import staff_scope
from yugong.orgs.decorators import console_required

from .. import selectors, services
from ..access import REVIEW_ROLES, access_staff_employer, staff_employers
from ..forms import BoothForm, BoothRemoveForm, FairForm, RecruiterForm, RecruiterRemoveForm, ReviewForm
from ..models import JobFair, JobPost, Recruiter


def _console(request: HttpRequest, template: str, ctx: dict[str, Any], status: int = 200) -> HttpResponse:
    return render(request, template, {"section": "services", **ctx}, status=status)


def _error_text(exc: ApplicationError) -> str:
    return " ".join([str(exc.message)] + [str(m) for ms in exc.fields.values() for m in ms])


@console_required
def c_posts(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", JobPost.Status.PENDING)
    if status not in JobPost.Status.values:
        status = ""
    page = Paginator(selectors.staff_posts(request.user, status=status), 30).get_page(request.GET.get("page"))
    ctx = {
        "page": page,
        "status": status,
        "statuses": JobPost.Status.choices,
        "counts": selectors.staff_counts(request.user),
    }
    return _console(request, "jobs/c_posts.html", ctx)


@console_required
def c_post(request: HttpRequest, post_id: int) -> HttpResponse:
    post = selectors.staff_post(request.user, post_id)
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        approve = form.cleaned_data["decision"] == "approve"
        try:
            services.post_review(
                actor=request_user(request), post_id=post.pk, approve=approve, note=form.cleaned_data["note"]
            )
        except ApplicationError as exc:
            if exc.status == 404:
                raise
            form.take_errors(exc)
        else:
            messages.success(request, _("已发布。") if approve else _("已退回。"))
            return HttpResponseRedirect(reverse("jobs:c_posts"))
    ctx = {"post": post, "form": form, "flags": services.wording_errors(post)}
    return _console(request, "jobs/c_post.html", ctx, 422 if form.errors else 200)


@console_required
def c_fairs(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.staff_fairs(request.user), 30).get_page(request.GET.get("page"))
    return _console(request, "jobs/c_fairs.html", {"page": page})


def _union_choices(request: HttpRequest) -> list[tuple[int, str]]:
    return [(u.pk, u.name) for u in staff_scope(request.user, REVIEW_ROLES)]


def _employer_choices(request: HttpRequest) -> list[tuple[int, str]]:
    return [(e.pk, e.name) for e in staff_employers(request.user).order_by("name", "pk")[:500]]


FAIR_ACTIONS = {"publish": services.fair_publish, "cancel": services.fair_cancel}


@console_required
def c_fair_edit(request: HttpRequest, fair_id: int | None = None) -> HttpResponse:
    user = request_user(request)
    fair = selectors.staff_fair(user, fair_id) if fair_id is not None else None
    if fair is None and not _union_choices(request):
        raise NotFound()
    action = request.POST.get("action", "save") if request.method == "POST" else ""
    initial = {k: getattr(fair, k) for k in services.fairs.FAIR_FIELDS} if fair else {}
    form = FairForm(
        request.POST if action == "save" else None,
        initial=initial,
        unions=None if fair else _union_choices(request),
    )
    booth_form = BoothForm(request.POST if action == "booth" else None, employers=_employer_choices(request))
    try:
        if action == "save" and form.is_valid():
            fields = form.service_fields()
            if fair is None:
                fair = services.fair_create(actor=user, union_id=form.cleaned_data["union"], **fields)
            else:
                services.fair_update(actor=user, fair_id=fair.pk, **fields)
            messages.success(request, _("已保存。"))
            return HttpResponseRedirect(reverse("jobs:c_fair_edit", args=[fair.pk]))
        if fair is not None and action in FAIR_ACTIONS:
            FAIR_ACTIONS[action](actor=user, fair_id=fair.pk)
            messages.success(request, _("已更新状态。"))
            return HttpResponseRedirect(reverse("jobs:c_fair_edit", args=[fair.pk]))
        if fair is not None and action == "booth" and booth_form.is_valid():
            services.booth_add(
                actor=user,
                fair_id=fair.pk,
                employer_id=booth_form.cleaned_data["employer"],
                label=booth_form.cleaned_data["label"],
            )
            messages.success(request, _("已添加展位。"))
            return HttpResponseRedirect(reverse("jobs:c_fair_edit", args=[fair.pk]))
        if fair is not None and action == "unbooth":
            remove = BoothRemoveForm(request.POST)
            remove.is_valid()  # one optional id: the service answers not found for a bad one
            services.booth_remove(actor=user, booth_id=remove.cleaned_data["booth"])
            messages.success(request, _("已移除展位。"))
            return HttpResponseRedirect(reverse("jobs:c_fair_edit", args=[fair.pk]))
    except ApplicationError as exc:
        if exc.status == 404:
            raise
        target = booth_form if action == "booth" else form
        if action in ("save", "booth"):
            target.take_errors(exc)
        else:
            messages.error(request, _error_text(exc))
    ctx = {
        "fair": fair,
        "form": form,
        "booth_form": booth_form,
        "booths": selectors.fair_booths(fair) if fair else [],
        "kinds": JobFair.Kind,
        "checkins": fair.checkins.count() if fair else 0,
    }
    status = 422 if form.errors or booth_form.errors else 200
    return _console(request, "jobs/c_fair_form.html", ctx, status)


@console_required
def c_employers(request: HttpRequest) -> HttpResponse:
    qs = staff_employers(request.user).order_by("name", "pk")
    query = request.GET.get("q", "").strip()[:50]
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(uscc=query.upper()))
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    ids = [e.pk for e in page.object_list]
    counts = dict(
        Recruiter.objects.filter(employer_id__in=ids, active=True)
        .values("employer_id")
        .annotate(n=Count("pk"))
        .values_list("employer_id", "n")
    )
    for employer in page.object_list:
        employer.recruiter_count = counts.get(employer.pk, 0)
    return _console(request, "jobs/c_employers.html", {"page": page, "q": query})


@console_required
def c_employer(request: HttpRequest, employer_id: int) -> HttpResponse:
    user = request_user(request)
    employer = access_staff_employer(user, employer_id)
    form = RecruiterForm(request.POST if request.POST.get("action") == "add" else None)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "add" and form.is_valid():
                services.recruiter_add(actor=user, employer_id=employer.pk, login=form.cleaned_data["login"])
                messages.success(request, _("已添加招聘专员。"))
                return HttpResponseRedirect(reverse("jobs:c_employer", args=[employer.pk]))
            if request.POST.get("action") == "remove":
                remove = RecruiterRemoveForm(request.POST)
                remove.is_valid()  # one optional id: the service answers not found for a bad one
                services.recruiter_remove(actor=user, recruiter_id=remove.cleaned_data["recruiter"])
                messages.success(request, _("已停用该招聘专员。"))
                return HttpResponseRedirect(reverse("jobs:c_employer", args=[employer.pk]))
        except ApplicationError as exc:
            if exc.status == 404:
                raise
            form.take_errors(exc)
    ctx = {"employer": employer, "form": form, "recruiters": selectors.employer_recruiters(employer)}
    return _console(request, "jobs/c_employer.html", ctx, 422 if form.errors else 200)
