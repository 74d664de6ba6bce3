"""揭榜挂帅: a union posts a challenge (for a firm of its subtree or itself) with a reward and a
deadline; workers sign up as teams and join them until the deadline; the union chooses one team,
sets milestones and marks them done, then accepts the result and pays the award (each team member
earns credits through ``innovation.challenge_awarded``) or closes the challenge."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.timezone import now
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.core.audit import audit_record
from yugong.core.errors import Conflict, NotFound, ValidationFailed
from yugong.core.facts import fact_record
from yugong.orgs.access import access_object, require_role
from yugong.orgs.models import Union

from ..models import Challenge, Milestone, Team, TeamMember
from .common import MANAGE, credit_event, lock, text, worker_membership

Status = Challenge.Status
MAX_REWARD_FEN = 1_000_000_000  # ¥1,000 万

# Test-only: join without locking the team row (the race test's control), so the size check and
# the insert of concurrent joins interleave.
_UNGUARDED_TEAM_SIZE = False


@transaction.atomic
def challenge_post(
    *,
    actor: User,
    union: Union,
    title: str,
    poster: str,
    problem: str,
    requirements: str,
    reward_fen: int,
    signup_deadline: dt.datetime,
    due_on: dt.date,
    max_team_size: int = 8,
) -> Challenge:
    require_role(actor, union, MANAGE)
    errors: dict[str, Any] = {}
    title = text(errors, "title", title, 120, _("请填写榜单名称（120字以内）。"))
    poster = text(errors, "poster", poster, 120, _("发榜单位不能超过120字。"), required=False) or union.name
    problem = text(errors, "problem", problem, 3000, _("请填写技术难题（3000字以内）。"))
    requirements = text(
        errors, "requirements", requirements, 2000, _("揭榜要求不能超过2000字。"), required=False
    )
    if not 1 <= int(reward_fen) <= MAX_REWARD_FEN:
        errors["reward_fen"] = _("悬赏金额应在0.01元到1000万元之间。")
    if signup_deadline.tzinfo is None or signup_deadline <= now():
        errors["signup_deadline"] = _("揭榜截止时间应晚于现在。")
    elif due_on <= signup_deadline.date():
        errors["due_on"] = _("攻关完成期限应晚于揭榜截止时间。")
    if not 1 <= int(max_team_size) <= 50:
        errors["max_team_size"] = _("团队人数上限应在1到50之间。")
    if errors:
        raise ValidationFailed(fields=errors)
    c = Challenge.objects.create(
        union=union,
        poster=poster,
        title=title,
        problem=problem,
        requirements=requirements,
        reward_fen=int(reward_fen),
        signup_deadline=signup_deadline,
        due_on=due_on,
        max_team_size=int(max_team_size),
        created_by=actor,
    )
    audit_record(actor=actor, action="innovation.challenge_post", obj=c, union_id=union.pk)
    fact_record(metric="innovation_challenges", union_id=union.pk)
    return c


def _signup_open(c: Challenge) -> None:
    if c.status != Status.OPEN or now() >= c.signup_deadline:
        raise Conflict(_("该榜单已截止揭榜。"))


@transaction.atomic
def team_signup(*, actor: User, challenge: Challenge | int, name: str, plan: str) -> Team:
    """A worker takes up the challenge as the leader of a new team."""
    membership = worker_membership(actor)
    c = lock(Challenge.objects.all(), challenge.pk if isinstance(challenge, Challenge) else challenge)
    _signup_open(c)
    errors: dict[str, Any] = {}
    name = text(errors, "name", name, 60, _("请填写团队名称（60字以内）。"))
    plan = text(errors, "plan", plan, 3000, _("请填写攻关方案（3000字以内）。"))
    if errors:
        raise ValidationFailed(fields=errors)
    person = membership.person
    if TeamMember.objects.filter(challenge=c, person=person).exists():
        raise Conflict(_("您已加入本榜单的一个团队。"))
    if Team.objects.filter(challenge=c, name=name).exists():
        raise ValidationFailed(fields={"name": _("已有同名团队。")})
    team = Team.objects.create(challenge=c, name=name, leader=person, plan=plan)
    TeamMember.objects.create(team=team, challenge=c, person=person, name=person.name)
    audit_record(actor=actor, action="innovation.team_signup", obj=team, union_id=c.union_id)
    return team


@transaction.atomic
def team_join(*, actor: User, team: Team | int) -> TeamMember:
    """A worker joins a team that signed up, while sign-up is open and the team has room (the team
    row is locked, so two joining at once cannot pass the size limit)."""
    membership = worker_membership(actor)
    pk = team.pk if isinstance(team, Team) else team
    if _UNGUARDED_TEAM_SIZE:
        t = Team.objects.select_related("challenge").get(pk=pk)
    else:
        t = lock(Team.objects.select_related("challenge"), pk)
    c = t.challenge
    _signup_open(c)
    if t.status != Team.Status.SIGNED_UP:
        raise Conflict(_("该团队不再接受加入。"))
    if t.members.count() >= c.max_team_size:
        raise Conflict(_("该团队人数已满。"))
    person = membership.person
    try:
        with transaction.atomic():
            m = TeamMember.objects.create(team=t, challenge=c, person=person, name=person.name)
    except IntegrityError:
        raise Conflict(_("您已加入本榜单的一个团队。")) from None
    audit_record(actor=actor, action="innovation.team_join", obj=m, union_id=c.union_id)
    return m


def _staff_lock(actor: User, challenge: Challenge | int) -> Challenge:
    pk = challenge.pk if isinstance(challenge, Challenge) else challenge
    found = access_object(Challenge.objects.select_related("union"), actor, pk)
    require_role(actor, found.union, MANAGE)
    return lock(Challenge.objects.select_related("union"), found.pk)


def _require(c: Challenge, *statuses: str) -> None:
    if c.status not in statuses:
        raise Conflict(
            _("该榜单当前状态为“%(status)s”，不能办理此步骤。") % {"status": c.get_status_display()}
        )


@transaction.atomic
def team_select(*, actor: User, challenge: Challenge | int, team_id: int) -> Team:
    """The publishing union chooses the team that takes the challenge (揭榜成功); sign-up ends."""
    c = _staff_lock(actor, challenge)
    _require(c, Status.OPEN)
    team = Team.objects.filter(challenge=c, pk=team_id).first()
    if team is None:
        raise NotFound()
    Team.objects.filter(challenge=c).exclude(pk=team.pk).update(status=Team.Status.NOT_SELECTED)
    team.status = Team.Status.SELECTED
    team.save(update_fields=["status"])
    c.status = Status.UNDERWAY
    c.save(update_fields=["status"])
    audit_record(
        actor=actor,
        action="innovation.team_select",
        obj=c,
        union_id=c.union_id,
        changes={"status": [Status.OPEN, Status.UNDERWAY]},
        extra={"team": team.pk},
    )
    return team


@transaction.atomic
def milestone_add(*, actor: User, challenge: Challenge | int, title: str, due_on: dt.date) -> Milestone:
    c = _staff_lock(actor, challenge)
    _require(c, Status.UNDERWAY)
    errors: dict[str, Any] = {}
    title = text(errors, "title", title, 120, _("请填写节点名称（120字以内）。"))
    if due_on > c.due_on:
        errors["due_on"] = _("节点日期不能晚于攻关完成期限。")
    if errors:
        raise ValidationFailed(fields=errors)
    m = Milestone.objects.create(challenge=c, title=title, due_on=due_on)
    audit_record(actor=actor, action="innovation.milestone_add", obj=m, union_id=c.union_id)
    return m


@transaction.atomic
def milestone_done(*, actor: User, challenge: Challenge | int, milestone_id: int, note: str) -> Milestone:
    c = _staff_lock(actor, challenge)
    _require(c, Status.UNDERWAY)
    m = Milestone.objects.select_for_update().filter(challenge=c, pk=milestone_id).first()
    if m is None:
        raise NotFound()
    if m.done_at is not None:
        raise Conflict(_("该节点已完成。"))
    errors: dict[str, Any] = {}
    note = text(errors, "note", note, 500, _("请填写完成情况（500字以内）。"))
    if errors:
        raise ValidationFailed(fields=errors)
    m.done_at, m.note = now(), note
    m.save(update_fields=["done_at", "note"])
    audit_record(actor=actor, action="innovation.milestone_done", obj=m, union_id=c.union_id)
    return m


@transaction.atomic
def challenge_complete(*, actor: User, challenge: Challenge | int, result: str, award_fen: int) -> Challenge:
    """Accept the chosen team's result and pay the award (at most the reward posted). Every member
    of the team earns credits through ``innovation.challenge_awarded``."""
    c = _staff_lock(actor, challenge)
    _require(c, Status.UNDERWAY)
    errors: dict[str, Any] = {}
    result = text(errors, "result", result, 3000, _("请填写攻关成果（3000字以内）。"))
    if not 0 <= int(award_fen) <= c.reward_fen:
        errors["award_fen"] = _("奖励金额应在0到悬赏金额之间。")
    if c.milestones.filter(done_at__isnull=True).exists():
        errors["result"] = _("还有未完成的攻关节点。")
    if errors:
        raise ValidationFailed(fields=errors)
    team = Team.objects.get(challenge=c, status=Team.Status.SELECTED)
    c.status, c.result, c.award_fen, c.completed_at = Status.COMPLETED, result, int(award_fen), now()
    c.save(update_fields=["status", "result", "award_fen", "completed_at"])
    audit_record(
        actor=actor,
        action="innovation.challenge_complete",
        obj=c,
        union_id=c.union_id,
        changes={"status": [Status.UNDERWAY, Status.COMPLETED]},
        extra={"team": team.pk, "award_fen": c.award_fen},
    )
    fact_record(metric="innovation_challenges_completed", union_id=c.union_id)
    if c.award_fen:
        fact_record(metric="innovation_challenge_awards", union_id=c.union_id, value=c.award_fen)
    for person_id in team.members.order_by("person_id").values_list("person_id", flat=True):
        credit_event(
            kind="innovation.challenge_awarded",
            person_id=person_id,
            union_id=c.union_id,
            ref=f"challenge:{c.pk}",
            title=c.title,
            actor=actor,
            team_id=team.pk,
        )
    return c


@transaction.atomic
def challenge_close(*, actor: User, challenge: Challenge | int, note: str) -> Challenge:
    """Close a challenge without a result (nobody took it up, or the team did not deliver)."""
    c = _staff_lock(actor, challenge)
    _require(c, Status.OPEN, Status.UNDERWAY)
    errors: dict[str, Any] = {}
    note = text(errors, "result", note, 500, _("请填写关闭原因（500字以内）。"))
    if errors:
        raise ValidationFailed(fields=errors)
    before = c.status
    c.status, c.result = Status.CLOSED, note
    c.save(update_fields=["status", "result"])
    audit_record(
        actor=actor,
        action="innovation.challenge_close",
        obj=c,
        union_id=c.union_id,
        changes={"status": [before, Status.CLOSED]},
    )
    return c
