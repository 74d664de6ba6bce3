"""Quizzes (测验) as lessons: single choice, multiple choice and true/false questions, a pass mark
and a limit of tries, scored on the server.

The ideas of the contests' question bank, written again here (scenario apps never import each
other): answers are normalised to sorted distinct option letters; a multiple-choice question scores
only when exactly right; the paper sent to the browser carries no answers (:func:`paper`), and the
answers and explanations are shown only after a submission (:func:`quiz_submit` returns them).

A submission locks the learner's progress row of the lesson, counts the tries under that lock
(the unique (lesson, person, number) is the last judge), and a passing try completes the lesson —
and the course, with its outcome and certificate, when it was the last step — in the same
transaction (``progress.complete_lesson``).
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.core.audit import audit_record
from yugong.core.errors import Conflict, NotFound, ValidationFailed
from yugong.core.facts import fact_record
from yugong.core.timeutil import now as tz_now
from yugong.core.validators import clean_text
from yugong.members.models import Person
from yugong.orgs.access import MANAGE_ROLES, access_object, require_role

from .models import Enrollment, Lesson, LessonProgress, QuizAttempt, QuizQuestion
from .progress import complete_lesson

LETTERS = string.ascii_uppercase[:8]
TRUE_FALSE_OPTIONS = ["正确", "错误"]


def normalise_answer(kind: str, value: Any, n_options: int) -> str:
    """An answer as sorted distinct letters within the options ("" when blank or malformed)."""
    text = "".join(str(v) for v in value) if isinstance(value, list | tuple) else str(value or "")
    allowed = LETTERS[:n_options]
    letters = sorted({ch for ch in text.upper() if ch in allowed})
    if kind != QuizQuestion.Kind.MULTIPLE and len(letters) > 1:
        return ""
    return "".join(letters)


@transaction.atomic
def question_add(
    *,
    actor: User,
    lesson: Lesson | int,
    kind: str,
    stem: str,
    options: list[str],
    answer: str,
    explanation: str = "",
) -> QuizQuestion:
    """Add a question to a quiz lesson of a course the actor manages."""
    pk = lesson.pk if isinstance(lesson, Lesson) else lesson
    found = access_object(
        Lesson.objects.select_related("course__union"), actor, pk, path_field="course__union__path"
    )
    require_role(actor, found.course.union, MANAGE_ROLES)
    errors: dict[str, Any] = {}
    if found.kind != Lesson.Kind.QUIZ:
        errors["lesson"] = _("只有测验课时可以添加题目。")
    if kind not in QuizQuestion.Kind.values:
        errors["kind"] = _("请选择题型。")
    stem = clean_text(stem)
    if not stem or len(stem) > 1000:
        errors["stem"] = _("请填写题干（1000字以内）。")
    if kind == QuizQuestion.Kind.TRUE_FALSE:
        options = list(TRUE_FALSE_OPTIONS)
    options = [clean_text(o) for o in options if clean_text(o)]
    if not 2 <= len(options) <= len(LETTERS) or any(len(o) > 200 for o in options):
        errors["options"] = _("选项应有2到8个，每个200字以内。")
    given = normalise_answer(kind, answer, len(options))
    if not given or (kind == QuizQuestion.Kind.MULTIPLE and len(given) < 2):
        errors["answer"] = _("请填写正确答案的选项字母（多选题至少两个，如 AC）。")
    if errors:
        raise ValidationFailed(fields=errors)
    order = (found.questions.aggregate(m=Max("order"))["m"] or 0) + 1
    q = QuizQuestion.objects.create(
        lesson=found,
        kind=kind,
        stem=stem,
        options=options,
        answer=given,
        explanation=clean_text(explanation)[:1000],
        order=order,
    )
    audit_record(actor=actor, action="learning.question_add", obj=q, union_id=found.course.union_id)
    return q


@dataclass(frozen=True)
class PaperQuestion:
    """A question as the browser gets it before submission: no answer, no explanation."""

    id: int
    kind: str
    stem: str
    options: list[tuple[str, str]]  # (letter, text)


def paper(lesson: Lesson) -> list[PaperQuestion]:
    rows = QuizQuestion.objects.filter(lesson=lesson).values_list("id", "kind", "stem", "options")
    return [
        PaperQuestion(id=qid, kind=kind, stem=stem, options=list(zip(LETTERS, options, strict=False)))
        for qid, kind, stem, options in rows
    ]


@dataclass(frozen=True)
class Marked:
    id: int
    stem: str
    given: str
    answer: str
    right: bool
    explanation: str


@dataclass(frozen=True)
class QuizResult:
    attempt: QuizAttempt
    marked: list[Marked]
    attempts_left: int
    lesson_completed: bool
    course_completed: bool


def attempts_used(person: Person | None, lesson: Lesson) -> list[QuizAttempt]:
    if person is None:
        return []
    return list(QuizAttempt.objects.filter(lesson=lesson, person=person).order_by("number"))


@transaction.atomic
def quiz_submit(*, person: Person, lesson_id: int, answers: dict[str, Any], actor: User | None) -> QuizResult:
    lesson = (
        Lesson.objects.select_related("course")
        .filter(pk=lesson_id, kind=Lesson.Kind.QUIZ, course__status="published")
        .first()
    )
    if lesson is None:
        raise NotFound()
    questions = list(QuizQuestion.objects.filter(lesson=lesson))
    if not questions:
        raise Conflict(_("该测验还没有题目。"))
    # The lock orders one learner's submissions of this quiz: the count below cannot go stale.
    progress, _created = LessonProgress.objects.select_for_update().get_or_create(
        lesson=lesson, person=person
    )
    Enrollment.objects.get_or_create(course=lesson.course, person=person)
    if progress.completed_at is not None:
        raise Conflict(_("您已通过该测验。"))
    used = QuizAttempt.objects.filter(lesson=lesson, person=person).count()
    if used >= lesson.max_attempts:
        raise Conflict(_("答题次数已用完（共%(n)d次）。") % {"n": lesson.max_attempts})
    marked: list[Marked] = []
    cleaned: dict[str, str] = {}
    for q in questions:
        raw = answers.get(str(q.pk), answers.get(q.pk, ""))  # type: ignore[call-overload]
        given = normalise_answer(q.kind, raw, len(q.options))
        cleaned[str(q.pk)] = given
        marked.append(Marked(q.pk, q.stem, given, q.answer, given == q.answer, q.explanation))
    correct = sum(1 for m in marked if m.right)
    percent = correct * 100 // len(questions)
    passed = percent >= lesson.pass_percent
    now = tz_now()
    attempt = QuizAttempt.objects.create(
        lesson=lesson,
        person=person,
        number=used + 1,
        answers=cleaned,
        correct=correct,
        total=len(questions),
        percent=percent,
        passed=passed,
        submitted_at=now,
    )
    audit_record(actor=actor, action="learning.quiz_submit", obj=attempt, union_id=lesson.course.union_id)
    fact_record(
        metric="learning_quiz_attempts", union_id=lesson.course.union_id, dim="pass" if passed else "fail"
    )
    course_completed = False
    if passed:
        progress.credited_seconds = lesson.duration_seconds
        course_completed = complete_lesson(
            progress=progress, lesson=lesson, person=person, now=now, actor=actor
        )
    return QuizResult(
        attempt=attempt,
        marked=marked,
        attempts_left=lesson.max_attempts - used - 1,
        lesson_completed=passed,
        course_completed=course_completed,
    )
