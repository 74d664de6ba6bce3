"""Test data for learning: a published course with lessons."""

from __future__ import annotations

from decimal import Decimal

from yugong.learning.models import Course, Lesson, Provider, Unit
from yugong.orgs.models import Union


def make_course(
    union: Union, *, lessons: int = 1, duration: int = 60, kind: str = "video", credits: int = 2
) -> Course:
    provider = Provider.objects.create(name="工匠学院", kind="academy", union=union)
    course = Course.objects.create(
        provider=provider, union=union, title="高级电工", credits=Decimal(credits), status="published"
    )
    unit = Unit.objects.create(course=course, title="第一单元")
    for i in range(lessons):
        Lesson.objects.create(
            unit=unit, course=course, title=f"微课{i + 1}", kind=kind, duration_seconds=duration, order=i
        )
    return course
