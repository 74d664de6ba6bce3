"""Writes for knowledge contests. Skills competitions: :mod:`yugong.contests.skills`.

Timing rules (all on the server clock):

* an attempt's ``deadline`` = start + the contest's time limit, but never after the contest closes;
* a submission is accepted until ``deadline + CONTESTS_SUBMIT_GRACE_SECONDS`` (default 5 s, for
  the network between the phone's countdown reaching zero and the request arriving); later ones
  are refused (409 ``late``) and the attempt is closed as expired without a score;
* the time used is ``min(submitted_at, deadline) - started_at``.

Concurrency:

* tries per day: the participant's :class:`ContestEntry` row is locked (``SELECT … FOR UPDATE``)
  for the whole start; the open-attempt check, the try counter and the insert happen under it, and
  the ``contests_one_open_attempt`` unique constraint is the last judge;
* submit: ``UPDATE attempt SET state='submitted' … WHERE id=%s AND state='open'`` — whoever
  updates the row scores it; a second submission (a retry, a double tap, a concurrent request)
  updates nothing and gets the stored result back. The entry's counted score is changed under the
  entry row lock.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _

from yugong.core.audit import audit_record
from yugong.core.errors import Conflict, NotFound, RateLimited, ValidationFailed
from yugong.core.facts import fact_record
from yugong.core.timeutil import local_today, now
from yugong.members.models import Membership
from yugong.orgs.access import MANAGE_ROLES, require_role
from yugong.orgs.models import Union

from . import leaderboard
from .models import Attempt, Contest, ContestEntry, ContestUnionStat, QuestionBank, rank_key
from .quiz import Pool, contest_pool, draw_paper, grade, pool_forget


def setting_int(name: str, default: int) -> int:
    """A number from settings, else from the environment (so that a deployment can tune the
    admission queue without a settings change), else ``default``."""
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name)
    try:
        return int(str(value)) if value not in (None, "") else default
    except (TypeError, ValueError):
        return default


def grace_seconds() -> int:
    return int(getattr(settings, "CONTESTS_SUBMIT_GRACE_SECONDS", 5))


# --- Contest set-up (staff) ----------------------------------------------------------------


def contest_create(
    *,
    actor: Any,
    organiser: Union,
    bank: QuestionBank,
    title: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    question_count: int = 10,
    time_limit_seconds: int = 600,
    tries_per_day: int = 3,
    score_rule: str = Contest.ScoreRule.BEST,
    category_weights: dict[str, float] | None = None,
    points_per_question: int = 10,
    description: str = "",
    material_title: str = "",
    material_body: str = "",
    material_video: str = "",
) -> Contest:
    require_role(actor, organiser, MANAGE_ROLES)
    if (
        not bank.union.path
        or not organiser.path.startswith(bank.union.path)
        and not bank.union.path.startswith(organiser.path)
    ):
        raise ValidationFailed(fields={"bank": _("只能使用本级或上级工会的题库。")})
    errors: dict[str, Any] = {}
    title = (title or "").strip()
    if not title:
        errors["title"] = _("请填写竞赛名称。")
    if ends_at <= starts_at:
        errors["ends_at"] = _("结束时间必须晚于开始时间。")
    if not 1 <= question_count <= 200:
        errors["question_count"] = _("每卷题数应在 1 到 200 之间。")
    if not 30 <= time_limit_seconds <= 3 * 3600:
        errors["time_limit_seconds"] = _("答题时限应在 30 秒到 3 小时之间。")
    if not 1 <= tries_per_day <= 100:
        errors["tries_per_day"] = _("每日次数应在 1 到 100 之间。")
    if score_rule not in Contest.ScoreRule.values:
        errors["score_rule"] = _("计分方式无效。")
    if question_count * points_per_question > 1000:
        errors["points_per_question"] = _("满分不能超过 1000 分。")
    weights = {str(k): float(v) for k, v in (category_weights or {}).items()}
    if any(v < 0 for v in weights.values()):
        errors["category_weights"] = _("分类权重不能为负数。")
    available = bank.questions.count()
    if available < question_count:
        errors["question_count"] = _("题库只有 %(n)s 道题，少于每卷题数。") % {"n": available}
    if errors:
        raise ValidationFailed(fields=errors)
    contest = Contest.objects.create(
        title=title[:120],
        organiser=organiser,
        bank=bank,
        starts_at=starts_at,
        ends_at=ends_at,
        question_count=question_count,
        time_limit_seconds=time_limit_seconds,
        tries_per_day=tries_per_day,
        score_rule=score_rule,
        category_weights=weights,
        points_per_question=points_per_question,
        description=description,
        material_title=material_title,
        material_body=material_body,
        material_video=material_video,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    audit_record(actor=actor, action="contest.create", obj=contest, union_id=organiser.pk)
    return contest


@transaction.atomic
def contest_publish(*, actor: Any, contest: Contest) -> Contest:
    require_role(actor, contest.organiser, MANAGE_ROLES)
    if contest.status != Contest.Status.DRAFT:
        raise Conflict(_("只有草稿状态的竞赛可以发布。"))
    contest.status = Contest.Status.PUBLISHED
    contest.save(update_fields=["status"])
    audit_record(actor=actor, action="contest.publish", obj=contest, union_id=contest.organiser_id)
    fact_record(metric="contests_held", union_id=contest.organiser_id, dim="knowledge")
    contest_members_refresh(contest=contest)
    transaction.on_commit(partial(pool_forget, contest.pk))
    return contest


@transaction.atomic
def contest_close(*, actor: Any, contest: Contest) -> Contest:
    require_role(actor, contest.organiser, MANAGE_ROLES)
    contest.status = Contest.Status.CLOSED
    contest.save(update_fields=["status"])
    audit_record(actor=actor, action="contest.close", obj=contest, union_id=contest.organiser_id)
    transaction.on_commit(partial(pool_forget, contest.pk))
    return contest


def contest_members_refresh(*, contest: Contest) -> int:
    """Snapshot the current member count of every union in the organiser's subtree into the
    contest's union stats (one grouped query and one upsert per 1,000 unions). Run at publishing
    and periodically (task ``contests.refresh_members``): participation rates divide by it."""
    from django.db.models import Count

    counts = list(
        Membership.objects.filter(
            status__in=Membership.CURRENT, union__path__startswith=contest.organiser.path
        )
        .values("union_id")
        .annotate(n=Count("id"))
        .values_list("union_id", "n")
    )
    table = ContestUnionStat._meta.db_table
    with connection.cursor() as cursor:
        for i in range(0, len(counts), 1000):
            chunk = counts[i : i + 1000]
            values = ", ".join(["(%s, %s, 0, 0, %s)"] * len(chunk))
            params: list[Any] = []
            for union_id, n in chunk:
                params += [contest.pk, union_id, n]
            cursor.execute(
                f"INSERT INTO {table} (contest_id, union_id, participants, score_sum, members) "  # noqa: S608
                f"VALUES {values} ON CONFLICT (contest_id, union_id) DO UPDATE SET members = excluded.members",
                params,
            )
    return len(counts)


# --- Taking part (workers) -----------------------------------------------------------------


def open_to(contest: Contest, union: Union | None) -> bool:
    """A contest is open to workers whose union is inside the organiser's subtree; a contest
    organised at a root (the city federation) is open to every signed-in worker."""
    if contest.organiser.parent_id is None:
        return True
    return union is not None and union.path.startswith(contest.organiser.path)


def _live_contest(contest_id: int) -> Pool:
    pool = contest_pool(contest_id)
    if pool is None or pool.contest.status == Contest.Status.DRAFT:
        raise NotFound()
    return pool


def _check_window(contest: Contest, at: dt.datetime) -> None:
    if contest.status == Contest.Status.CLOSED or at >= contest.ends_at:
        raise Conflict(_("竞赛已结束。"), code="contest_closed")
    if at < contest.starts_at:
        raise Conflict(_("竞赛尚未开始。"), code="contest_not_started")


def _entry_for(contest: Contest, user: Any) -> ContestEntry:
    entry = ContestEntry.objects.filter(contest=contest, user=user).first()
    if entry is not None:
        return entry
    membership = (
        Membership.objects.filter(person__user_id=user.pk, status__in=Membership.CURRENT)
        .select_related("union", "person")
        .first()
    )
    union = membership.union if membership else None
    if not open_to(contest, union):
        raise NotFound()
    try:
        with transaction.atomic():
            return ContestEntry.objects.create(
                contest=contest,
                user=user,
                union=union,
                employer_id=membership.person.employer_id if membership else None,
                display_name=(membership.person.name if membership else "") or str(user)[:64],
            )
    except IntegrityError:
        return ContestEntry.objects.get(contest=contest, user=user)


def material_confirm(*, user: Any, contest_id: int) -> ContestEntry:
    """The worker has read / watched the warning-education material (required before a start)."""
    pool = _live_contest(contest_id)
    entry = _entry_for(pool.contest, user)
    if entry.material_read_at is None:
        ContestEntry.objects.filter(pk=entry.pk, material_read_at__isnull=True).update(material_read_at=now())
        entry.refresh_from_db(fields=["material_read_at"])
    return entry


def admit_start() -> bool:
    """The admission queue for synchronized starts: at most ``CONTESTS_START_RATE`` starts per
    second across all app servers (a counter per second in the shared cache; 0 = no limit).
    Refused starts are told to retry after a second (202 "排队中") rather than failing."""
    rate = setting_int("CONTESTS_START_RATE", 0)
    if rate <= 0:
        return True
    key = f"contests:admit:{int(now().timestamp())}"
    cache.add(key, 0, 3)
    try:
        taken = cache.incr(key)
    except ValueError:  # expired between add and incr: a fresh second
        return True
    return int(taken) <= rate


@dataclass
class Started:
    attempt: Attempt
    resumed: bool


@transaction.atomic
def attempt_start(*, user: Any, contest_id: int, at: dt.datetime | None = None) -> Started:
    at = at or now()
    pool = _live_contest(contest_id)
    contest = pool.contest
    _check_window(contest, at)
    # The participant's row lock serialises this person's starts (tries per day, one open attempt).
    entry = ContestEntry.objects.select_for_update().filter(contest=contest, user_id=user.pk).first()
    if entry is None:
        entry = _entry_for(contest, user)
        entry = ContestEntry.objects.select_for_update().get(pk=entry.pk)
    if contest.needs_material and entry.material_read_at is None:
        raise Conflict(_("请先阅读警示教育材料，再开始答题。"), code="material_required")
    current = Attempt.objects.filter(entry=entry, state=Attempt.State.OPEN).first()
    if current is not None:
        if at <= current.deadline + dt.timedelta(seconds=grace_seconds()):
            return Started(current, True)
        Attempt.objects.filter(pk=current.pk, state=Attempt.State.OPEN).update(state=Attempt.State.EXPIRED)
    today = local_today()
    used = entry.day_tries if entry.day == today else 0
    if used >= contest.tries_per_day:
        raise RateLimited(
            _("今天的 %(n)s 次答题机会已用完，请明天再来。") % {"n": contest.tries_per_day},
            code="tries_exhausted",
        )
    entry.day = today
    entry.day_tries = used + 1
    entry.attempts += 1
    entry.save(update_fields=["day", "day_tries", "attempts"])
    seed = secrets.randbits(62)
    deadline = min(at + dt.timedelta(seconds=contest.time_limit_seconds), contest.ends_at)
    attempt = Attempt.objects.create(
        contest=contest,
        entry=entry,
        user_id=entry.user_id,
        seed=seed,
        question_ids=draw_paper(pool, seed),
        started_at=at,
        deadline=deadline,
    )
    return Started(attempt, False)


@dataclass
class Submitted:
    attempt: Attempt
    already: bool
    entry_score: int | None


def _attempt_for(user: Any, attempt_id: Any) -> Attempt:
    try:
        pk = int(attempt_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    attempt = Attempt.objects.filter(pk=pk, user_id=user.pk).first()
    if attempt is None:
        raise NotFound()
    return attempt


def _stored(attempt: Attempt) -> Submitted:
    if attempt.state == Attempt.State.EXPIRED:
        raise Conflict(_("答题已超时，本次答卷未计分。"), code="late")
    score = ContestEntry.objects.filter(pk=attempt.entry_id).values_list("score", flat=True).first()
    return Submitted(attempt, True, score)


def attempt_submit(
    *,
    user: Any,
    attempt_id: Any,
    answers: dict[str, Any],
    at: dt.datetime | None = None,
    attempt: Attempt | None = None,
) -> Submitted:
    """``attempt``: the caller already loaded it (for this user)."""
    at = at or now()
    if attempt is None:
        attempt = _attempt_for(user, attempt_id)
    if attempt.state != Attempt.State.OPEN:
        return _stored(attempt)
    if at > attempt.deadline + dt.timedelta(seconds=grace_seconds()):
        Attempt.objects.filter(pk=attempt.pk, state=Attempt.State.OPEN).update(state=Attempt.State.EXPIRED)
        attempt.refresh_from_db()
        if attempt.state == Attempt.State.SUBMITTED:  # a concurrent on-time submission won
            return _stored(attempt)
        raise Conflict(_("答题已超时，本次答卷未计分。"), code="late")
    pool = _live_contest(attempt.contest_id)
    correct, score, cleaned = grade(pool, list(attempt.question_ids), answers or {})
    duration_ms = int((min(at, attempt.deadline) - attempt.started_at).total_seconds() * 1000)
    with transaction.atomic():
        won = Attempt.objects.filter(pk=attempt.pk, state=Attempt.State.OPEN).update(
            state=Attempt.State.SUBMITTED,
            submitted_at=at,
            answers=cleaned,
            correct=correct,
            score=score,
            duration_ms=duration_ms,
        )
        if not won:
            attempt.refresh_from_db()
            return _stored(attempt)
        attempt.state = Attempt.State.SUBMITTED
        attempt.submitted_at, attempt.answers, attempt.correct = at, cleaned, correct
        attempt.score, attempt.duration_ms = score, duration_ms
        entry_score = _count(pool.contest, attempt)
    return Submitted(attempt, False, entry_score)


def attempt_submit_current(
    *, user: Any, contest_id: int, answers: dict[str, Any], at: dt.datetime | None = None
) -> Submitted:
    """Submit the open attempt of this contest; with none open, the latest attempt's stored result
    (a retry after a lost response). NotFound when the user never started."""
    attempt = Attempt.objects.filter(contest_id=contest_id, user_id=user.pk).order_by("-id").first()
    if attempt is None:
        raise NotFound()
    return attempt_submit(user=user, attempt_id=attempt.pk, answers=answers, at=at, attempt=attempt)


def _count(contest: Contest, attempt: Attempt) -> int | None:
    """Fold a scored attempt into the participant's counted result (caller holds the transaction)."""
    entry = ContestEntry.objects.select_for_update().get(pk=attempt.entry_id)
    assert attempt.submitted_at is not None and attempt.score is not None  # noqa: S101
    key = rank_key(
        score=attempt.score,
        tenths_used=(attempt.duration_ms or 0) // 100,
        seconds_in=int((attempt.submitted_at - contest.starts_at).total_seconds()),
    )
    best = contest.score_rule == Contest.ScoreRule.BEST
    first = entry.rank_key is None
    if not first and best and entry.rank_key is not None and key <= entry.rank_key:
        return entry.score
    delta = attempt.score - (entry.score or 0)
    entry.score, entry.duration_ms, entry.scored_at = attempt.score, attempt.duration_ms, attempt.submitted_at
    entry.rank_key, entry.counted_attempt_id = key, attempt.pk
    entry.save(update_fields=["score", "duration_ms", "scored_at", "rank_key", "counted_attempt"])
    if entry.union_id is not None:
        table = ContestUnionStat._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (contest_id, union_id, participants, score_sum, members) "  # noqa: S608
                "VALUES (%s, %s, %s, %s, 0) ON CONFLICT (contest_id, union_id) DO UPDATE SET "
                f"participants = {table}.participants + excluded.participants, "
                f"score_sum = {table}.score_sum + excluded.score_sum",
                [contest.pk, entry.union_id, 1 if first else 0, delta],
            )
        if first:
            fact_record(metric="contest_participants", union_id=entry.union_id, dim=str(contest.pk))
    transaction.on_commit(partial(leaderboard.redis_push, contest.pk, entry.user_id, key, best=best))
    return entry.score
