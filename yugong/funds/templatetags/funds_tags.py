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
