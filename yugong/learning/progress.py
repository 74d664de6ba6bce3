"""Learning time recorded by the server from heartbeats, and completion decided in the same
transaction as the heartbeat that reaches it (never by a later job).

The rules of :func:`heartbeat` (``tests/test_heartbeat.py`` pins them with frozen time):

* A heartbeat credits at most the wall-clock time since the previous *accepted* heartbeat of the
  same learner and lesson, capped at ``HEARTBEAT_SECONDS``. A gap longer than ``IDLE_SECONDS``
  (the player stopped sending: paused, closed, asleep) credits nothing and restarts the clock.
* Hidden tab: a beat with ``visible=False``, or the first visible beat after a hidden one, credits
  nothing.
* Skipping: for video and audio, credit is also capped by how far the position moved; a position
  that jumps ahead faster than ``MAX_RATE`` × the wall-clock time credits nothing (the new position
  is kept as the resume point, the skipped part is not credited).
* Two tabs: one playing session per learner. While another session's beats are live, a beat from
  a second session is answered (``other_session=True``) but credits nothing and moves no clock.
* Out of order: a beat whose client time is not after the previous accepted one credits nothing.
* Resume: the position is kept; credited time is never lost, and the next beat after a break just
  restarts the clock.

The rules live in two functions, :func:`session_admits` (two tabs) and :func:`beat_apply` (the rest).
:func:`heartbeat_batch` applies them to the player's buffered beats in order, in one transaction;
:func:`heartbeat` is a batch of one. Twenty thousand learners watching at once send a batch every
30 s instead of a beat every 10 s (``static/yugong/learning.js``). The API enters through
:func:`heartbeat_batch_for_user`: on PostgreSQL a learner already watching costs one locking read
and one write, the batch applied by the same loop (``_apply_batch``) as the ORM path's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, cast

from django.db import connection, models, transaction
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.core.audit import audit_record
from yugong.core.errors import NotFound, ValidationFailed
from yugong.core.facts import fact_record
from yugong.core.timeutil import now as tz_now
from yugong.members.models import Person

from .certificates import certificate_issue
from .models import Course, Enrollment, Lesson, LessonProgress, PlaybackSession

HEARTBEAT_SECONDS = 15
IDLE_SECONDS = 2 * HEARTBEAT_SECONDS
MAX_RATE = 2  # playback speed allowed (2×)
SKIP_TOLERANCE_SECONDS = 2


@dataclass(frozen=True)
class BeatResult:
    credited_seconds: int  # total credited on the lesson
    added_seconds: int  # what this beat added
    position_seconds: int
    lesson_completed: bool
    course_completed: bool
    other_session: bool


MAX_BATCH_BEATS = 12  # two minutes of beats at the player's 10 s


@dataclass(frozen=True)
class Beat:
    """One heartbeat as the player took it: the position, whether the tab was visible, and the
    client's clock (milliseconds; only its order and spacing are used)."""

    position_seconds: int
    visible: bool
    client_ms: int


def _seconds(delta: dt.timedelta) -> int:
    return max(0, int(delta.total_seconds()))


def session_admits(session: PlaybackSession, session_key: str, at: dt.datetime) -> bool:
    """The two-tabs rule: one playing session per learner. False (the beat credits nothing and
    moves no clock) while another session's beats are live; a session quiet for ``IDLE_SECONDS``
    is taken over. Mutates ``session`` (the caller holds its row lock and saves it)."""
    if session.session_key != session_key:
        if at - session.last_beat_at <= dt.timedelta(seconds=IDLE_SECONDS):
            return False
        session.session_key = session_key  # the other session went quiet: this one takes over
    session.last_beat_at = max(at, session.last_beat_at)
    return True


def beat_apply(progress: LessonProgress, lesson: Lesson, beat: Beat, at: dt.datetime) -> int | None:
    """The crediting rules of one admitted beat taken at ``at`` (server time): what it adds, with the
    progress row's clocks moved on — the one place they are written, for single beats and batches
    alike. None for a stale or replayed beat (client time not after the last accepted one), which
    changes nothing. The caller holds the progress row's lock and saves it."""
    if progress.last_beat_at is not None and beat.client_ms <= progress.last_client_ms:
        return None
    position = min(beat.position_seconds, lesson.duration_seconds)
    if progress.last_beat_at is not None:
        at = max(at, progress.last_beat_at)  # a batch's beat never goes back before an accepted one
    added = 0
    if progress.last_beat_at is not None and beat.visible and progress.last_beat_visible:
        elapsed = _seconds(at - progress.last_beat_at)
        if elapsed <= IDLE_SECONDS:
            added = min(elapsed, HEARTBEAT_SECONDS)
            if lesson.kind in Lesson.MEDIA_KINDS:
                moved = position - progress.position_seconds
                if moved > elapsed * MAX_RATE + SKIP_TOLERANCE_SECONDS:
                    added = 0  # skipped ahead
                else:
                    added = min(added, max(moved, 0))  # paused or rewound: nothing
    added = min(added, max(lesson.duration_seconds - progress.credited_seconds, 0))
    progress.credited_seconds += added
    progress.position_seconds = position
    progress.last_beat_at = at
    progress.last_beat_visible = beat.visible
    progress.last_client_ms = beat.client_ms
    return added


def heartbeat(
    *,
    person: Person,
    lesson_id: int,
    session_key: str,
    position_seconds: int,
    visible: bool,
    client_ms: int,
    actor: User | None = None,
) -> BeatResult:
    """One beat, taken now: a batch of one."""
    return heartbeat_batch(
        person=person,
        lesson_id=lesson_id,
        session_key=session_key,
        beats=[Beat(position_seconds=position_seconds, visible=visible, client_ms=client_ms)],
        actor=actor,
    )


def _check_batch(session_key: str, beats: list[Beat]) -> None:
    if not session_key or len(session_key) > 64:
        raise ValidationFailed(fields={"session": _("播放会话标识无效")})
    if not 1 <= len(beats) <= MAX_BATCH_BEATS:
        raise ValidationFailed(fields={"beats": _("每次上报的心跳应为1到12个")})
    if any(b.position_seconds < 0 for b in beats):
        raise ValidationFailed(fields={"position": _("播放位置不能为负数")})


@dataclass
class _Applied:
    progress: LessonProgress | None  # None when no beat was admitted (another tab plays)
    admitted: bool  # the session row changed (and must be written)
    added: int
    course_completed: bool
    other_session: bool


def _apply_batch(
    *,
    session: PlaybackSession,
    created: bool,
    lesson: Lesson,
    person: Person,
    session_key: str,
    beats: list[Beat],
    now: dt.datetime,
    progress_for: Callable[[], LessonProgress],
    actor: User | None,
) -> _Applied:
    """The batch rules, for the ORM path and the PostgreSQL fast path alike: each beat's server time,
    the two-tabs rule, the crediting rules and completion, in order. The caller holds the session
    row's lock; ``progress_for`` returns the progress row, locked (called on the first admitted beat).
    Writes nothing but what completion writes; the caller writes the session and progress rows."""
    newest = max(b.client_ms for b in beats)
    progress: LessonProgress | None = None
    admitted = created
    other = False
    added_total = 0
    course_completed = False
    for beat in beats:
        at = now - dt.timedelta(milliseconds=newest - beat.client_ms)
        if not session_admits(session, session_key, at):
            other = True
            continue
        other, admitted = False, True
        if progress is None:
            progress = progress_for()
        added = beat_apply(progress, lesson, beat, at)
        if added is None:
            continue  # stale or replayed
        added_total += added
        if progress.completed_at is None and progress.credited_seconds >= lesson.required_seconds:
            course_completed |= complete_lesson(
                progress=progress, lesson=lesson, person=person, now=progress.last_beat_at or now, actor=actor
            )
    return _Applied(progress, admitted, added_total, course_completed, other)


@transaction.atomic
def heartbeat_batch(
    *,
    person: Person,
    lesson_id: int,
    session_key: str,
    beats: list[Beat],
    actor: User | None = None,
) -> BeatResult:
    """The player's buffered beats of one lesson and tab, applied in order by the rules above in one
    transaction (locks taken once: the playing session, then the progress row).

    Each beat's server time is the batch's arrival time less the client's spacing to its newest
    beat (``now - (max client_ms - client_ms)``), and never before the last accepted beat: the
    beats of a batch together credit at most the wall-clock time since the last accepted beat,
    exactly as the same beats sent one by one at those times would (``test_heartbeat_batch``'s twin
    test). A beat that completes the lesson (and the course) does so here, in this transaction.

    The ORM path: any database, and the first beats of a learner or lesson (rows created). On
    PostgreSQL the API goes through :func:`heartbeat_batch_for_user`, which applies the same rules
    with one locking read and one write (``test_heartbeat_fast``'s twin test)."""
    _check_batch(session_key, beats)
    lesson = Lesson.objects.select_related("course").filter(pk=lesson_id, course__status="published").first()
    if lesson is None:
        raise NotFound()
    if lesson.kind in Lesson.NOT_WATCHED:
        # A quiz completes by passing it, a class by attending: watching time counts for nothing.
        raise ValidationFailed(fields={"lesson_id": _("该课时不按观看时长计，请答题或到课签到。")})
    now = tz_now()

    # One playing session per learner: the row lock orders the beats (and batches) of one learner.
    session, created = PlaybackSession.objects.select_for_update().get_or_create(
        person=person, defaults={"session_key": session_key, "last_beat_at": now}
    )

    def progress_for() -> LessonProgress:
        progress, fresh = LessonProgress.objects.select_for_update().get_or_create(
            lesson=lesson, person=person
        )
        if fresh:  # the learner's first beat on this lesson: the course counts as started
            Enrollment.objects.get_or_create(course=lesson.course, person=person)
        return progress

    applied = _apply_batch(
        session=session,
        created=created,
        lesson=lesson,
        person=person,
        session_key=session_key,
        beats=beats,
        now=now,
        progress_for=progress_for,
        actor=actor,
    )
    if applied.admitted:
        session.save(update_fields=["session_key", "last_beat_at"])
    progress = applied.progress
    if progress is not None:
        progress.save(update_fields=list(_PROGRESS_WRITTEN))
        return _result(
            progress,
            applied.added,
            course_completed=applied.course_completed,
            other_session=applied.other_session,
        )
    return _result_seen(LessonProgress.objects.filter(lesson=lesson, person=person).first())


def _result_seen(seen: LessonProgress | None) -> BeatResult:
    """The answer when another tab plays: the lesson's state as it is, nothing added."""
    return BeatResult(
        credited_seconds=seen.credited_seconds if seen else 0,
        added_seconds=0,
        position_seconds=seen.position_seconds if seen else 0,
        lesson_completed=bool(seen and seen.completed_at),
        course_completed=False,
        other_session=True,
    )


# --- The PostgreSQL fast path -------------------------------------------------------------------
#
# The steady state of a learner watching — the session, the lesson's progress row and the person
# all exist — costs the ORM path a query for the person, the lesson, two locking reads and two
# updates. Here: one statement reads the person (by the signed-in user), the lesson and its
# course, and locks the session row, then the progress row (the ORM path's lock order); the batch is
# applied in Python by ``_apply_batch`` (the same rules, the same completion in the same
# transaction); one statement writes both rows back. Anything else (no person, no session or
# progress row yet, an unpublished or missing lesson, a quiz) reads no row here and takes the ORM
# path, which creates the rows or gives the error.

_PROGRESS_WRITTEN = (
    "credited_seconds",
    "position_seconds",
    "last_beat_at",
    "last_beat_visible",
    "last_client_ms",
    "completed_at",
)
_SESSION_WRITTEN = ("session_key", "last_beat_at")
_LESSON_READ = ("id", "course_id", "kind", "duration_seconds", "required_percent")
_sql: dict[str, str] = {}


def _field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    return cast("models.Field[Any, Any]", model._meta.get_field(name))


def _col(model: type[models.Model], alias: str, name: str) -> str:
    return f"{alias}.{connection.ops.quote_name(_field(model, name).column)}"


def _attnames(model: type[models.Model]) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields]  # type: ignore[attr-defined]


def _fast_sql() -> tuple[str, str]:
    """The locking read and the write-back, built from the models once per process."""
    if not _sql:
        qn = connection.ops.quote_name
        person, session, lesson, course, progress = (
            qn(m._meta.db_table) for m in (Person, PlaybackSession, Lesson, Course, LessonProgress)
        )
        selected = [
            _col(Person, "pe", "id"),
            *(_col(Lesson, "l", n) for n in _LESSON_READ),
            *(_col(PlaybackSession, "s", n) for n in _attnames(PlaybackSession)),
            *(_col(LessonProgress, "p", n) for n in _attnames(LessonProgress)),
        ]
        pe_id, l_id = _col(Person, "pe", "id"), _col(Lesson, "l", "id")
        # Tables and columns come from the models; every value is a parameter. FOR UPDATE OF s, p:
        # the session row, then the progress row, as the ORM path locks them.
        _sql["read"] = (
            f"SELECT {', '.join(selected)} FROM {person} pe"  # noqa: S608
            f" JOIN {session} s ON {_col(PlaybackSession, 's', 'person')} = {pe_id}"
            f" JOIN {lesson} l ON {l_id} = %s"
            f" JOIN {course} c ON {_col(Course, 'c', 'id')} = {_col(Lesson, 'l', 'course')}"
            f" AND {_col(Course, 'c', 'status')} = %s"
            f" JOIN {progress} p ON {_col(LessonProgress, 'p', 'lesson')} = {l_id}"
            f" AND {_col(LessonProgress, 'p', 'person')} = {pe_id}"
            f" WHERE {_col(Person, 'pe', 'user')} = %s"
            " FOR UPDATE OF s, p"
        )

        def sets(model: type[models.Model], names: Iterable[str]) -> str:
            return ", ".join(f"{qn(_field(model, n).column)} = %s" for n in names)

        _sql["write"] = (
            f"WITH s AS (UPDATE {session} SET {sets(PlaybackSession, _SESSION_WRITTEN)}"  # noqa: S608
            f" WHERE {qn(_field(PlaybackSession, 'id').column)} = %s)"
            f" UPDATE {progress} SET {sets(LessonProgress, _PROGRESS_WRITTEN)}"
            f" WHERE {qn(_field(LessonProgress, 'id').column)} = %s"
        )
    return _sql["read"], _sql["write"]


def _db_values(obj: models.Model, names: Iterable[str]) -> list[Any]:
    return [_field(type(obj), n).get_db_prep_save(getattr(obj, n), connection) for n in names]


def _heartbeat_batch_fast(
    *, user: User, lesson_id: int, session_key: str, beats: list[Beat]
) -> BeatResult | None:
    """:func:`heartbeat_batch` for the steady state on PostgreSQL, None when it does not apply (the
    caller then takes the ORM path). The caller holds the transaction."""
    read, write = _fast_sql()
    with connection.cursor() as cursor:
        cursor.execute(read, [lesson_id, Course.Status.PUBLISHED.value, user.pk])
        row = cursor.fetchone()
    if row is None:
        return None
    n_lesson, n_session = len(_LESSON_READ), len(_attnames(PlaybackSession))
    person_id, values = row[0], row[1:]
    lesson = Lesson.from_db(connection.alias, _LESSON_READ, values[:n_lesson])
    if lesson.kind in Lesson.NOT_WATCHED:
        return None  # the ORM path refuses it
    session = PlaybackSession.from_db(
        connection.alias, _attnames(PlaybackSession), values[n_lesson : n_lesson + n_session]
    )
    progress = LessonProgress.from_db(
        connection.alias, _attnames(LessonProgress), values[n_lesson + n_session :]
    )
    person = Person.from_db(connection.alias, ["id"], [person_id])
    applied = _apply_batch(
        session=session,
        created=False,
        lesson=lesson,
        person=person,
        session_key=session_key,
        beats=beats,
        now=tz_now(),
        progress_for=lambda: progress,
        actor=user,
    )
    if applied.progress is None:  # another tab plays: nothing admitted, nothing written
        return _result_seen(progress)
    with connection.cursor() as cursor:
        cursor.execute(
            write,
            [
                *_db_values(session, _SESSION_WRITTEN),
                session.pk,
                *_db_values(progress, _PROGRESS_WRITTEN),
                progress.pk,
            ],
        )
    return _result(
        progress,
        applied.added,
        course_completed=applied.course_completed,
        other_session=applied.other_session,
    )


def learner(user: User) -> Person:
    """The signed-in user's person (only its key: loading the row would decrypt the phone)."""
    person = Person.objects.filter(user=user).only("pk").order_by().first()
    if person is None:
        raise ValidationFailed(fields={"person": _("请先完成实名认证")})
    return person


def heartbeat_batch_for_user(
    *, user: User, lesson_id: int, session_key: str, beats: list[Beat]
) -> BeatResult:
    """The API's entry: :func:`heartbeat_batch` for the signed-in user (who is also the actor). On
    PostgreSQL the steady state takes the fast path: one locking read, one write."""
    _check_batch(session_key, beats)
    if connection.vendor == "postgresql":
        with transaction.atomic():
            result = _heartbeat_batch_fast(
                user=user, lesson_id=lesson_id, session_key=session_key, beats=beats
            )
        if result is not None:
            return result
    return heartbeat_batch(
        person=learner(user), lesson_id=lesson_id, session_key=session_key, beats=beats, actor=user
    )


def complete_lesson(
    *, progress: LessonProgress, lesson: Lesson, person: Person, now: dt.datetime, actor: User | None
) -> bool:
    """Mark the lesson done and, when it was the course's last, complete the course (outcome
    deposit and certificate) — in the caller's transaction, which holds the lock on ``progress``.
    Used by heartbeats, passed quizzes and class attendance alike; True when the course completed."""
    progress.completed_at = now
    progress.save()
    Enrollment.objects.get_or_create(course=lesson.course, person=person)
    fact_record(metric="learning_lessons_completed", union_id=lesson.course.union_id)
    return _complete_course_if_done(person=person, lesson=lesson, now=now, actor=actor)


def _result(
    progress: LessonProgress, added: int, *, course_completed: bool, other_session: bool = False
) -> BeatResult:
    return BeatResult(
        credited_seconds=progress.credited_seconds,
        added_seconds=added,
        position_seconds=progress.position_seconds,
        lesson_completed=progress.completed_at is not None,
        course_completed=course_completed,
        other_session=other_session,
    )


def _complete_course_if_done(*, person: Person, lesson: Lesson, now: dt.datetime, actor: User | None) -> bool:
    course = lesson.course
    enrollment = Enrollment.objects.select_for_update().get(course=course, person=person)
    if enrollment.completed_at is not None:
        return False
    total = Lesson.objects.filter(course=course).count()
    done = LessonProgress.objects.filter(
        lesson__course=course, person=person, completed_at__isnull=False
    ).count()
    if done < total:
        return False
    enrollment.completed_at = now
    enrollment.save(update_fields=["completed_at"])
    from .bank import outcome_deposit  # the credit bank of this app

    outcome_deposit(
        person=person,
        source="course",
        source_ref=f"course:{course.pk}",
        title=course.title,
        evidence={"course_id": course.pk, "completed_at": now.isoformat()},
        credits=course.credits,
        union_id=course.union_id,
        actor=actor,
    )
    certificate_issue(enrollment=enrollment, at=now, actor=actor)
    audit_record(actor=actor, action="learning.course_complete", obj=enrollment, union_id=course.union_id)
    fact_record(metric="learning_courses_completed", union_id=course.union_id)
    return True
