from __future__ import annotations

from django import template

from yugong.core.money import format_fen

register = template.Library()


@register.filter
def fen(value: object) -> str:
    """Integer fen as ¥1,234.50."""
    try:
        return format_fen(int(value))  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return ""


@register.filter
def yuan(value: object) -> str:
    """Integer fen as a plain yuan amount for a form field (1234.50)."""
    from yugong.funds.payments.wechatpay_bill import fen_to_yuan

    try:
        return fen_to_yuan(int(value))  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return ""
