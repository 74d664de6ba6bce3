"""Quizzes: questions added by staff, the paper without answers, server-side scoring, the pass
mark and the limit of tries, and passing as the last step completing the course (outcome and
certificate) in the same transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.helpers import UserFactory, grant, make_union
from yugong.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from yugong.core.models import AuditEvent
from yugong.learning.models import Certificate, Enrollment, LessonProgress, Outcome, QuizAttempt
from yugong.learning.progress import heartbeat
from yugong.learning.quiz import normalise_answer, paper, question_add, quiz_submit
from yugong.members.tests.factories import make_person

from .factories import make_quiz_course

pytestmark = pytest.mark.django_db

RIGHT = {"single": "A", "multiple": ["A", "B"], "truefalse": "B"}


def _answers(quiz: Any, **wrong: str) -> dict[str, Any]:
    return {str(q.pk): wrong.get(q.kind, RIGHT[q.kind]) for q in quiz.questions.all()}


def _finish_text(person: Any, course: Any) -> None:
    text = course.lessons.get(kind="text")
    LessonProgress.objects.create(
        lesson=text, person=person, credited_seconds=20, completed_at=dt.datetime.now(dt.UTC)
    )
    Enrollment.objects.get_or_create(course=course, person=person)


def test_answers_normalise_like_the_question_bank() -> None:
    assert normalise_answer("multiple", ["b", "A", "A"], 4) == "AB"
    assert normalise_answer("single", "AB", 4) == ""  # two letters for a single choice: blank
    assert normalise_answer("single", "E", 4) == ""  # no such option
    assert normalise_answer("truefalse", "b", 2) == "B"


def test_staff_add_questions_with_clear_errors() -> None:
    city = make_union(None)
    course = make_quiz_course(city)
    quiz = course.lessons.get(kind="quiz")
    staff = UserFactory()
    grant(staff, city, "staff")
    q = question_add(actor=staff, lesson=quiz, kind="truefalse", stem="持证上岗", options=[], answer="a")
    assert q.options == ["正确", "错误"] and q.answer == "A"
    with pytest.raises(ValidationFailed) as exc:
        question_add(actor=staff, lesson=quiz, kind="multiple", stem="题", options=["甲", "乙"], answer="A")
    assert "answer" in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:
        question_add(actor=staff, lesson=quiz, kind="single", stem="", options=["甲"], answer="A")
    assert {"stem", "options"} <= set(exc.value.fields)
    text = course.lessons.get(kind="text")
    with pytest.raises(ValidationFailed) as exc:
        question_add(actor=staff, lesson=text, kind="single", stem="题", options=["甲", "乙"], answer="A")
    assert "lesson" in exc.value.fields
    viewer, outsider = UserFactory(), UserFactory()
    grant(viewer, city, "viewer")
    grant(outsider, make_union(None, name="另一总工会"), "staff")
    with pytest.raises(PermissionDenied):
        question_add(actor=viewer, lesson=quiz, kind="single", stem="题", options=["甲", "乙"], answer="A")
    with pytest.raises(NotFound):
        question_add(actor=outsider, lesson=quiz, kind="single", stem="题", options=["甲", "乙"], answer="A")


def test_the_paper_carries_no_answers() -> None:
    course = make_quiz_course(make_union(None))
    quiz = course.lessons.get(kind="quiz")
    for q in paper(quiz):
        assert not hasattr(q, "answer") and not hasattr(q, "explanation")
        assert [letter for letter, _text in q.options][:2] == ["A", "B"]


def test_scoring_the_pass_mark_and_the_limit_of_tries() -> None:
    course = make_quiz_course(make_union(None), pass_percent=100, max_attempts=2)
    quiz = course.lessons.get(kind="quiz")
    person = make_person()
    _finish_text(person, course)
    # a multiple-choice answer only half right scores nothing
    first = quiz_submit(person=person, lesson_id=quiz.pk, answers=_answers(quiz, multiple="A"), actor=None)
    assert (first.attempt.correct, first.attempt.total, first.attempt.percent) == (2, 3, 66)
    assert not first.attempt.passed and first.attempts_left == 1 and not first.course_completed
    assert [m.right for m in first.marked] == [True, False, True]
    assert Certificate.objects.count() == 0
    second = quiz_submit(person=person, lesson_id=quiz.pk, answers=_answers(quiz, truefalse="A"), actor=None)
    assert not second.attempt.passed and second.attempts_left == 0
    with pytest.raises(Conflict):
        quiz_submit(person=person, lesson_id=quiz.pk, answers=_answers(quiz), actor=None)
    assert QuizAttempt.objects.filter(person=person).count() == 2
    assert Outcome.objects.count() == 0


def test_passing_the_last_step_completes_the_course_in_the_same_transaction() -> None:
    course = make_quiz_course(make_union(None), credits=3)
    quiz = course.lessons.get(kind="quiz")
    person = make_person()
    _finish_text(person, course)
    result = quiz_submit(person=person, lesson_id=quiz.pk, answers=_answers(quiz), actor=None)
    assert result.attempt.passed and result.lesson_completed and result.course_completed
    enrollment = Enrollment.objects.get(course=course, person=person)
    assert enrollment.completed_at is not None
    cert = Certificate.objects.get(enrollment=enrollment)
    assert cert.credits == 3 and cert.title == course.title and len(cert.code) == 12
    assert Outcome.objects.get(source="course").credits_claimed == 3
    assert AuditEvent.objects.filter(action="learning.certificate_issue").count() == 1
    with pytest.raises(Conflict):  # passed already: no more tries
        quiz_submit(person=person, lesson_id=quiz.pk, answers=_answers(quiz), actor=None)


def test_a_quiz_passed_before_the_other_lessons_completes_the_course_with_the_last_lesson() -> None:
    course = make_quiz_course(make_union(None))
    quiz = course.lessons.get(kind="quiz")
    person = make_person()
    assert not quiz_submit(
        person=person, lesson_id=quiz.pk, answers=_answers(quiz), actor=None
    ).course_completed
    assert not Certificate.objects.exists()
    text = course.lessons.get(kind="text")
    t0 = dt.datetime(2026, 5, 1, 9, tzinfo=dt.UTC)
    import time_machine

    with time_machine.travel(t0, tick=False) as t:
        heartbeat(
            person=person, lesson_id=text.pk, session_key="s", position_seconds=0, visible=True, client_ms=1
        )
        t.move_to(t0 + dt.timedelta(seconds=10))
        heartbeat(
            person=person, lesson_id=text.pk, session_key="s", position_seconds=0, visible=True, client_ms=2
        )
        t.move_to(t0 + dt.timedelta(seconds=20))
        beat = heartbeat(
            person=person, lesson_id=text.pk, session_key="s", position_seconds=0, visible=True, client_ms=3
        )
    assert beat.course_completed and Certificate.objects.filter(person=person).count() == 1


def test_heartbeats_credit_nothing_on_a_quiz() -> None:
    course = make_quiz_course(make_union(None))
    quiz = course.lessons.get(kind="quiz")
    with pytest.raises(ValidationFailed) as exc:
        heartbeat(
            person=make_person(),
            lesson_id=quiz.pk,
            session_key="s",
            position_seconds=0,
            visible=True,
            client_ms=1,
        )
    assert "lesson_id" in exc.value.fields


@pytest.fixture
def worker(client: Any) -> tuple[Any, Any]:
    user = UserFactory()
    person = make_person(user=user)
    client.force_login(user)
    return client, person


def test_the_quiz_page_hides_answers_until_submitted(worker: tuple[Any, Any]) -> None:
    client, person = worker
    course = make_quiz_course(make_union(None))
    quiz = course.lessons.get(kind="quiz")
    _finish_text(person, course)
    assert client.get(f"/learning/lesson/{quiz.pk}/")["Location"] == f"/learning/quiz/{quiz.pk}/"
    html = client.get(f"/learning/quiz/{quiz.pk}/").content.decode()
    assert "火灾报警电话" in html and 'data-testid="quiz-form"' in html
    assert "正确答案" not in html and 'data-testid="marked-row"' not in html
    data = {f"q{q.pk}": RIGHT[q.kind] for q in quiz.questions.all()}
    page = client.post(f"/learning/quiz/{quiz.pk}/", data)
    html = page.content.decode()
    assert (
        page.status_code == 200
        and 'data-testid="quiz-result"' in html
        and 'data-testid="course-done"' in html
    )
    assert html.count('data-testid="marked-row"') == 3 and 'data-testid="certificate-link"' in html
    code = Certificate.objects.get(person=person).code
    assert client.get(f"/learning/certificates/{code}/").status_code == 200
