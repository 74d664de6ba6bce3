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


def make_quiz_course(
    union: Union, *, pass_percent: int = 60, max_attempts: int = 2, credits: int = 3
) -> Course:
    """A published course of one text lesson and a quiz (single, multiple, true/false) as its last step."""
    from yugong.learning.models import QuizQuestion

    provider = Provider.objects.create(name="市总工会职工学校", kind="federation", union=union)
    course = Course.objects.create(
        provider=provider, union=union, title="安全生产基础", credits=Decimal(credits), status="published"
    )
    unit = Unit.objects.create(course=course, title="第一单元")
    Lesson.objects.create(
        unit=unit, course=course, title="三不伤害", kind="text", duration_seconds=20, order=0
    )
    quiz = Lesson.objects.create(
        unit=unit,
        course=course,
        title="结业测验",
        kind="quiz",
        duration_seconds=300,
        order=1,
        pass_percent=pass_percent,
        max_attempts=max_attempts,
    )
    QuizQuestion.objects.create(
        lesson=quiz, kind="single", stem="火灾报警电话？", options=["119", "110"], answer="A", order=1
    )
    QuizQuestion.objects.create(
        lesson=quiz,
        kind="multiple",
        stem="有限空间作业前？",
        options=["通风", "检测", "直接进入"],
        answer="AB",
        order=2,
    )
    QuizQuestion.objects.create(
        lesson=quiz,
        kind="truefalse",
        stem="电器着火可用水扑救。",
        options=["正确", "错误"],
        answer="B",
        order=3,
    )
    return course
