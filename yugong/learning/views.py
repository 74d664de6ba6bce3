"""Worker pages: my courses, a course, the lesson player (heartbeats from static
``yugong/learning.js``), my credits."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from yugong.accounts.models import request_user
from yugong.core.errors import ApplicationError, ValidationFailed
from yugong.members.models import Person
from yugong.orgs.decorators import worker_required

from . import selectors
from .bank import credit_statement
from .conversion import programme_statement
from .forms import SkillsCertificateForm, StatementPageForm
from .media import source_options
from .models import Lesson
from .skills import skills_certificate_deposit


def _h5(request: HttpRequest, template: str, ctx: dict[str, Any]) -> HttpResponse:
    return render(request, template, {"tab": "growth", **ctx})


def _person(request: HttpRequest) -> Person | None:
    return Person.objects.filter(user=request_user(request)).first()


@worker_required
def h5_courses(request: HttpRequest) -> HttpResponse:
    return _h5(request, "learning/h5_courses.html", {"rows": selectors.my_courses(_person(request))})


@worker_required
def h5_course(request: HttpRequest, pk: int) -> HttpResponse:
    course = selectors.course_for_worker(pk)
    progress = selectors.progress_by_lesson(_person(request), course)
    units = [
        (unit, [(lesson, progress.get(lesson.pk)) for lesson in unit.lessons.all()])
        for unit in course.units.prefetch_related("lessons")
    ]
    return _h5(request, "learning/h5_course.html", {"course": course, "units": units})


@worker_required
def h5_lesson(request: HttpRequest, pk: int) -> HttpResponse:
    lesson = selectors.lesson_for_worker(pk)
    if lesson.kind == Lesson.Kind.QUIZ:
        return HttpResponseRedirect(reverse("learning:h5_quiz", args=[lesson.pk]))
    if lesson.kind in Lesson.NOT_WATCHED:
        return HttpResponseRedirect(reverse("learning:h5_class", args=[lesson.pk]))
    person = _person(request)
    progress = selectors.progress_by_lesson(person, lesson.course).get(lesson.pk)
    sources = [
        (option, reverse("learning:lesson_media", args=[lesson.pk, option.label]))
        for option in source_options(lesson)
    ]
    ctx = {"lesson": lesson, "progress": progress, "has_person": person is not None, "sources": sources}
    return _h5(request, "learning/h5_lesson.html", ctx)


@worker_required
def h5_credits(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    form = StatementPageForm(request.GET)
    after = form.cleaned_data["after"] if form.is_valid() else ""
    statement = credit_statement(person, after=after) if person else None
    ctx = {"statement": statement, "programmes": programme_statement(person) if not after else []}
    return _h5(request, "learning/h5_credits.html", ctx)


@worker_required
def h5_skills(request: HttpRequest) -> HttpResponse:
    """Deposit a skills-level certificate (职业技能等级证书) for review by the worker's union."""
    person = _person(request)
    form = SkillsCertificateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            if person is None:
                raise ValidationFailed(fields={"person": _("请先完成实名认证，开通终身学习账户。")})
            skills_certificate_deposit(actor=request_user(request), person=person, **form.cleaned_data)
        except ApplicationError as exc:
            form.take_errors(exc)
        else:
            messages.success(request, _("证书已存入学分银行，待所在工会审核。"))
            return HttpResponseRedirect(reverse("learning:h5_credits"))
    return _h5(request, "learning/h5_skills.html", {"form": form})
