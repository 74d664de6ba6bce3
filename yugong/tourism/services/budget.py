"""Union funds behind tourism's union purchases (包场/group orders, annual-pass batches).

A purchase may name a line of the ordering union's approved budget (``yugong.funds``): the request
opens a spending request (commitment) for the amount; approving the purchase first approves the
spending under the funds rules (nobody approves their own request; above
``FUNDS_SECOND_APPROVAL_FEN`` a second, different leader) — in its own transaction, so a first
approval is kept when a second is still needed — then, in the purchase's transaction, spends the
reservation; rejecting the purchase withdraws the request or releases the reservation; a refund
gives the money back to the line."""

from __future__ import annotations

from django.db.models import Model
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.core.errors import Conflict, ValidationFailed
from yugong.funds import services as funds
from yugong.funds.models import BudgetLine, Commitment
from yugong.orgs.models import Union


def budget_ask(
    *, actor: User, union: Union, line_id: int | None, amount_fen: int, purpose: str, ref: Model
) -> Commitment | None:
    """Inside the caller's transaction, after ``ref`` is saved. None when no line was named."""
    if line_id is None:
        return None
    line = BudgetLine.objects.filter(pk=line_id).only("pk", "union_id").first()
    if line is None or line.union_id != union.pk:
        raise ValidationFailed(fields={"budget_line": _("请选择本工会已批准的预算项目。")})
    return funds.commitment_request(
        actor=actor, line=line, amount_fen=amount_fen, purpose=purpose[:200], ref=ref
    )


def budget_approve(*, actor: User, commitment_id: int | None) -> None:
    """Before the purchase's own transaction: approve the spending request (funds rules) unless it is
    reserved already; a request that still needs a second approver stops the purchase here, with
    the first approval kept."""
    if commitment_id is None:
        return
    c = Commitment.objects.get(pk=commitment_id)
    if c.status in (Commitment.Status.PENDING, Commitment.Status.FIRST_APPROVED):
        c = funds.commitment_approve(actor=actor, commitment=c)
    if c.status == Commitment.Status.FIRST_APPROVED:
        raise Conflict(
            _("支出金额超过限额：已记录您的审批，需另一位负责人复核后方可批准。"), code="second_approval"
        )
    if c.status != Commitment.Status.RESERVED:
        raise Conflict(_("经费申请已驳回或已完结，不能批准。"), code="budget_closed")


def budget_spend(*, actor: User, commitment_id: int | None, amount_fen: int, memo: str) -> None:
    """Inside the purchase's transaction: the reservation becomes spending (ledger rows with it)."""
    if commitment_id is not None:
        funds.commitment_spend_for(actor=actor, commitment=commitment_id, amount_fen=amount_fen, memo=memo)


def budget_withdraw(*, actor: User, commitment_id: int | None, reason: str) -> None:
    if commitment_id is not None:
        funds.commitment_withdraw_for(actor=actor, commitment=commitment_id, reason=reason or _("申请已驳回"))


def budget_refund(*, actor: User, commitment_id: int | None, amount_fen: int, memo: str) -> None:
    if commitment_id is not None and amount_fen > 0:
        funds.commitment_refund_for(actor=actor, commitment=commitment_id, amount_fen=amount_fen, memo=memo)
