"""五小 proposals: a worker submits one to their union; the union's staff accept it for review,
adopt it (grade and yearly benefit; credits through ``innovation.proposal_adopted``) or turn it
down with a reason, and grant the reward, paid from a line of the union's budget (``yugong.funds``)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.timezone import now
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.core.audit import audit_record
from yugong.core.errors import Conflict, ValidationFailed
from yugong.core.facts import fact_record
from yugong.funds import services as funds
from yugong.funds.models import Commitment
from yugong.orgs.access import access_object, require_role

from ..models import Proposal
from .common import MANAGE, credit_event, lock, text, worker_membership

Status = Proposal.Status
MAX_FEN = 10_000_000_000  # ¥1 亿
MAX_REWARD_FEN = 100_000_000  # ¥100 万 for one 五小 item


@transaction.atomic
def proposal_submit(
    *, actor: User, category: str, title: str, problem: str, solution: str, expected_benefit: str = ""
) -> Proposal:
    """A worker submits a 五小 proposal to the union they are a member of."""
    membership = worker_membership(actor)
    errors: dict[str, Any] = {}
    if category not in Proposal.Category.values:
        errors["category"] = _("请选择类别（小发明、小创造、小革新、小设计、小建议）。")
    title = text(errors, "title", title, 120, _("请填写项目名称（120字以内）。"))
    problem = text(errors, "problem", problem, 2000, _("请填写现状与问题（2000字以内）。"))
    solution = text(errors, "solution", solution, 3000, _("请填写改进措施（3000字以内）。"))
    expected_benefit = text(
        errors, "expected_benefit", expected_benefit, 500, _("预期效果不能超过500字。"), required=False
    )
    if errors:
        raise ValidationFailed(fields=errors)
    p = Proposal.objects.create(
        person=membership.person,
        proposer_name=membership.person.name,
        union=membership.union,
        category=category,
        title=title,
        problem=problem,
        solution=solution,
        expected_benefit=expected_benefit,
    )
    audit_record(actor=actor, action="innovation.proposal_submit", obj=p, union_id=p.union_id)
    fact_record(metric="innovation_proposals", union_id=p.union_id, dim=category)
    return p


def _staff_lock(actor: User, proposal: Proposal | int) -> Proposal:
    pk = proposal.pk if isinstance(proposal, Proposal) else proposal
    found = access_object(Proposal.objects.select_related("union"), actor, pk)
    require_role(actor, found.union, MANAGE)
    return lock(Proposal.objects.select_related("union"), found.pk)


def _require(p: Proposal, *statuses: str) -> None:
    if p.status not in statuses:
        raise Conflict(
            _("该项目当前状态为“%(status)s”，不能办理此步骤。") % {"status": p.get_status_display()}
        )


def _decided(p: Proposal, actor: User, status: str, note: str, action: str, **extra: Any) -> None:
    before = p.status
    p.status, p.review_note, p.decided_by, p.decided_at = status, note, actor, now()
    for k, v in extra.items():
        setattr(p, k, v)
    p.save(update_fields=["status", "review_note", "decided_by", "decided_at", *extra])
    audit_record(actor=actor, action=action, obj=p, union_id=p.union_id, changes={"status": [before, status]})


@transaction.atomic
def proposal_accept(*, actor: User, proposal: Proposal | int) -> Proposal:
    """The union accepts the proposal for review (评审中)."""
    p = _staff_lock(actor, proposal)
    _require(p, Status.SUBMITTED)
    _decided(p, actor, Status.REVIEWING, "", "innovation.proposal_accept")
    return p


@transaction.atomic
def proposal_reject(*, actor: User, proposal: Proposal | int, note: str) -> Proposal:
    p = _staff_lock(actor, proposal)
    _require(p, Status.SUBMITTED, Status.REVIEWING)
    errors: dict[str, Any] = {}
    note = text(errors, "note", note, 500, _("请填写未采纳的理由（500字以内）。"))
    if errors:
        raise ValidationFailed(fields=errors)
    _decided(p, actor, Status.REJECTED, note, "innovation.proposal_reject")
    return p


@transaction.atomic
def proposal_adopt(
    *, actor: User, proposal: Proposal | int, grade: str, benefit_fen: int, note: str = ""
) -> Proposal:
    """Adopt a proposal under review: its grade and the yearly benefit assessed. The proposer earns
    credits through ``innovation.proposal_adopted`` (once per proposal)."""
    p = _staff_lock(actor, proposal)
    _require(p, Status.REVIEWING)
    errors: dict[str, Any] = {}
    if grade not in Proposal.Grade.values:
        errors["grade"] = _("请选择采纳等级。")
    if not 0 <= int(benefit_fen) <= MAX_FEN:
        errors["benefit_fen"] = _("年经济效益应在0到1亿元之间。")
    note = text(errors, "note", note, 500, _("评审意见不能超过500字。"), required=False)
    if errors:
        raise ValidationFailed(fields=errors)
    _decided(
        p, actor, Status.ADOPTED, note, "innovation.proposal_adopt", grade=grade, benefit_fen=int(benefit_fen)
    )
    fact_record(metric="innovation_proposals_adopted", union_id=p.union_id, dim=p.category)
    credit_event(
        kind="innovation.proposal_adopted",
        person_id=p.person_id,
        union_id=p.union_id,
        ref=f"proposal:{p.pk}",
        title=p.title,
        actor=actor,
        category=p.category,
        grade=grade,
    )
    return p


@transaction.atomic
def proposal_reward(
    *, actor: User, proposal: Proposal | int, reward_fen: int, line_id: Any = None
) -> Proposal:
    """Grant the reward of an adopted proposal, paid from union funds the way award bonuses are
    (``yugong.funds.services.spending``): a spending request for ``reward_fen`` on ``line_id``, a
    line of the proposal's union's own approved budget (required; missing, closed or another
    union's is refused on ``budget_line`` before anything is written), named after the proposer. A
    leader approves it in funds (never their own request), and finance pays it out to the proposer
    in a bank batch of kind 奖金 (代发), whose result settles it. One request per proposal (funds
    keeps one open commitment per scenario object): a reward turned down in funds can be asked for
    again (another amount or line), the refused request kept in funds as it was."""
    p = _staff_lock(actor, proposal)
    if not reward_open(p):
        _require(p, Status.ADOPTED)
    # Asked again after a refusal: the rewards fact moves by the difference, not by a second reward.
    counted_fen = p.reward_fen if p.status == Status.REWARDED else 0
    errors: dict[str, Any] = {}
    if (
        isinstance(reward_fen, bool)
        or not isinstance(reward_fen, int)
        or not 1 <= reward_fen <= MAX_REWARD_FEN
    ):
        errors["reward_fen"] = _("奖励金额应在0.01元到100万元之间。")
    problem = funds.spending_line_error(union=p.union, line_id=line_id)
    if problem:
        errors["budget_line"] = problem
    if errors:
        raise ValidationFailed(fields=errors)
    commitment = funds.spending_open(
        actor=actor,
        union=p.union,
        line_id=line_id,
        amount_fen=reward_fen,
        purpose=_("五小奖励：%(title)s %(name)s") % {"title": p.title, "name": p.proposer_name},
        ref=p,
    )
    before = p.status
    p.status, p.reward_fen, p.rewarded_at, p.reward_commitment = (
        Status.REWARDED,
        reward_fen,
        now(),
        commitment,
    )
    p.save(update_fields=["status", "reward_fen", "rewarded_at", "reward_commitment"])
    audit_record(
        actor=actor,
        action="innovation.proposal_reward",
        obj=p,
        union_id=p.union_id,
        changes={"status": [before, Status.REWARDED]},
        extra={
            "reward_fen": p.reward_fen,
            "line": int(line_id),
            "commitment": commitment.pk,
        },
    )
    if p.reward_fen != counted_fen:
        fact_record(
            metric="innovation_proposal_rewards", union_id=p.union_id, value=p.reward_fen - counted_fen
        )
    return p


def reward_open(p: Proposal) -> bool:
    """May the union ask for the proposal's reward now: adopted, or rewarded but the spending
    request turned down in funds (the one rule of the service and of the page's form)."""
    if p.status == Status.ADOPTED:
        return True
    c = p.reward_commitment if p.reward_commitment_id else None
    return p.status == Status.REWARDED and c is not None and c.status == Commitment.Status.REJECTED


def reward_state(commitment: Commitment | None) -> str:
    """For people: 待批准, 待发放, 已发放, 已驳回 (the reward's spending request as it stands)."""
    if commitment is None:
        return ""
    status = commitment.status
    if status in (Commitment.Status.PENDING, Commitment.Status.FIRST_APPROVED):
        return str(_("待批准"))
    if status == Commitment.Status.RESERVED:
        return str(_("待发放"))
    if status == Commitment.Status.CLOSED and commitment.spent_fen > 0:
        return str(_("已发放"))
    return str(_("已驳回") if status == Commitment.Status.REJECTED else _("已取消"))
