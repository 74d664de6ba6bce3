"""Paying a scenario's purchase from union funds: what tourism (包场/group orders, annual passes),
events (activities) and honors (award bonuses) call. The rules live here, once:

* **A budget line is required.** Whatever a union pays from its funds names a line of its own
  approved budget; missing, another union's or not open is refused with a Chinese error on the
  scenario's field (``budget_line``), before anything is written.
* The purchase opens a spending request (``commitment_request``, one per scenario object); the
  scenario's approval approves it through the one approval path (``commitment_approve_id``: no
  self-approval; above ``FUNDS_SECOND_APPROVAL_FEN`` a second, different leader) and the money is
  reserved; the purchase spends it in its own transaction; a rejection or cancellation withdraws the
  request or releases the reservation; a refund gives the money back to the line.

The scenario checks its own actor's right to decide (its role rules) before calling the ``*_for``
writes; funds still holds its own (reserved first, never more than reserved, never overdrawn)."""

from __future__ import annotations

from typing import Any

from django.db.models import Model
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.core.errors import Conflict, ValidationFailed
from yugong.orgs.models import Union

from ..models import BudgetLine, Commitment
from .approval import commitment_approve_id
from .commitments import (
    commitment_refund_for,
    commitment_release_for,
    commitment_request,
    commitment_spend_for,
    commitment_withdraw_for,
)

LINE_FIELD = "budget_line"


def spending_line_error(*, union: Union | int, line_id: Any) -> str | None:
    """Why ``line_id`` cannot pay for ``union`` (a message for the scenario's form), or None."""
    union_id = union if isinstance(union, int) else union.pk
    if line_id in (None, "") or isinstance(line_id, bool):
        return _("经费支付必须选择本工会已批准的预算项目。")
    try:
        pk = int(line_id)
    except (TypeError, ValueError):
        return _("请选择本工会已批准的预算项目。")
    line = BudgetLine.objects.filter(pk=pk).only("pk", "union_id", "open").first()
    if line is None or line.union_id != union_id:
        return _("请选择本工会已批准的预算项目。")
    if not line.open:
        return _("该预算项目尚未批准或已关闭，不能支付。")
    return None


def spending_open(
    *,
    actor: User,
    union: Union,
    line_id: Any,
    amount_fen: int,
    purpose: str,
    ref: Model,
    field: str = LINE_FIELD,
) -> Commitment:
    """Inside the scenario's transaction, after ``ref`` is saved: the spending request for it."""
    problem = spending_line_error(union=union, line_id=line_id)
    if problem:
        raise ValidationFailed(fields={field: problem})
    return commitment_request(
        actor=actor, line=int(line_id), amount_fen=amount_fen, purpose=purpose[:200], ref=ref
    )


def spending_approve(*, actor: User, commitment_id: int) -> Commitment:  # audited by commitment_approve_id
    """Before the scenario's own transaction: approve the request unless reserved already. A
    request that still needs a second approver stops the scenario here, the first approval kept;
    a request rejected or closed cannot pay."""
    c = Commitment.objects.only("pk", "status").get(pk=commitment_id)
    if c.status in (Commitment.Status.PENDING, Commitment.Status.FIRST_APPROVED):
        c = commitment_approve_id(actor=actor, commitment_id=commitment_id)
    if c.status == Commitment.Status.FIRST_APPROVED:
        raise Conflict(
            _("支出金额超过限额：已记录您的审批，需另一位负责人复核后方可批准。"), code="second_approval"
        )
    if c.status != Commitment.Status.RESERVED:
        raise Conflict(_("经费申请已驳回或已完结，不能批准。"), code="budget_closed")
    return c


def spending_spend(*, actor: User, commitment_id: int, amount_fen: int, memo: str) -> Commitment:
    """Inside the scenario's transaction: the reservation becomes spending (ledger rows with it)."""
    return commitment_spend_for(actor=actor, commitment=commitment_id, amount_fen=amount_fen, memo=memo)


def spending_settle(*, actor: User, commitment_id: int, amount_fen: int, memo: str) -> Commitment:
    """Spend ``amount_fen`` (what it really cost, no more than reserved) and give the rest of the
    reservation back to the line — one call, in the caller's transaction."""
    c = (
        commitment_spend_for(actor=actor, commitment=commitment_id, amount_fen=amount_fen, memo=memo)
        if (amount_fen > 0)
        else Commitment.objects.get(pk=commitment_id)
    )
    if c.status == Commitment.Status.RESERVED and c.reserved_fen:
        c = commitment_release_for(actor=actor, commitment=commitment_id, memo=memo)
    return c


def spending_withdraw(*, actor: User, commitment_id: int, reason: str) -> Commitment:
    """The purchase was rejected or cancelled: a waiting request is closed, a reservation released."""
    return commitment_withdraw_for(actor=actor, commitment=commitment_id, reason=reason or _("申请已驳回"))


def spending_refund(*, actor: User, commitment_id: int, amount_fen: int, memo: str) -> Commitment | None:
    """Money paid came back (a refunded order): the line gets it back."""
    if amount_fen <= 0:
        return None
    return commitment_refund_for(actor=actor, commitment=commitment_id, amount_fen=amount_fen, memo=memo)
