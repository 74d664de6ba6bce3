"""Award bonuses (奖金) paid through union funds (issue 14). After a round is awarded, the
organiser's staff grant a bonus to its honours from a line of the organising union's approved
budget: each honour gets a spending request (``funds.spending_open``; the line is required and must
be the organiser's own) for the amount, named after the laureate. A leader approves it in funds (the
one approval: nobody approves their own request; a second leader above the threshold), and finance
pays it out to the laureate in a bank batch of kind 奖金 (``funds`` 代发批次: the reserved request is
listed as payable; the bank's result settles it; a failed line is followed up there). Honors imports
funds; funds imports no scenario app."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.core.audit import audit_record
from yugong.core.errors import Conflict, ValidationFailed
from yugong.funds import services as funds
from yugong.funds.models import Commitment
from yugong.funds.services.common import MAX_AMOUNT_FEN
from yugong.orgs.access import MANAGE_ROLES, access_object, require_role

from .models import Honour, HonourBonus, Round


def _round(actor: User, round_id: Any) -> Round:
    qs = Round.objects.select_related("union", "kind").select_for_update(of=("self",))
    return access_object(qs, actor, round_id, path_field="union__path")


@transaction.atomic
def round_bonus_grant(
    *, actor: User, round_id: Any, line_id: Any, amount_fen: Any, honour_ids: list[int] | None = None
) -> list[HonourBonus]:
    """A bonus of ``amount_fen`` for every honour of the awarded round (or those named) that has
    none yet; all or nothing."""
    r = _round(actor, round_id)
    require_role(actor, r.union, MANAGE_ROLES)
    if r.status != Round.Status.AWARDED:
        raise Conflict(_("表彰后才能发放奖金。"), code="not_awarded")
    errors: dict[str, str] = {}
    if (
        isinstance(amount_fen, bool)
        or not isinstance(amount_fen, int)
        or not 0 < amount_fen <= MAX_AMOUNT_FEN
    ):
        errors["amount"] = _("奖金须为正数。")
    problem = funds.spending_line_error(union=r.union, line_id=line_id)
    if problem:
        errors["budget_line"] = problem
    if errors:
        raise ValidationFailed(fields=errors)
    honours = (
        Honour.objects.filter(nomination__round=r, bonus__isnull=True).select_related("kind").order_by("pk")
    )
    if honour_ids is not None:
        honours = honours.filter(pk__in=honour_ids)
    made = []
    for honour in honours:
        commitment = funds.spending_open(
            actor=actor,
            union=r.union,
            line_id=line_id,
            amount_fen=amount_fen,
            purpose=_("荣誉奖金：%(kind)s %(holder)s") % {"kind": honour.kind.name, "holder": honour.holder},
            ref=honour,
        )
        made.append(
            HonourBonus.objects.create(
                honour=honour, commitment=commitment, amount_fen=amount_fen, created_by=actor
            )
        )
    if not made:
        raise Conflict(_("本次表彰的获奖者都已申请奖金。"), code="nothing_to_grant")
    audit_record(
        actor=actor,
        action="honors.bonus_grant",
        obj=r,
        union_id=r.union_id,
        extra={"honours": len(made), "amount_fen": amount_fen, "line": int(line_id)},
    )
    return made


def bonus_state(commitment: Commitment) -> str:
    """For people: 待批准, 待发放, 已发放, 已驳回 (from the spending request as it stands)."""
    status = commitment.status
    if status in (Commitment.Status.PENDING, Commitment.Status.FIRST_APPROVED):
        return str(_("待批准"))
    if status == Commitment.Status.RESERVED:
        return str(_("待发放"))
    if status == Commitment.Status.CLOSED and commitment.spent_fen > 0:
        return str(_("已发放"))
    return str(_("已驳回") if status == Commitment.Status.REJECTED else _("已取消"))


def round_bonuses(r: Round) -> list[HonourBonus]:
    """The round's bonuses with their requests (one query)."""
    return list(
        HonourBonus.objects.filter(honour__nomination__round=r)
        .select_related("honour", "commitment")
        .order_by("honour_id")
    )
