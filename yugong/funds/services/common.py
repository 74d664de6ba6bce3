"""Shared bits of the funds services: who may do what, settings, row locks, amount checks."""

from __future__ import annotations

from typing import Any, TypeVar

from django.conf import settings
from django.db.models import Model
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.core.errors import NotFound, ValidationFailed
from yugong.orgs.access import require_role
from yugong.orgs.models import Union

M = TypeVar("M", bound=Model)

# Prepare budgets, record income, ask to spend.
PREPARE_ROLES = frozenset({"chair", "vice_chair", "staff", "finance"})
# Approve budgets and spending requests (the union's leadership, 工会委员会 by its chair).
APPROVE_ROLES = frozenset({"chair", "vice_chair"})
# Pay out, release, record refunds and income: the finance officer (and the chair).
FINANCE_ROLES = frozenset({"chair", "finance"})
# Read everything: every role at the node, the audit committee (经审, read-only) included.
READ_ROLES = frozenset({"chair", "vice_chair", "staff", "finance", "auditor", "viewer"})

MAX_AMOUNT_FEN = 10**13  # a hundred billion yuan: anything above is a typing error


def second_approval_fen() -> int:
    """Spending above this amount (fen) needs a second approver (default 5,000 yuan)."""
    return int(getattr(settings, "FUNDS_SECOND_APPROVAL_FEN", 500_000))


def require(actor: User, union: Union, roles: frozenset[str]) -> None:
    require_role(actor, union, roles)


def lock(model: type[M], obj: M | int) -> M:
    """Re-read ``obj`` under a row lock (callers are inside a transaction)."""
    pk = obj if isinstance(obj, int) else obj.pk
    try:
        return model._default_manager.select_for_update().get(pk=pk)
    except model.DoesNotExist:  # type: ignore[attr-defined]
        raise NotFound() from None


def clean_amount(value: Any, *, field: str = "amount_fen", allow_zero: bool = False) -> int:
    if isinstance(value, bool):
        raise ValidationFailed(fields={field: _("金额应为整数（分）。")})
    try:
        amount = int(value)
    except (TypeError, ValueError):
        raise ValidationFailed(fields={field: _("金额应为整数（分）。")}) from None
    if amount != value and not isinstance(value, str):
        raise ValidationFailed(fields={field: _("金额应为整数（分）。")})
    if amount < 0 or (amount == 0 and not allow_zero):
        raise ValidationFailed(fields={field: _("金额应大于零。")})
    if amount > MAX_AMOUNT_FEN:
        raise ValidationFailed(fields={field: _("金额过大。")})
    return amount


def clean_words(value: Any, *, field: str, max_length: int, required: bool = True) -> str:
    from yugong.core.validators import clean_text

    text = clean_text(value).replace("\x00", "")
    if required and not text:
        raise ValidationFailed(fields={field: _("此项为必填项。")})
    if len(text) > max_length:
        raise ValidationFailed(fields={field: _("不能超过%(n)s个字符。") % {"n": max_length}})
    return text


def same_user(a: Any, b_id: int | None) -> bool:
    return b_id is not None and getattr(a, "pk", None) == b_id
