"""Shared bits of the tourism services: settings, numbering, facts, payment ledger lines."""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings

from yugong.core.facts import fact_record
from yugong.core.timeutil import local_now
from yugong.funds import ledger

from ..models import Order


def hold_minutes() -> int:
    return int(getattr(settings, "ORDER_HOLD_MINUTES", 15))


def family_limit() -> int:
    """How many tickets one worker may book in one order (themself and family)."""
    return int(getattr(settings, "TOURISM_FAMILY_LIMIT", 5))


def pass_cap_fen() -> int:
    """Union rules: at most 200 yuan per worker per year for the annual pass."""
    return int(getattr(settings, "ANNUAL_PASS_CAP_FEN", 20000))


def new_number(prefix: str) -> str:
    return f"{prefix}{local_now():%y%m%d}{secrets.randbelow(10**10):010d}"


def source_account(provider: str, order: Order) -> str:
    if provider == "union_funds" and order.union_id:
        return ledger.union_funds(order.union_id)
    return ledger.PLATFORM_CASH


def payment_lines(
    *, provider: str, order: Order, amount_fen: int, commission_bp: int
) -> list[tuple[str, int]]:
    """The lines of receiving ``amount_fen`` for ``order`` (negate them for a refund).

    Gateway or union funds: the money lands with the platform, which owes the merchant the amount
    less commission. At the venue the merchant keeps the money and owes the platform the commission.
    """
    commission = ledger.commission_of(amount_fen, commission_bp)
    payable = ledger.merchant_payable(order.merchant_id)
    if provider == "venue":
        return [(payable, commission), (ledger.COMMISSION, -commission)]
    return [
        (source_account(provider, order), amount_fen),
        (payable, -(amount_fen - commission)),
        (ledger.COMMISSION, -commission),
    ]


def fact_union_id(order: Order) -> int:
    """Facts go to the buyer's union; a buyer who is not a member counts at the merchant's host
    union (the platform operator), so every order is counted somewhere in the tree."""
    return int(order.union_id or order.merchant.host_union_id)


def record_paid_facts(order: Order) -> None:
    union_id = fact_union_id(order)
    kind = order.product.kind
    fact_record(metric="tourism.orders", union_id=union_id, dim=kind)
    fact_record(metric="tourism.visitors", union_id=union_id, value=order.quantity, dim=kind)
    fact_record(metric="tourism.paid_fen", union_id=union_id, value=order.amount_fen, dim=kind)
    if order.saved_fen:
        fact_record(metric="tourism.saved_fen", union_id=union_id, value=order.saved_fen, dim=kind)


def bind(func: Any, *args: Any, **kwargs: Any) -> Any:
    """A callable with its values bound now (for ``on_commit``; no closures over loop variables)."""
    from functools import partial

    return partial(func, *args, **kwargs)
