"""Union funds behind tourism's union purchases (包场/group orders, annual-pass batches).

A union purchase is paid from the ordering union's funds, so it MUST name a line of that union's
approved budget (``yugong.funds``; the rule — and its Chinese error on ``budget_line`` — lives in
``funds.services.spending``, which tourism calls). The request opens a spending request for the
amount; approving the purchase first approves the spending under the funds rules (nobody approves
their own request; above ``FUNDS_SECOND_APPROVAL_FEN`` a second, different leader) — in its own
transaction, so a first approval is kept when a second is still needed — then, in the purchase's
transaction, spends the reservation; rejecting the purchase withdraws the request or releases the
reservation; a refund gives the money back to the line."""

from __future__ import annotations

from typing import Any

from django.db.models import Model

from yugong.accounts.models import User
from yugong.funds import services as funds
from yugong.funds.models import Commitment
from yugong.orgs.models import Union


def budget_line_error(*, union: Union, line_id: Any) -> str | None:
    """Checked with the request's other fields, before anything is written."""
    return funds.spending_line_error(union=union, line_id=line_id)


def budget_ask(
    *, actor: User, union: Union, line_id: Any, amount_fen: int, purpose: str, ref: Model
) -> Commitment:
    """Inside the caller's transaction, after ``ref`` is saved."""
    return funds.spending_open(
        actor=actor, union=union, line_id=line_id, amount_fen=amount_fen, purpose=purpose, ref=ref
    )


def budget_approve(*, actor: User, commitment_id: int | None) -> None:
    """Before the purchase's own transaction (purchases made before budget lines were required
    have none: nothing to approve)."""
    if commitment_id is not None:
        funds.spending_approve(actor=actor, commitment_id=commitment_id)


def budget_spend(*, actor: User, commitment_id: int | None, amount_fen: int, memo: str) -> None:
    """Inside the purchase's transaction: the reservation becomes spending (ledger rows with it)."""
    if commitment_id is not None:
        funds.spending_spend(actor=actor, commitment_id=commitment_id, amount_fen=amount_fen, memo=memo)


def budget_withdraw(*, actor: User, commitment_id: int | None, reason: str) -> None:
    if commitment_id is not None:
        funds.spending_withdraw(actor=actor, commitment_id=commitment_id, reason=reason)


def budget_refund(*, actor: User, commitment_id: int | None, amount_fen: int, memo: str) -> None:
    if commitment_id is not None:
        funds.spending_refund(actor=actor, commitment_id=commitment_id, amount_fen=amount_fen, memo=memo)
