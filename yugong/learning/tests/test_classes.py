"""Live and offline classes: scheduling, sign-up within the seats, cancelling, attendance by the
class QR within its time, and attendance completing the lesson (and the course)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
import time_machine

from tests.helpers import UserFactory, grant, make_union
from yugong.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from yugong.learning.classes import (
    checkin_url,
    class_cancel,
    class_checkin,
    class_rotate_secret,
    class_schedule,
    class_signup,
)
from yugong.learning.models import Certificate, ClassSession, Course, Lesson, Provider, Unit
from yugong.members.tests.factories import make_person

pytestmark = pytest.mark.django_db
START = dt.datetime(2026, 6, 1, 1, 0, tzinfo=dt.UTC)  # 09:00 in Chongqing


def make_class_course(union: Any, *, capacity: int = 2, kind: str = "offline") -> Lesson:
    provider = Provider.objects.create(name="重庆工匠学院", kind="academy", union=union)
    course = Course.objects.create(
        provider=provider, union=union, title="电工实操", credits=Decimal(1), status="published"
    )
    unit = Unit.objects.create(course=course, title="面授")
    lesson = Lesson.objects.create(unit=unit, course=course, title="实操课", kind=kind, duration_seconds=5400)
    ClassSession.objects.create(
        lesson=lesson,
        starts_at=START,
        ends_at=START + dt.timedelta(hours=2),
        place="实训室",
        capacity=capacity,
        checkin_secret="s3cret-token",
    )
    return lesson


def test_schedule_is_staff_only_and_validated() -> None:
    city = make_union(None)
    lesson = make_class_course(city)
    staff, viewer = UserFactory(), UserFactory()
    grant(staff, city, "staff")
    grant(viewer, city, "viewer")
    with pytest.raises(ValidationFailed) as exc:
        class_schedule(actor=staff, lesson=lesson, starts_at=START, ends_at=START, place="", capacity=0)
    assert {"ends_at", "place", "capacity"} <= set(exc.value.fields)
    with pytest.raises(PermissionDenied):
        class_schedule(
            actor=viewer,
            lesson=lesson,
            starts_at=START,
            ends_at=START + dt.timedelta(hours=1),
            place="x",
            capacity=5,
        )
    session = class_schedule(
        actor=staff,
        lesson=lesson,
        starts_at=START,
        ends_at=START + dt.timedelta(hours=3),
        place="二号实训室",
        capacity=5,
    )
    assert session.capacity == 5 and session.place == "二号实训室"
    old = session.checkin_secret
    assert class_rotate_secret(actor=staff, lesson=lesson).checkin_secret != old


def test_signup_seats_cancel_and_attendance_completing_the_course() -> None:
    lesson = make_class_course(make_union(None), capacity=2)
    a, b, c = make_person(), make_person(), make_person()
    with time_machine.travel(START - dt.timedelta(days=1), tick=False):
        first = class_signup(person=a, lesson_id=lesson.pk, actor=None)
        assert class_signup(person=a, lesson_id=lesson.pk, actor=None).pk == first.pk  # twice: one seat
        class_signup(person=b, lesson_id=lesson.pk, actor=None)
        with pytest.raises(Conflict):
            class_signup(person=c, lesson_id=lesson.pk, actor=None)
        class_cancel(person=b, lesson_id=lesson.pk, actor=None)
        class_signup(person=c, lesson_id=lesson.pk, actor=None)
        assert ClassSession.objects.get(lesson=lesson).taken == 2
        with pytest.raises(Conflict):  # too early to check in
            class_checkin(person=a, lesson_id=lesson.pk, code="s3cret-token", actor=None)
    with time_machine.travel(START + dt.timedelta(minutes=10), tick=False):
        with pytest.raises(ValidationFailed):
            class_checkin(person=a, lesson_id=lesson.pk, code="wrong", actor=None)
        with pytest.raises(Conflict):  # b cancelled: not signed up
            class_checkin(person=b, lesson_id=lesson.pk, code="s3cret-token", actor=None)
        with pytest.raises(Conflict):  # started: cannot cancel any more
            class_cancel(person=a, lesson_id=lesson.pk, actor=None)
        url = "https://example.org" + checkin_url(ClassSession.objects.get(lesson=lesson))
        assert class_checkin(person=a, lesson_id=lesson.pk, code=url, actor=None) is True  # the only lesson
        assert class_checkin(person=a, lesson_id=lesson.pk, code="s3cret-token", actor=None) is False
    assert Certificate.objects.filter(person=a).count() == 1
    with time_machine.travel(START + dt.timedelta(hours=3), tick=False), pytest.raises(Conflict):
        class_checkin(person=c, lesson_id=lesson.pk, code="s3cret-token", actor=None)
    with pytest.raises(NotFound):
        class_signup(
            person=c,
            lesson_id=lesson.course.lessons.create(
                unit=lesson.unit, title="文", kind="text", duration_seconds=60
            ).pk,
            actor=None,
        )


def test_the_class_page_sign_up_and_scan(client: Any) -> None:
    lesson = make_class_course(make_union(None), capacity=1)
    user = UserFactory()
    make_person(user=user)
    client.force_login(user)
    with time_machine.travel(START - dt.timedelta(days=1), tick=False):
        assert client.get(f"/learning/lesson/{lesson.pk}/")["Location"] == f"/learning/class/{lesson.pk}/"
        page = client.get(f"/learning/class/{lesson.pk}/").content.decode()
        assert 'data-testid="class-signup"' in page
        assert client.post(f"/learning/class/{lesson.pk}/", {"action": "signup"}).status_code == 302
        page = client.get(f"/learning/class/{lesson.pk}/").content.decode()
        assert 'data-testid="checkin-form"' in page and 'data-testid="scan-camera"' in page
    with time_machine.travel(START + dt.timedelta(minutes=5), tick=False):
        bad = client.post(f"/learning/class/{lesson.pk}/", {"action": "checkin", "code": "nope"})
        assert bad.status_code == 200 and "签到二维码无效" in bad.content.decode()
        prefilled = client.get(f"/learning/class/{lesson.pk}/?k=s3cret-token").content.decode()
        assert 'value="s3cret-token"' in prefilled
        ok = client.post(f"/learning/class/{lesson.pk}/", {"action": "checkin", "code": "s3cret-token"})
        assert ok.status_code == 302
        assert 'data-testid="class-attended"' in client.get(f"/learning/class/{lesson.pk}/").content.decode()
