from __future__ import annotations

from django import template

from yugong.core.money import format_fen
from yugong.core.pii import mask_name as _mask_name

register = template.Library()


@register.filter
def fen(value: object) -> str:
    """Integer fen as ¥1,234.50."""
    try:
        return format_fen(int(value))  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return ""


@register.filter
def mask_name(value: object) -> str:
    """A name as others see it on a public page (张*傅)."""
    return _mask_name(str(value or ""))
