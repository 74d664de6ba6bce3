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


@register.filter
def title_cut(value: str | None, limit: int) -> str:
    """A title shortened for a list column by the same rule as derived titles (word boundary,
    number and unit together, full-width punctuation kept)."""
    from ..titles import title_from

    return title_from(value, limit=int(limit))


@register.filter
def timeline_text(value: str | None) -> str:
    """A timeline entry's text in the reader's language (see rights.timeline)."""
    from ..timeline import localize_text

    return localize_text(value or "")
