from __future__ import annotations

from django import template
from django.templatetags.static import static
from django.utils.html import format_html

from yugong.web.icons import tabler_name

register = template.Library()


def _svg(name: str, css: str) -> str:
    return format_html(
        '<svg class="yg-icon{}" aria-hidden="true" focusable="false"><use href="{}#{}"></use></svg>',
        f" {css}" if css else "",
        static("vendor/icons.svg"),
        name,
    )


@register.simple_tag
def nav_icon(key: str, label: object = "", css: str = "") -> str:
    """The SVG icon for a navigation icon key (``{% nav_icon t.icon %}``); decorative (the label
    beside it names the link), so hidden from assistive technology."""
    return _svg(tabler_name(key), css)


@register.simple_tag
def icon(name: str, css: str = "") -> str:
    """A Tabler icon by its own name (``{% icon "ticket" %}``); the build packs it into the sprite."""
    return _svg(name, css)
