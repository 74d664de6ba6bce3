"""Batched heartbeats (``progress.heartbeat_batch``) against single beats, with frozen time.

The twin test: a script of beats is played twice, by two learners — once beat by beat at each
beat's time, once buffered by the player and sent as batches at the time of each batch's newest
beat — and every state the rules write must come out the same: credited time, position, clocks,
completion of the lessons and of the course, the playing session. The scripts walk through every
rule: watching, skip, idle, hidden tab, two tabs, resume, out of order, completion."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
import time_machine

from tests.helpers import UserFactory, assert_max_queries, make_union
from yugong.core.errors import ValidationFailed
from yugong.learning.models import Certificate, Enrollment, LessonProgress, Outcome, PlaybackSession
from yugong.learning.progress import MAX_BATCH_BEATS, Beat, heartbeat, heartbeat_batch
from yugong.members.tests.factories import make_person

from .factories import make_course, make_quiz_course

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 5, 1, 9, 0, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Step:
    at: int  # seconds after T0 when the player took the beat
    tab: str
    lesson: int  # index into the course's lessons
    position: int
    visible: bool = True
    ms: int | None = None  # the client's clock; at*1000+1 unless a replay is scripted


def _ms(step: Step) -> int:
    return step.ms if step.ms is not None else step.at * 1000 + 1


def _singles(traveller: Any, person: Any, lessons: list[Any], script: list[Step]) -> int:
    added = 0
    for step in script:
        traveller.move_to(T0 + dt.timedelta(seconds=step.at))
        added += heartbeat(
            person=person,
            lesson_id=lessons[step.lesson].pk,
            session_key=step.tab,
            position_seconds=step.position,
            visible=step.visible,
            client_ms=_ms(step),
        ).added_seconds
    return added


def _batches(traveller: Any, person: Any, lessons: list[Any], script: list[Step], size: int) -> int:
    """The player's buffer: consecutive beats of one tab and lesson, at most ``size``, sent when the
    newest of them is taken. A scripted replay (its own ``ms``) is a retried request: sent alone."""
    groups: list[list[Step]] = []
    for step in script:
        last = groups[-1] if groups else None
        same = last and (last[-1].tab, last[-1].lesson) == (step.tab, step.lesson)
        if last and same and len(last) < size and step.ms is None and last[-1].ms is None:
            last.append(step)
        else:
            groups.append([step])
    added = 0
    for group in groups:
        traveller.move_to(T0 + dt.timedelta(seconds=group[-1].at))
        added += heartbeat_batch(
            person=person,
            lesson_id=lessons[group[0].lesson].pk,
            session_key=group[0].tab,
            beats=[Beat(position_seconds=s.position, visible=s.visible, client_ms=_ms(s)) for s in group],
        ).added_seconds
    return added


def _state(person: Any, course: Any) -> dict[str, Any]:
    progress = {
        p.lesson_id - course.lessons.order_by("pk").first().pk: (
            p.credited_seconds,
            p.position_seconds,
            p.last_beat_at,
            p.last_beat_visible,
            p.last_client_ms,
            p.completed_at,
        )
        for p in LessonProgress.objects.filter(person=person)
    }
    session = PlaybackSession.objects.filter(person=person).values_list("session_key", "last_beat_at").first()
    enrolment = Enrollment.objects.filter(person=person).values_list("completed_at", flat=True).first()
    return {
        "progress": progress,
        "session": session,
        "enrolled": enrolment,
        "outcomes": Outcome.objects.filter(account__person=person).count(),
        "certificates": Certificate.objects.filter(person=person).count(),
    }


WATCH = [Step(t, "a", 0, t) for t in range(0, 50, 10)]
SCRIPTS = {
    "watching": WATCH,
    "late beats capped at one interval": [Step(0, "a", 0, 0), Step(25, "a", 0, 50), Step(50, "a", 0, 75)],
    "skip ahead": [Step(0, "a", 0, 0), Step(10, "a", 0, 55), Step(20, "a", 0, 58)],
    "paused and rewound": [
        Step(0, "a", 0, 30),
        Step(10, "a", 0, 30),
        Step(20, "a", 0, 5),
        Step(30, "a", 0, 15),
    ],
    "idle then resume in a new tab": [
        *WATCH[:2],
        Step(600, "a", 0, 11),
        Step(610, "a", 0, 21),
        Step(5000, "later", 0, 21),
        Step(5010, "later", 0, 31),
    ],
    "hidden tab": [
        Step(0, "a", 0, 0),
        Step(10, "a", 0, 10, visible=False),
        Step(20, "a", 0, 20),
        Step(30, "a", 0, 30),
    ],
    "two tabs": [
        *[Step(t, "a", 0, t) for t in (0, 10, 20)],
        Step(21, "b", 1, 0),
        Step(31, "b", 1, 10),
        *[Step(t, "a", 0, t - 2) for t in (32, 42)],
        Step(80, "b", 1, 10),  # tab a quiet for 38 s: b takes over
        Step(90, "b", 1, 20),
    ],
    "out of order and replayed": [
        *WATCH[:3],
        Step(25, "a", 0, 10, ms=10_001),  # the beat of t=10 again
        Step(30, "a", 0, 30),
        Step(35, "a", 0, 25, ms=29_000),  # older than the last accepted
        Step(40, "a", 0, 40),
    ],
    "both lessons to completion": [
        *[Step(t, "a", 0, t) for t in range(0, 71, 10)],
        *[Step(100 + t, "a", 1, t) for t in range(0, 71, 10)],
    ],
}


@pytest.mark.parametrize("size", [3, MAX_BATCH_BEATS])
@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_batches_credit_exactly_what_single_beats_credit(name: str, size: int) -> None:
    course = make_course(make_union(None), lessons=2, duration=60)
    lessons = list(course.lessons.order_by("pk"))
    one, other = make_person(), make_person()
    with time_machine.travel(T0, tick=False) as traveller:
        single_added = _singles(traveller, one, lessons, SCRIPTS[name])
        batch_added = _batches(traveller, other, lessons, SCRIPTS[name], size)
    assert _state(one, course) == _state(other, course)
    assert single_added == batch_added
    if name == "both lessons to completion":
        state = _state(other, course)
        assert state["enrolled"] is not None and state["outcomes"] == 1 and state["certificates"] == 1


def test_a_batch_credits_no_more_than_the_wall_clock_since_the_last_accepted_beat() -> None:
    course = make_course(make_union(None), lessons=1, duration=600)
    lesson = course.lessons.get()
    person = make_person()
    with time_machine.travel(T0, tick=False) as traveller:
        heartbeat(
            person=person, lesson_id=lesson.pk, session_key="a", position_seconds=0, visible=True, client_ms=1
        )
        traveller.move_to(T0 + dt.timedelta(seconds=20))
        # Twelve beats claiming two minutes of playing, sent 20 s after the last accepted beat.
        beats = [Beat(position_seconds=10 * k, visible=True, client_ms=2 + 10_000 * k) for k in range(1, 13)]
        result = heartbeat_batch(person=person, lesson_id=lesson.pk, session_key="a", beats=beats)
    # The beats land at "now less their spacing", never before the accepted beat at 0: the first ten
    # pile up at 0 (no time passed, the position jumped: nothing), the last two credit 10 s each.
    assert result.added_seconds == result.credited_seconds == 20  # the wall clock, not the 120 s claimed
    with time_machine.travel(T0 + dt.timedelta(seconds=40), tick=False):
        beats = [
            Beat(position_seconds=120 + k, visible=True, client_ms=200_000 + 10_000 * k) for k in range(1, 13)
        ]
        result = heartbeat_batch(person=person, lesson_id=lesson.pk, session_key="a", beats=beats)
    assert result.added_seconds <= 20


def test_a_completing_beat_inside_a_batch_completes_the_course_in_that_transaction() -> None:
    course = make_course(make_union(None), lessons=1, duration=30)
    lesson = course.lessons.get()
    person = make_person()
    with time_machine.travel(T0 + dt.timedelta(seconds=40), tick=False):
        beats = [Beat(position_seconds=t, visible=True, client_ms=1 + t * 1000) for t in range(0, 41, 10)]
        result = heartbeat_batch(person=person, lesson_id=lesson.pk, session_key="a", beats=beats)
    assert result.lesson_completed and result.course_completed and result.credited_seconds == 30
    progress = LessonProgress.objects.get(person=person)
    # completed at the server time of the beat that reached 27 s (90 % of 30), not at the batch's end
    assert progress.completed_at == T0 + dt.timedelta(seconds=30)
    assert Enrollment.objects.get(person=person).completed_at == T0 + dt.timedelta(seconds=30)


def test_batch_refusals() -> None:
    course = make_course(make_union(None), lessons=1)
    lesson = course.lessons.get()
    person = make_person()
    beat = Beat(position_seconds=0, visible=True, client_ms=1)
    for beats, field in (
        ([], "beats"),
        ([beat] * (MAX_BATCH_BEATS + 1), "beats"),
        ([Beat(position_seconds=-1, visible=True, client_ms=1)], "position"),
    ):
        with pytest.raises(ValidationFailed) as exc:
            heartbeat_batch(person=person, lesson_id=lesson.pk, session_key="a", beats=beats)
        assert field in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:
        heartbeat_batch(person=person, lesson_id=lesson.pk, session_key="", beats=[beat])
    assert "session" in exc.value.fields
    quiz = make_quiz_course(make_union(None)).lessons.get(kind="quiz")
    with pytest.raises(ValidationFailed) as exc:
        heartbeat_batch(person=person, lesson_id=quiz.pk, session_key="a", beats=[beat])
    assert "lesson_id" in exc.value.fields
    assert not LessonProgress.objects.exists()


def test_a_batch_costs_the_queries_of_one_beat() -> None:
    course = make_course(make_union(None), lessons=1, duration=3600)
    lesson = course.lessons.get()
    person = make_person()
    with time_machine.travel(T0, tick=False) as traveller:
        heartbeat(
            person=person, lesson_id=lesson.pk, session_key="a", position_seconds=0, visible=True, client_ms=1
        )
        for n, start in ((1, 100), (MAX_BATCH_BEATS, 400)):
            traveller.move_to(T0 + dt.timedelta(seconds=start))
            beats = [
                Beat(position_seconds=start + 10 * k, visible=True, client_ms=start * 1000 + 10_000 * k)
                for k in range(n)
            ]
            # lesson, session lock, progress lock, two updates (+ savepoint statements on SQLite tests)
            with assert_max_queries(7):
                heartbeat_batch(person=person, lesson_id=lesson.pk, session_key="a", beats=beats)
    # each batch's first beat came after an idle gap; the other eleven beats credited 10 s each
    assert LessonProgress.objects.get(person=person).credited_seconds == 10 * (MAX_BATCH_BEATS - 1)


def test_batch_endpoint_over_http_beside_single_beats(client) -> None:
    user = UserFactory()
    person = make_person(user=user)
    client.force_login(user)
    lesson = make_course(make_union(None), lessons=1, duration=60).lessons.get()
    url = "/api/v1/learning/heartbeats"
    with time_machine.travel(T0, tick=False) as traveller:
        single = {"lesson_id": lesson.pk, "session": "tab", "position": 0, "visible": True, "client_ms": 1}
        assert (
            client.post("/api/v1/learning/heartbeat", single, content_type="application/json").status_code
            == 200
        )
        traveller.move_to(T0 + dt.timedelta(seconds=30))
        beats = [{"position": t, "visible": True, "client_ms": 1 + t * 1000} for t in (10, 20, 30)]
        body = client.post(
            url, {"lesson_id": lesson.pk, "session": "tab", "beats": beats}, content_type="application/json"
        ).json()
        assert body["added_seconds"] == body["credited_seconds"] == 30 and not body["other_session"]
        too_many = [
            {"position": 40, "visible": True, "client_ms": 40_001 + k} for k in range(MAX_BATCH_BEATS + 1)
        ]
        refused = client.post(
            url,
            {"lesson_id": lesson.pk, "session": "tab", "beats": too_many},
            content_type="application/json",
        )
        assert refused.status_code == 422
        other = client.post(
            url,
            {"lesson_id": lesson.pk, "session": "tab-2", "beats": beats[:1]},
            content_type="application/json",
        ).json()
        assert other["other_session"] and other["credited_seconds"] == 30
    assert LessonProgress.objects.get(person=person).credited_seconds == 30
    client.logout()
    assert client.post(
        url, {"lesson_id": lesson.pk, "session": "t", "beats": beats}, content_type="application/json"
    ).status_code in {401, 403}
