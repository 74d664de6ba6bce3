"""Heartbeat rules with frozen time: skip, idle, hidden, two tabs, resume; completion (and the
course's, and its outcome deposit) decided in the heartbeat's own transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine

from tests.helpers import make_union
from yugong.core.errors import NotFound, ValidationFailed
from yugong.learning.models import Enrollment, LessonProgress, Outcome
from yugong.learning.progress import HEARTBEAT_SECONDS, heartbeat
from yugong.members.tests.factories import make_person

from .factories import make_course

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 5, 1, 9, 0, tzinfo=dt.UTC)


class Player:
    """One tab: sends beats at frozen times."""

    def __init__(self, traveller: Any, person: Any, lesson_id: int, key: str = "tab-a") -> None:
        self.traveller, self.person, self.lesson_id, self.key = traveller, person, lesson_id, key
        self.ms = 0

    def beat(self, at: int, position: int, *, visible: bool = True) -> Any:
        self.traveller.move_to(T0 + dt.timedelta(seconds=at))
        self.ms = at * 1000 + 1
        return heartbeat(
            person=self.person,
            lesson_id=self.lesson_id,
            session_key=self.key,
            position_seconds=position,
            visible=visible,
            client_ms=self.ms,
        )


@pytest.fixture
def setup() -> Any:
    union = make_union(None)
    course = make_course(union, lessons=2, duration=60)
    lessons = list(course.lessons.order_by("order"))
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller, make_person(), course, lessons


def test_watching_credits_the_wall_clock_time(setup):
    traveller, person, course, (lesson, _) = setup
    p = Player(traveller, person, lesson.pk)
    assert p.beat(0, 0).credited_seconds == 0
    assert p.beat(10, 10).added_seconds == 10
    r = p.beat(25, 25)
    assert r.added_seconds == 15 and r.credited_seconds == 25


def test_a_beat_credits_at_most_the_interval(setup):
    traveller, person, course, (lesson, _) = setup
    p = Player(traveller, person, lesson.pk)
    p.beat(0, 0)
    # 25 s late but within the idle limit, 2x speed: capped at one interval.
    assert p.beat(25, 25).added_seconds == HEARTBEAT_SECONDS


def test_skipping_ahead_credits_nothing(setup):
    traveller, person, course, (lesson, _) = setup
    p = Player(traveller, person, lesson.pk)
    p.beat(0, 0)
    r = p.beat(10, 55)  # jumped to the end
    assert r.added_seconds == 0 and r.credited_seconds == 0 and r.position_seconds == 55
    assert not r.lesson_completed


def test_paused_video_credits_nothing(setup):
    traveller, person, course, (lesson, _) = setup
    p = Player(traveller, person, lesson.pk)
    p.beat(0, 5)
    assert p.beat(10, 5).added_seconds == 0


def test_idling_credits_nothing_and_resume_keeps_time(setup):
    traveller, person, course, (lesson, _) = setup
    p = Player(traveller, person, lesson.pk)
    p.beat(0, 0)
    p.beat(10, 10)
    r = p.beat(600, 11)  # no beat for ten minutes: the clock restarts
    assert r.added_seconds == 0 and r.credited_seconds == 10
    # Resume later in a new tab: position kept, credited time kept, counting goes on.
    q = Player(traveller, person, lesson.pk, key="tab-later")
    r = q.beat(5000, 11)
    assert r.position_seconds == 11 and r.credited_seconds == 10 and r.added_seconds == 0
    assert q.beat(5010, 21).credited_seconds == 20


def test_hidden_tab_credits_nothing(setup):
    traveller, person, course, (lesson, _) = setup
    p = Player(traveller, person, lesson.pk)
    p.beat(0, 0)
    assert p.beat(10, 10, visible=False).added_seconds == 0
    # The first visible beat after a hidden one only restarts the clock.
    assert p.beat(20, 20).added_seconds == 0
    assert p.beat(30, 30).added_seconds == 10


def test_two_tabs_do_not_add_time(setup):
    traveller, person, course, (lesson, other) = setup
    a = Player(traveller, person, lesson.pk, key="tab-a")
    b = Player(traveller, person, other.pk, key="tab-b")
    a.beat(0, 0)
    assert b.beat(1, 0).other_session
    a.beat(10, 10)
    r = b.beat(11, 10)
    assert r.other_session and r.added_seconds == 0
    assert a.beat(20, 20).credited_seconds == 20
    assert not LessonProgress.objects.filter(lesson=other, person=person).exists()


def test_replayed_beat_credits_nothing(setup):
    traveller, person, course, (lesson, _) = setup
    p = Player(traveller, person, lesson.pk)
    p.beat(0, 0)
    p.beat(10, 10)
    traveller.move_to(T0 + dt.timedelta(seconds=20))
    r = heartbeat(
        person=person,
        lesson_id=lesson.pk,
        session_key="tab-a",
        position_seconds=20,
        visible=True,
        client_ms=5,
    )
    assert r.added_seconds == 0


def test_completion_is_decided_by_the_beat_that_reaches_it(setup):
    traveller, person, course, (first, second) = setup
    p = Player(traveller, person, first.pk)
    t = 0
    p.beat(t, 0)
    while True:
        t += 10
        r = p.beat(t, t)
        if r.lesson_completed:
            break
    assert r.credited_seconds >= first.required_seconds and t == 60 and not r.course_completed
    assert not Outcome.objects.exists()
    q = Player(traveller, person, second.pk, key="tab-a")
    q.ms = p.ms
    base = t
    q.beat(base, 0)
    for s in range(10, 70, 10):
        r = q.beat(base + s, s)
    assert r.lesson_completed and r.course_completed
    assert Enrollment.objects.get(course=course, person=person).completed_at is not None
    outcome = Outcome.objects.get()
    assert outcome.source == "course" and outcome.status == "deposited" and outcome.credits_claimed == 2


def test_text_lesson_counts_visible_time(setup):
    traveller, person, _, _ = setup
    course = make_course(make_union(None), kind="text", duration=20)
    p = Player(traveller, person, course.lessons.get().pk)
    p.beat(0, 0)
    p.beat(10, 0)
    assert p.beat(20, 0).lesson_completed


def test_bad_input(setup):
    traveller, person, course, (lesson, _) = setup
    with pytest.raises(ValidationFailed):
        heartbeat(
            person=person, lesson_id=lesson.pk, session_key="", position_seconds=0, visible=True, client_ms=1
        )
    with pytest.raises(NotFound):
        heartbeat(person=person, lesson_id=0, session_key="k", position_seconds=0, visible=True, client_ms=1)
