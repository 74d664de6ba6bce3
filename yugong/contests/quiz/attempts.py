"""Taking part in a knowledge contest: starting an attempt and submitting it — the hot path.

A synchronized contest sends every participant through these two functions within minutes, so
they are written as a handful of plain SQL statements rather than ORM model instances (the ORM's
query building cost more than the database did: ~3 ms of CPU per request, now a few hundred µs).
The rules are the ones described in :mod:`yugong.contests.services`; here is how each is kept:

* **One open attempt per person** — the participant's entry row is locked (``SELECT … FOR UPDATE``
  on PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite) for the whole start; the open attempt is read in
  the same statement. The attempt is inserted with ``ON CONFLICT DO NOTHING`` against the
  conditional unique constraint ``contests_one_open_attempt``: a start that committed between our
  snapshot and our lock (PostgreSQL re-checks only the locked row, not the joined attempt) is
  found that way and returned as "resumed", without taking a try.
* **Tries per day** — counted on the locked entry row (the day is Asia/Shanghai) and written only
  when the attempt was really inserted.
* **Server-side time** — ``deadline = start + limit`` (never after the contest closes); a
  submission is accepted until ``deadline + grace``; the time used is capped at the deadline.
* **Submit exactly once** — ``UPDATE attempt SET state='submitted' … WHERE id=… AND state='open'``:
  the request that changes the row scores it, any other one gets the stored result. The counted
  result is folded into the entry with a conditional update on the value read before (optimistic:
  a concurrent change makes it update nothing, and the fold is redone under the row lock); the
  union's stat row is one upsert, last in the transaction so its lock is held shortest.
* The Redis leaderboard is written after commit, in the same round trip that reads the new rank.

``_unsafe_no_guard=True`` (tests only) checks ``state == 'open'`` in Python and then writes
without the conditions, so that the concurrency test can show the race they prevent
(``tests/test_concurrency.py``: the same submission scored by several requests, the union counted
twice).
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import time
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.db import connection, transaction
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from yugong.core.errors import Conflict, NotFound, RateLimited
from yugong.core.facts import fact_record
from yugong.core.timeutil import SHANGHAI, now
from yugong.members.models import Membership

from ..models import Attempt, Contest, ContestEntry, ContestUnionStat, rank_key
from ..visibility import VISIBLE_STATUSES, worker_sees
from . import leaderboard
from .paper import Pool, contest_pool, draw_paper, grade

ENTRY = ContestEntry._meta.db_table
ATTEMPT = Attempt._meta.db_table
STAT = ContestUnionStat._meta.db_table
OPEN, SUBMITTED, EXPIRED = (
    Attempt.State.OPEN.value,
    Attempt.State.SUBMITTED.value,
    Attempt.State.EXPIRED.value,
)
_CURRENT = tuple(str(s) for s in Membership.CURRENT)
_QIDS = Attempt._meta.get_field("question_ids")
_ANSWERS = Attempt._meta.get_field("answers")


def grace_seconds() -> int:
    from django.conf import settings

    return int(getattr(settings, "CONTESTS_SUBMIT_GRACE_SECONDS", 5))


# --- values in and out of raw SQL (the same on PostgreSQL and SQLite) ---------------------------


def _dt_in(value: dt.datetime | None) -> Any:
    return connection.ops.adapt_datetimefield_value(value)


def _dt_or_none(value: Any) -> dt.datetime | None:
    return None if value is None else _dt_out(value)


def _dt_out(value: Any) -> dt.datetime:
    """Raw rows give aware datetimes on PostgreSQL, naive UTC (or text) on SQLite."""
    if isinstance(value, str):
        value = parse_datetime(value)
        assert value is not None  # noqa: S101 - the column holds datetimes
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value


def _json_out(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


def _for_update(alias: str) -> str:
    if not connection.features.has_select_for_update:
        return ""  # SQLite: BEGIN IMMEDIATE already holds the database's write lock
    return f" FOR UPDATE OF {alias}" if connection.features.has_select_for_update_of else " FOR UPDATE"


# --- what the hot path hands back (no model instances) -----------------------------------------


@dataclass(slots=True)
class AttemptView:
    """The fields of one attempt that the API and callers need (``pk`` like a model)."""

    id: int
    contest_id: int
    question_ids: list[int]
    started_at: dt.datetime
    deadline: dt.datetime
    state: str = OPEN
    seed: int = 0
    correct: int = 0
    score: int | None = None
    duration_ms: int | None = None
    submitted_at: dt.datetime | None = None

    @property
    def pk(self) -> int:
        return self.id


@dataclass(slots=True)
class Started:
    attempt: AttemptView
    resumed: bool


@dataclass(slots=True)
class Submitted:
    attempt: AttemptView
    already: bool
    entry_score: int | None
    counted_key: int | None = None
    # The participant's rank, filled after commit from the same Redis round trip that wrote the
    # result (None: not known yet — read it with leaderboard.my_rank).
    rank: int | None = None


def _live_contest(contest_id: int) -> Pool:
    pool = contest_pool(contest_id)
    if pool is None or pool.contest.status not in VISIBLE_STATUSES:
        raise NotFound()
    return pool


def _check_window(contest: Contest, at: dt.datetime) -> None:
    if contest.status == Contest.Status.CLOSED or at >= contest.ends_at:
        raise Conflict(_("竞赛已结束。"), code="contest_closed")
    if at < contest.starts_at:
        raise Conflict(_("竞赛尚未开始。"), code="contest_not_started")


def _material_required() -> Conflict:
    return Conflict(_("请先阅读警示教育材料，再开始答题。"), code="material_required")


def open_to(contest: Contest, union_path: str | None) -> bool:
    """Whether a worker whose current union has ``union_path`` sees ``contest``: the one rule,
    :func:`yugong.contests.visibility.worker_sees`."""
    return worker_sees(
        status=contest.status,
        organiser_path=contest.organiser.path,
        organiser_is_root=contest.organiser.parent_id is None,
        worker_path=union_path,
    )


# --- start ------------------------------------------------------------------------------------


def _locked_entry(cursor: Any, contest_id: int, user_id: int, day: Any) -> tuple[Any, ...] | None:
    """The entry (locked) and its open attempt in one statement:
    (entry id, material read, tries used today, open id, started_at, deadline, question ids, seed)."""
    cursor.execute(
        f"SELECT e.id, e.material_read_at IS NOT NULL, CASE WHEN e.day = %s THEN e.day_tries ELSE 0 END, "  # noqa: S608
        "a.id, a.started_at, a.deadline, a.question_ids, a.seed "
        f"FROM {ENTRY} e LEFT JOIN {ATTEMPT} a "
        "ON a.contest_id = e.contest_id AND a.user_id = e.user_id AND a.state = %s "
        f"WHERE e.contest_id = %s AND e.user_id = %s{_for_update('e')}",
        [day, OPEN, contest_id, user_id],
    )
    row: tuple[Any, ...] | None = cursor.fetchone()
    return row


def _open_attempt(cursor: Any, contest_id: int, user_id: int) -> AttemptView | None:
    cursor.execute(
        f"SELECT id, started_at, deadline, question_ids, seed FROM {ATTEMPT} "  # noqa: S608
        "WHERE contest_id = %s AND user_id = %s AND state = %s",
        [contest_id, user_id, OPEN],
    )
    row = cursor.fetchone()
    if row is None:
        return None
    return AttemptView(
        row[0],
        contest_id,
        _json_out(row[3]),
        _dt_out(row[1]),
        _dt_out(row[2]),
        seed=row[4],
    )


def _new_entry(cursor: Any, contest: Contest, user: Any, day: Any, at: dt.datetime) -> int | None:
    """A first start: the entry, with this start's try already counted (union and employer copied
    from the membership: participation counts where the person belonged when they took part).
    None when a concurrent first start made the entry first."""
    cursor.execute(
        "SELECT m.union_id, u.path, p.employer_id, p.name FROM members_membership m "
        "JOIN members_person p ON p.id = m.person_id JOIN orgs_union u ON u.id = m.union_id "
        "WHERE p.user_id = %s AND m.status IN (%s, %s) ORDER BY m.id LIMIT 1",
        [user.pk, *_CURRENT],
    )
    member = cursor.fetchone()
    union_id, path, employer_id, name = member if member else (None, None, None, "")
    if not open_to(contest, path):
        raise NotFound()
    if contest.needs_material:  # nobody confirmed the material yet (that makes the entry)
        raise _material_required()
    cursor.execute(
        f"INSERT INTO {ENTRY} (contest_id, user_id, union_id, employer_id, display_name, day, "  # noqa: S608
        "day_tries, attempts, created_at) VALUES (%s, %s, %s, %s, %s, %s, 1, 1, %s) "
        "ON CONFLICT (contest_id, user_id) DO NOTHING RETURNING id",
        [contest.pk, user.pk, union_id, employer_id, (name or str(user))[:64], day, _dt_in(at)],
    )
    row = cursor.fetchone()
    return int(row[0]) if row else None


def _insert_attempt(
    cursor: Any, pool: Pool, entry_id: int, user_id: int, at: dt.datetime
) -> AttemptView | None:
    contest = pool.contest
    seed = secrets.randbits(62)
    paper = draw_paper(pool, seed)
    deadline = min(at + dt.timedelta(seconds=contest.time_limit_seconds), contest.ends_at)
    cursor.execute(
        f"INSERT INTO {ATTEMPT} (contest_id, entry_id, user_id, seed, question_ids, started_at, "  # noqa: S608
        "deadline, state, answers, correct) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, 0) "
        "ON CONFLICT DO NOTHING RETURNING id",
        [
            contest.pk,
            entry_id,
            user_id,
            seed,
            _QIDS.get_db_prep_save(paper, connection),
            _dt_in(at),
            _dt_in(deadline),
            OPEN,
            _ANSWERS.get_db_prep_save({}, connection),
        ],
    )
    row = cursor.fetchone()
    if row is None:
        return None
    return AttemptView(int(row[0]), contest.pk, paper, at, deadline, seed=seed)


def attempt_start(*, user: Any, contest_id: int, at: dt.datetime | None = None) -> Started:
    """Start (or resume) the user's attempt. Queries: the entry with its open attempt (locked), then
    the attempt insert and the try counter; a first start reads the membership and makes the entry
    with the try counted instead of updating it."""
    at = at or now()
    pool = _live_contest(contest_id)
    contest = pool.contest
    _check_window(contest, at)
    day = connection.ops.adapt_datefield_value(at.astimezone(SHANGHAI).date())
    with transaction.atomic(), connection.cursor() as cursor:
        row = _locked_entry(cursor, contest.pk, user.pk, day)
        if row is None:
            new_id = _new_entry(cursor, contest, user, day, at)
            if new_id is not None:
                attempt = _insert_attempt(cursor, pool, new_id, user.pk, at)
                assert attempt is not None  # noqa: S101 - a new entry has no attempt yet
                return Started(attempt, False)
            row = _locked_entry(cursor, contest.pk, user.pk, day)  # a concurrent first start won
            assert row is not None  # noqa: S101
        entry_id: int = row[0]
        material_read, used, open_id = bool(row[1]), int(row[2]), row[3]
        if contest.needs_material and not material_read:
            raise _material_required()
        if open_id is not None:
            deadline = _dt_out(row[5])
            if at <= deadline + dt.timedelta(seconds=grace_seconds()):
                started_at = _dt_out(row[4])
                view = AttemptView(open_id, contest.pk, _json_out(row[6]), started_at, deadline, seed=row[7])
                return Started(view, True)
            cursor.execute(
                f"UPDATE {ATTEMPT} SET state = %s WHERE id = %s AND state = %s",  # noqa: S608
                [EXPIRED, open_id, OPEN],
            )
        if used >= contest.tries_per_day:
            raise RateLimited(
                _("今天的 %(n)s 次答题机会已用完，请明天再来。") % {"n": contest.tries_per_day},
                code="tries_exhausted",
            )
        attempt = _insert_attempt(cursor, pool, entry_id, user.pk, at)
        if attempt is None:  # an attempt opened by a start that committed while we waited for the lock
            current = _open_attempt(cursor, contest.pk, user.pk)
            if current is None:  # it was submitted meanwhile: nothing of ours was written; try again
                raise Conflict(_("请求过于频繁，请稍后重试。"), code="busy")
            return Started(current, True)
        cursor.execute(
            f"UPDATE {ENTRY} SET day = %s, day_tries = %s, attempts = attempts + 1 WHERE id = %s",  # noqa: S608
            [day, used + 1, entry_id],
        )
        return Started(attempt, False)


# --- submit -----------------------------------------------------------------------------------

_SUBMIT_COLUMNS = (
    "a.id, a.contest_id, a.entry_id, a.state, a.started_at, a.deadline, a.question_ids, a.correct, "
    "a.score, a.duration_ms, a.submitted_at, a.seed, e.score, e.rank_key, e.union_id, a.user_id"
)


@dataclass(slots=True)
class _Row:
    attempt: AttemptView
    entry_id: int
    entry_score: int | None
    entry_key: int | None
    union_id: int | None
    user_id: int


def _row(raw: tuple[Any, ...]) -> _Row:
    view = AttemptView(
        id=raw[0],
        contest_id=raw[1],
        question_ids=_json_out(raw[6]),
        started_at=_dt_out(raw[4]),
        deadline=_dt_out(raw[5]),
        state=raw[3],
        correct=raw[7],
        score=raw[8],
        duration_ms=raw[9],
        submitted_at=_dt_or_none(raw[10]),
        seed=raw[11],
    )
    return _Row(view, raw[2], raw[12], raw[13], raw[14], raw[15])


def _read(where: str, params: list[Any]) -> _Row | None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {_SUBMIT_COLUMNS} FROM {ATTEMPT} a JOIN {ENTRY} e ON e.id = a.entry_id "  # noqa: S608
            f"WHERE {where} ORDER BY a.id DESC LIMIT 1",
            params,
        )
        raw = cursor.fetchone()
    return _row(raw) if raw else None


def _stored(row: _Row) -> Submitted:
    if row.attempt.state == EXPIRED:
        raise Conflict(_("答题已超时，本次答卷未计分。"), code="late")
    return Submitted(row.attempt, True, row.entry_score, row.entry_key)


def _reread(row: _Row) -> Submitted:
    fresh = _read("a.id = %s", [row.attempt.id])
    assert fresh is not None  # noqa: S101 - attempts are never deleted while contests run
    return _stored(fresh)


def attempt_submit(
    *,
    user: Any,
    attempt_id: Any,
    answers: dict[str, Any],
    at: dt.datetime | None = None,
    _unsafe_no_guard: bool = False,
) -> Submitted:
    try:
        pk = int(attempt_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    row = _read("a.id = %s AND a.user_id = %s", [pk, user.pk])
    if row is None:
        raise NotFound()
    return _submit(row, answers, at or now(), unsafe=_unsafe_no_guard)


def attempt_submit_current(
    *, user: Any, contest_id: int, answers: dict[str, Any], at: dt.datetime | None = None
) -> Submitted:
    """Submit the open attempt of this contest; with none open, the latest attempt's stored result
    (a retry after a lost response). NotFound when the user never started."""
    row = _read("a.contest_id = %s AND a.user_id = %s", [contest_id, user.pk])
    if row is None:
        raise NotFound()
    return _submit(row, answers, at or now())


def _submit(row: _Row, answers: dict[str, Any], at: dt.datetime, *, unsafe: bool = False) -> Submitted:
    a = row.attempt
    if a.state != OPEN:
        return _stored(row)
    if unsafe:
        time.sleep(0.005)  # TEST-ONLY control: widen the check-then-act window
    if at > a.deadline + dt.timedelta(seconds=grace_seconds()):
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {ATTEMPT} SET state = %s WHERE id = %s AND state = %s",  # noqa: S608
                [EXPIRED, a.id, OPEN],
            )
            expired = cursor.rowcount
        if not expired:  # a concurrent on-time submission won
            return _reread(row)
        raise Conflict(_("答题已超时，本次答卷未计分。"), code="late")
    pool = _live_contest(a.contest_id)
    contest = pool.contest
    correct, score, cleaned = grade(pool, a.question_ids, answers or {})
    duration_ms = int((min(at, a.deadline) - a.started_at).total_seconds() * 1000)
    key = rank_key(
        score=score,
        tenths_used=duration_ms // 100,
        seconds_in=int((at - contest.starts_at).total_seconds()),
    )
    best = contest.score_rule == Contest.ScoreRule.BEST
    guard = "" if unsafe else " AND state = %s"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {ATTEMPT} SET state = %s, submitted_at = %s, answers = %s, correct = %s, "  # noqa: S608
            f"score = %s, duration_ms = %s WHERE id = %s{guard}",
            [
                SUBMITTED,
                _dt_in(at),
                _ANSWERS.get_db_prep_save(cleaned, connection),
                correct,
                score,
                duration_ms,
                a.id,
                *([] if unsafe else [OPEN]),
            ],
        )
        won = cursor.rowcount
        if won:
            counted, counted_key, changed = _fold(
                cursor, contest, row, a.id, score, duration_ms, at, key, best=best, unsafe=unsafe
            )
    if not won:
        return _reread(row)
    view = AttemptView(
        a.id, a.contest_id, a.question_ids, a.started_at, a.deadline, SUBMITTED, a.seed,
        correct, score, duration_ms, at,
    )  # fmt: skip
    sub = Submitted(view, False, counted, counted_key)
    if leaderboard.redis_enabled():
        # After commit (at once when this was the outermost transaction): one round trip writes
        # the counted result (when it changed) and reads the rank back.
        transaction.on_commit(
            partial(_push_and_rank, sub, contest.pk, row.user_id, key if changed else None, best=best)
        )
    return sub


def _push_and_rank(sub: Submitted, contest_id: int, user_id: int, key: int | None, *, best: bool) -> None:
    sub.rank = leaderboard.push_and_rank(contest_id, user_id, key, best=best)


def _fold(
    cursor: Any,
    contest: Contest,
    row: _Row,
    attempt_id: int,
    score: int,
    duration_ms: int,
    at: dt.datetime,
    key: int,
    *,
    best: bool,
    unsafe: bool = False,
) -> tuple[int | None, int | None, bool]:
    """Fold a scored attempt into the participant's counted result: (counted score, its rank key,
    changed).
    Optimistic: the entry is updated only if its key is still the one read with the attempt;
    otherwise (a concurrent fold — not reachable through one open attempt at a time, but cheap
    to guard) the entry is locked, re-read and the decision taken again."""
    old_score, old_key = row.entry_score, row.entry_key
    for locked in (False, True):
        if locked:
            cursor.execute(
                f"SELECT score, rank_key FROM {ENTRY} WHERE id = %s{_for_update(ENTRY)}",  # noqa: S608
                [row.entry_id],
            )
            old_score, old_key = cursor.fetchone()
        first = old_key is None
        if best and old_key is not None and key <= old_key:
            return old_score, old_key, False
        cond = "1 = 1" if unsafe else "rank_key IS NULL" if first else "rank_key = %s"
        cursor.execute(
            f"UPDATE {ENTRY} SET score = %s, duration_ms = %s, scored_at = %s, rank_key = %s, "  # noqa: S608
            f"counted_attempt_id = %s WHERE id = %s AND {cond}",
            [
                score,
                duration_ms,
                _dt_in(at),
                key,
                attempt_id,
                row.entry_id,
                *([old_key] if "%s" in cond else []),
            ],
        )
        if cursor.rowcount:
            break
    else:  # pragma: no cover - under the lock the conditional update always matches
        raise Conflict(_("请求过于频繁，请稍后重试。"), code="busy")
    delta = score - (old_score or 0)
    if row.union_id is not None and (first or delta):
        # Last in the transaction: the union's row is shared by all its members' submissions.
        cursor.execute(
            f"INSERT INTO {STAT} (contest_id, union_id, participants, score_sum, members) "  # noqa: S608
            "VALUES (%s, %s, %s, %s, 0) ON CONFLICT (contest_id, union_id) DO UPDATE SET "
            f"participants = {STAT}.participants + excluded.participants, "
            f"score_sum = {STAT}.score_sum + excluded.score_sum",
            [contest.pk, row.union_id, 1 if first else 0, delta],
        )
        if first:
            fact_record(metric="contest_participants", union_id=row.union_id, dim=str(contest.pk))
    return score, key, True
