from __future__ import annotations

from django import template

from yugong.web.icons import glyph

register = template.Library()


@register.simple_tag
def nav_icon(key: str, label: object = "") -> str:
    """The glyph for a navigation icon key (``{% nav_icon t.icon t.label %}``)."""
    return glyph(key, label)
