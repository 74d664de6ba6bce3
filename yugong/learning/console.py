"""Staff console pages of learning (一链培 section): providers and courses (create, edit, units,
micro-lessons) and the credit bank's outcome review queue. Every write goes through a form and its
service; everything is scoped to the staff member's subtree."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yugong.accounts.models import request_user
from yugong.core.errors import ApplicationError, PermissionDenied, reraise_refusal
from yugong.orgs.access import MANAGE_ROLES, access_union, can_act, staff_scope
from yugong.orgs.decorators import console_required

from . import catalogue, selectors
from .bank import outcome_review
from .forms import (
    CourseEditForm,
    CourseForm,
    LessonForm,
    LessonUploadForm,
    OutcomeReviewForm,
    ProviderForm,
    QuestionForm,
    UnitForm,
)
from .media import lesson_upload
from .models import Lesson, MediaStatus, Outcome
from .quiz import question_add


def _console(request: HttpRequest, template: str, ctx: dict[str, Any]) -> HttpResponse:
    return render(request, template, {"section": "growth", **ctx})


def _unions(request: HttpRequest) -> list[tuple[int, str]]:
    return [(u.pk, u.name) for u in staff_scope(request.user, MANAGE_ROLES)]


@console_required
def courses(request: HttpRequest) -> HttpResponse:
    """The courses of the subtree, and the forms for a new provider and a new course."""
    unions = _unions(request)
    providers = list(selectors.staff_providers(request.user)[:300])
    which = request.POST.get("form") if request.method == "POST" else None
    provider_form = ProviderForm(request.POST if which == "provider" else None)
    provider_form.set_choices("union", unions)
    course_form = CourseForm(request.POST if which == "course" else None)
    course_form.set_choices("provider", [(p.pk, p.name) for p in providers])
    if request.method == "POST":
        if not unions:
            raise PermissionDenied()
        actor = request_user(request)
        if which == "provider" and provider_form.is_valid():
            data = dict(provider_form.cleaned_data)
            try:
                catalogue.provider_create(actor=actor, union=access_union(actor, data.pop("union")), **data)
            except ApplicationError as exc:
                reraise_refusal(exc)
                provider_form.take_errors(exc)
            else:
                messages.success(request, _("已新建课程提供方。"))
                return HttpResponseRedirect(reverse("learning:console_courses"))
        elif which == "course" and course_form.is_valid():
            try:
                course = catalogue.course_create(actor=actor, **course_form.cleaned_data)
            except ApplicationError as exc:
                reraise_refusal(exc)
                course_form.take_errors(exc)
            else:
                messages.success(request, _("已新建课程草稿，请添加单元和微课。"))
                return HttpResponseRedirect(reverse("learning:console_course", args=[course.pk]))
    page = Paginator(selectors.staff_courses(request.user), 30).get_page(request.GET.get("page"))
    ctx = {
        "page": page,
        "providers": providers,
        "provider_form": provider_form if unions else None,
        "course_form": course_form if unions and providers else None,
    }
    return _console(request, "learning/console_courses.html", ctx)


@console_required
def course(request: HttpRequest, pk: int) -> HttpResponse:
    """One course: edit it, add units and micro-lessons (one form per button, chosen by ``form``)."""
    c = selectors.staff_course(request.user, pk)
    units = list(c.units.prefetch_related("lessons__questions", "lessons__renditions"))
    which = request.POST.get("form") if request.method == "POST" else None
    initial = {f: getattr(c, f) for f in catalogue.EDITABLE}
    edit_form = CourseEditForm(request.POST if which == "edit" else None, initial=initial)
    unit_form = UnitForm(request.POST if which == "unit" else None)
    lesson_form = LessonForm(request.POST if which == "lesson" else None)
    lesson_form.set_choices("unit", [(u.pk, u.title) for u in units])
    upload_form = LessonUploadForm(
        request.POST if which == "upload" else None,
        request.FILES if which == "upload" else None,
        auto_id="upload_%s",  # the lesson form beside it has the same field names
    )
    upload_form.set_choices("unit", [(u.pk, u.title) for u in units])
    quizzes = [
        (lesson.pk, lesson.title) for u in units for lesson in u.lessons.all() if lesson.kind == "quiz"
    ]
    question_form = QuestionForm(request.POST if which == "question" else None)
    question_form.set_choices("lesson", quizzes)
    forms_by_name = {
        "edit": edit_form,
        "unit": unit_form,
        "lesson": lesson_form,
        "upload": upload_form,
        "question": question_form,
    }
    if which in forms_by_name:
        form = forms_by_name[which]
        if form.is_valid():
            actor = request_user(request)
            saved = _("已保存。")
            try:
                if which == "edit":
                    catalogue.course_update(actor=actor, course=c, **form.cleaned_data)
                elif which == "unit":
                    catalogue.unit_add(actor=actor, course=c, **form.cleaned_data)
                elif which == "question":
                    question_add(actor=actor, **form.cleaned_data)
                elif which == "upload":
                    data = dict(form.cleaned_data)
                    uploaded = lesson_upload(actor=actor, upload=data.pop("file"), **data)
                    saved = _upload_note(uploaded)
                else:
                    data = dict(form.cleaned_data)
                    data["media_bytes"] = data.get("media_bytes") or 0
                    catalogue.lesson_add(actor=actor, **data)
            except ApplicationError as exc:
                reraise_refusal(exc)
                form.take_errors(exc)
            else:
                messages.success(request, saved)
                return HttpResponseRedirect(reverse("learning:console_course", args=[c.pk]))
    ctx = {
        "c": c,
        "units": units,
        "manage": can_act(request.user, c.union, MANAGE_ROLES),
        "edit_form": edit_form,
        "unit_form": unit_form,
        "lesson_form": lesson_form,
        "upload_form": upload_form,
        "question_form": question_form if quizzes else None,
    }
    return _console(request, "learning/console_course.html", ctx)


def _upload_note(lesson: Lesson) -> str:
    lesson.refresh_from_db(fields=["media_status"])  # the transcode may have run at commit
    if lesson.media_status == MediaStatus.READY:
        return _("已上传并转码完成。")
    if lesson.media_status == MediaStatus.PENDING:
        return _("已上传，正在后台转码。")
    if lesson.media_status in (MediaStatus.ORIGINAL, MediaStatus.FAILED):
        return _("已上传，但未能转码，学员将播放原文件。")
    return _("已上传。")


@console_required
def outcomes(request: HttpRequest) -> HttpResponse:
    """The credit bank's review queue: outcomes deposited in the subtree, with who decided and why."""
    status = request.GET.get("status", Outcome.Status.DEPOSITED)
    page = Paginator(selectors.outcome_queue(request.user, status=status), 30).get_page(
        request.GET.get("page")
    )
    ctx = {"page": page, "status": status, "statuses": Outcome.Status.choices, "form": OutcomeReviewForm()}
    return _console(request, "learning/console_outcomes.html", ctx)


@console_required
@require_POST
def outcome_decide(request: HttpRequest, pk: int) -> HttpResponse:
    form = OutcomeReviewForm(request.POST)
    try:
        if not form.is_valid():
            messages.error(request, "；".join(str(m) for msgs in form.errors.values() for m in msgs))
        else:
            approve = form.cleaned_data["decision"] == "approve"
            outcome_review(
                actor=request_user(request), outcome_id=pk, approve=approve, note=form.cleaned_data["note"]
            )
            messages.success(request, _("已审核。"))
    except ApplicationError as exc:
        reraise_refusal(exc)
        details = "；".join(str(m) for msgs in exc.fields.values() for m in msgs)
        messages.error(request, details or str(exc.message))
    return HttpResponseRedirect(reverse("learning:console_outcomes"))
