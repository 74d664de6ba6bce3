"""Writes for knowledge contests. Skills competitions: :mod:`yugong.contests.skills`; the start
and submit hot path (and its timing and concurrency rules): :mod:`yugong.contests.quiz.attempts`,
re-exported here (``attempt_start``, ``attempt_submit``, ``attempt_submit_current``).

Timing rules (all on the server clock):

* an attempt's ``deadline`` = start + the contest's time limit, but never after the contest closes;
* a submission is accepted until ``deadline + CONTESTS_SUBMIT_GRACE_SECONDS`` (default 5 s, for
  the network between the phone's countdown reaching zero and the request arriving); later ones
  are refused (409 ``late``) and the attempt is closed as expired without a score;
* the time used is ``min(submitted_at, deadline) - started_at``.
"""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.core.audit import audit_record
from yugong.core.errors import Conflict, NotFound, ValidationFailed
from yugong.core.facts import fact_record
from yugong.core.timeutil import now
from yugong.members.models import Membership
from yugong.orgs import tree
from yugong.orgs.access import MANAGE_ROLES, require_role
from yugong.orgs.models import Union

from .models import Contest, ContestEntry, ContestUnionStat, QuestionBank
from .quiz import pool_forget
from .quiz.admission import Admission, admit_start  # noqa: F401 - the waiting room for starts
from .quiz.attempts import (  # noqa: F401 - the public write path of taking part
    AttemptView,
    Started,
    Submitted,
    _live_contest,
    attempt_start,
    attempt_submit,
    attempt_submit_current,
    grace_seconds,
    open_to,
)

# --- Contest set-up (staff) ----------------------------------------------------------------


def contest_create(
    *,
    actor: User,
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
        or not tree.within(organiser.path, bank.union.path)
        and not tree.within(bank.union.path, organiser.path)
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
def contest_publish(*, actor: User, contest: Contest) -> Contest:
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
def contest_close(*, actor: User, contest: Contest) -> Contest:
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
        Membership.objects.filter(tree.in_subtrees(contest.organiser.path), status__in=Membership.CURRENT)
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
    if not open_to(contest, union.path if union else None):
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
        marked = ContestEntry.objects.filter(pk=entry.pk, material_read_at__isnull=True).update(
            material_read_at=now()
        )
        entry.refresh_from_db(fields=["material_read_at"])
        if marked:
            audit_record(actor=user, action="contest.material_confirm", obj=entry, union_id=entry.union_id)
    return entry
