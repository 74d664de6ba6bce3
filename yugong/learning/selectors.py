"""Shared reads for learning pages and the API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet

from yugong.core.errors import NotFound
from yugong.members.models import Person
from yugong.orgs.access import access_object, scope_filter

from .models import Course, Enrollment, Lesson, LessonProgress, Outcome, Provider


@dataclass(frozen=True)
class CourseRow:
    course: Course
    lessons: int
    done: int
    completed: bool


def my_courses(person: Person | None) -> list[CourseRow]:
    """Published courses with the learner's progress (lessons done of all), started ones first."""
    courses = Course.objects.filter(status=Course.Status.PUBLISHED).select_related("provider")
    courses = courses.annotate(
        n_lessons=Count("lessons", distinct=True),
        n_done=Count(
            "lessons__progress",
            filter=Q(lessons__progress__person=person, lessons__progress__completed_at__isnull=False),
            distinct=True,
        )
        if person
        else Count("pk", filter=Q(pk=None)),
    ).order_by("-n_done", "-pk")[:100]
    completed = (
        set(
            Enrollment.objects.filter(person=person, completed_at__isnull=False).values_list(
                "course_id", flat=True
            )
        )
        if person
        else set()
    )
    return [CourseRow(c, c.n_lessons, c.n_done, c.pk in completed) for c in courses]


def lesson_for_worker(lesson_id: int) -> Lesson:
    lesson = (
        Lesson.objects.select_related("course", "unit")
        .filter(pk=lesson_id, course__status="published")
        .first()
    )
    if lesson is None:
        raise NotFound()
    return lesson


def course_for_worker(course_id: int) -> Course:
    course = Course.objects.select_related("provider").filter(pk=course_id, status="published").first()
    if course is None:
        raise NotFound()
    return course


def progress_by_lesson(person: Person | None, course: Course) -> dict[int, LessonProgress]:
    if person is None:
        return {}
    return {p.lesson_id: p for p in LessonProgress.objects.filter(person=person, lesson__course=course)}


# --- staff ----------------------------------------------------------------------------------------


def staff_providers(user: Any) -> QuerySet[Provider]:
    return scope_filter(Provider.objects.select_related("union"), user).order_by("name", "pk")


def staff_courses(user: Any) -> QuerySet[Course]:
    return (
        scope_filter(Course.objects.select_related("provider", "union"), user)
        .annotate(n_lessons=Count("lessons", distinct=True), n_learners=Count("enrollments", distinct=True))
        .order_by("-pk")
    )


def staff_course(user: Any, pk: Any) -> Course:
    return access_object(Course.objects.select_related("provider", "union"), user, pk)


def outcome_queue(user: Any, *, status: str = Outcome.Status.DEPOSITED) -> QuerySet[Outcome]:
    """Outcomes in the user's subtrees, waiting for review by default (the credit bank queue)."""
    qs = scope_filter(Outcome.objects.select_related("account__person", "union", "reviewed_by"), user)
    if status in Outcome.Status.values:
        qs = qs.filter(status=status)
    return qs.order_by("deposited_at", "pk")
