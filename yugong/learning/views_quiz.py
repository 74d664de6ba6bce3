"""The quiz page of a quiz lesson: the paper (no answers in it), the submission scored on the
server, and the result with the right answers and explanations shown only after submitting."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from yugong.accounts.models import request_user
from yugong.core.errors import ApplicationError, NotFound, ValidationFailed, reraise_refusal
from yugong.orgs.decorators import worker_required

from . import selectors
from .forms import QuizForm
from .models import Certificate, Lesson
from .quiz import QuizResult, attempts_used, paper, quiz_submit
from .views import _h5, _person


@worker_required
def h5_quiz(request: HttpRequest, pk: int) -> HttpResponse:
    lesson = selectors.lesson_for_worker(pk)
    if lesson.kind != Lesson.Kind.QUIZ:
        raise NotFound()
    person = _person(request)
    questions = paper(lesson)
    form = QuizForm(request.POST or None, questions=questions)
    result: QuizResult | None = None
    if request.method == "POST" and form.is_valid():
        try:
            if person is None:
                raise ValidationFailed(fields={"person": _("请先完成实名认证，开通终身学习账户。")})
            result = quiz_submit(
                person=person, lesson_id=lesson.pk, answers=form.answers(), actor=request_user(request)
            )
        except ApplicationError as exc:
            reraise_refusal(exc)
            form.take_errors(exc)
    tries = attempts_used(person, lesson)
    passed = any(a.passed for a in tries)
    certificate = (
        Certificate.objects.filter(person=person, course_id=lesson.course_id).first()
        if person and passed
        else None
    )
    ctx = {
        "lesson": lesson,
        "form": form,
        "result": result,
        "tries": tries,
        "passed": passed,
        "left": max(lesson.max_attempts - len(tries), 0),
        "certificate": certificate,
        "has_person": person is not None,
    }
    return _h5(request, "learning/h5_quiz.html", ctx)
