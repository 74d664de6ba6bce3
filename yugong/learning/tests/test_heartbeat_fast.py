"""The PostgreSQL fast path of heartbeats (``progress.heartbeat_batch_for_user``: one locking read,
one write) against the ORM path (``progress.heartbeat_batch``).

The twin test: a script of batches is played twice, by two learners — once by the ORM path, once
through the API's entry, which takes the fast path whenever the rows exist — and every row the
rules write must come out the same: progress (credited time, position, clocks, completion), the
playing session, the enrolment, the outcome and the certificate. The scripts walk through every
rule (``test_heartbeat_batch.SCRIPTS``: watching, skip, idle, hidden tab, two tabs, resume, out of
order, completion) plus a second tab on the lesson already playing. The races run real threads."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine

from tests.helpers import UserFactory, assert_max_queries, make_union, requires_postgres
from tests.race import race
from yugong.learning import progress as progress_module
from yugong.learning.models import Course, LessonProgress, PlaybackSession
from yugong.learning.progress import (
    MAX_BATCH_BEATS,
    Beat,
    BeatResult,
    heartbeat_batch,
    heartbeat_batch_for_user,
)
from yugong.members.tests.factories import make_person

from .factories import make_course
from .test_heartbeat_batch import SCRIPTS, T0, Step, _ms, _state

pytestmark = [requires_postgres, pytest.mark.postgres]

FAST_SCRIPTS = {
    **SCRIPTS,
    "a second tab on the lesson playing": [
        *[Step(t, "a", 0, t) for t in (0, 10, 20)],
        Step(22, "b", 0, 50),
        Step(25, "b", 0, 53),
        *[Step(t, "a", 0, t) for t in (30, 40)],
        Step(45, "b", 0, 5, visible=False),
    ],
}


def _groups(script: list[Step], size: int) -> list[list[Step]]:
    """The player's buffer, as in ``test_heartbeat_batch._batches``."""
    groups: list[list[Step]] = []
    for step in script:
        last = groups[-1] if groups else None
        same = last and (last[-1].tab, last[-1].lesson) == (step.tab, step.lesson)
        if last and same and len(last) < size and step.ms is None and last[-1].ms is None:
            last.append(step)
        else:
            groups.append([step])
    return groups


def _play(traveller: Any, lessons: list[Any], script: list[Step], size: int, send: Any) -> list[BeatResult]:
    answers = []
    for group in _groups(script, size):
        traveller.move_to(T0 + dt.timedelta(seconds=group[-1].at))
        beats = [Beat(position_seconds=s.position, visible=s.visible, client_ms=_ms(s)) for s in group]
        answers.append(send(lessons[group[0].lesson].pk, group[0].tab, beats))
    return answers


@pytest.mark.django_db
@pytest.mark.parametrize("size", [1, 3, MAX_BATCH_BEATS])
@pytest.mark.parametrize("name", sorted(FAST_SCRIPTS))
def test_the_fast_path_writes_the_rows_the_orm_path_writes(name: str, size: int, monkeypatch) -> None:
    course = make_course(make_union(None), lessons=2, duration=60)
    lessons = list(course.lessons.order_by("pk"))
    slow_user, fast_user = UserFactory(), UserFactory()
    slow, fast = make_person(user=slow_user), make_person(user=fast_user)
    taken: list[bool] = []
    expected: list[bool] = []
    fast_path = progress_module._heartbeat_batch_fast

    def spy(**kwargs: Any) -> BeatResult | None:
        result = fast_path(**kwargs)
        taken.append(result is not None)
        return result

    monkeypatch.setattr(progress_module, "_heartbeat_batch_fast", spy)
    with time_machine.travel(T0, tick=False) as traveller:
        orm = _play(
            traveller,
            lessons,
            FAST_SCRIPTS[name],
            size,
            lambda lesson_id, tab, beats: heartbeat_batch(
                person=slow, lesson_id=lesson_id, session_key=tab, beats=beats, actor=slow_user
            ),
        )
        quick = _play(
            traveller,
            lessons,
            FAST_SCRIPTS[name],
            size,
            lambda lesson_id, tab, beats: (
                expected.append(
                    PlaybackSession.objects.filter(person=fast).exists()
                    and LessonProgress.objects.filter(person=fast, lesson_id=lesson_id).exists()
                ),
                heartbeat_batch_for_user(user=fast_user, lesson_id=lesson_id, session_key=tab, beats=beats),
            )[1],
        )
    assert _state(slow, course) == _state(fast, course)
    assert orm == quick  # the answers too, batch by batch
    # every batch sent when the session and progress rows existed was fast (the others created them)
    assert taken == expected
    if size == 1:  # (a short script fits in one batch of three or twelve: the ORM path alone)
        assert any(taken)


@pytest.mark.django_db
def test_the_fast_path_costs_one_read_and_one_write() -> None:
    course = make_course(make_union(None), lessons=1, duration=3600)
    lesson = course.lessons.get()
    user = UserFactory()
    person = make_person(user=user)
    with time_machine.travel(T0, tick=False) as traveller:
        heartbeat_batch_for_user(user=user, lesson_id=lesson.pk, session_key="a", beats=[Beat(0, True, 1)])
        for n, start in ((1, 10), (MAX_BATCH_BEATS, 400)):
            traveller.move_to(T0 + dt.timedelta(seconds=start))
            beats = [Beat(start + 10 * k, True, start * 1000 + 10_000 * k) for k in range(n)]
            # the read and the write (+ the savepoint statements of the test's transaction)
            with assert_max_queries(4):
                heartbeat_batch_for_user(user=user, lesson_id=lesson.pk, session_key="a", beats=beats)
        traveller.move_to(T0 + dt.timedelta(seconds=401))
        with assert_max_queries(3):  # another tab: the read answers, nothing is written
            other = heartbeat_batch_for_user(
                user=user, lesson_id=lesson.pk, session_key="b", beats=[Beat(0, True, 9)]
            )
    assert other.other_session and other.added_seconds == 0
    assert LessonProgress.objects.get(person=person).credited_seconds == 10 + 10 * (MAX_BATCH_BEATS - 1)


@pytest.mark.django_db
def test_the_fast_path_leaves_refusals_to_the_orm_path() -> None:
    from yugong.core.errors import NotFound, ValidationFailed

    user = UserFactory()
    course = make_course(make_union(None), lessons=1, duration=60)
    Course.objects.filter(pk=course.pk).update(status="draft")
    with pytest.raises(ValidationFailed) as exc:  # no person yet
        heartbeat_batch_for_user(
            user=user, lesson_id=course.lessons.get().pk, session_key="a", beats=[Beat(0, True, 1)]
        )
    assert "person" in exc.value.fields
    make_person(user=user)
    with pytest.raises(NotFound):  # a draft course
        heartbeat_batch_for_user(
            user=user, lesson_id=course.lessons.get().pk, session_key="a", beats=[Beat(0, True, 1)]
        )


def _playing(seconds: int = 20) -> tuple[Any, Any, Any]:
    """A learner whose tab "a" has played a lesson for ``seconds`` (rows exist: the fast path)."""
    lesson = make_course(make_union(None), lessons=1, duration=3600).lessons.get()
    user = UserFactory()
    person = make_person(user=user)
    now = dt.datetime.now(dt.UTC)
    PlaybackSession.objects.create(
        person=person, session_key="a", last_beat_at=now - dt.timedelta(seconds=10)
    )
    LessonProgress.objects.create(
        lesson=lesson,
        person=person,
        credited_seconds=seconds,
        position_seconds=seconds,
        last_beat_at=now - dt.timedelta(seconds=10),
        last_beat_visible=True,
        last_client_ms=1_000_000,
    )
    return lesson, user, person


@pytest.mark.django_db(transaction=True)
def test_two_tabs_at_once_one_plays_the_other_is_told() -> None:
    lesson, user, person = _playing()
    results = race(
        2,
        lambda i: heartbeat_batch_for_user(
            user=user, lesson_id=lesson.pk, session_key="ab"[i], beats=[Beat(30, True, 1_010_000)]
        ),
    )
    assert not [r for r in results if isinstance(r, Exception)]
    assert [r.other_session for r in results] == [False, True]  # tab a plays on; tab b is told
    progress = LessonProgress.objects.get(person=person)
    assert progress.credited_seconds == 30 and progress.position_seconds == 30
    assert PlaybackSession.objects.get(person=person).session_key == "a"


@pytest.mark.django_db(transaction=True)
def test_one_batch_sent_four_times_at_once_credits_once() -> None:
    lesson, user, person = _playing()
    beats = [Beat(20 + 10 * k, True, 1_000_000 + 10_000 * k) for k in (1, 2)]
    results = race(
        4, lambda i: heartbeat_batch_for_user(user=user, lesson_id=lesson.pk, session_key="a", beats=beats)
    )
    assert not [r for r in results if isinstance(r, Exception)]
    assert sorted(r.added_seconds for r in results) == [0, 0, 0, 10]  # the clock: 10 s since the last
    assert LessonProgress.objects.get(person=person).credited_seconds == 30
