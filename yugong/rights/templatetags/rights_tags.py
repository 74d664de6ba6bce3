from __future__ import annotations

from django import template

from yugong.core.money import format_fen

register = template.Library()


@register.filter
def fen(value: int | None) -> str:
    return format_fen(int(value or 0))


@register.filter
def field_errors(errors: dict[str, list[str]] | None, name: str) -> list[str]:
    return (errors or {}).get(name, [])
