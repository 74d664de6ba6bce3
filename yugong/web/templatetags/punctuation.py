"""Punctuation that follows the page's language: Chinese pages keep full-width marks (姓名：张三),
English pages get ASCII ones with English spacing (Name: 张三). Built into every template
(settings.TEMPLATES ``builtins``), so templates write ``{% translate '姓名' %}{% colon %}`` without a
``{% load %}``; ``tests/test_punctuation.py`` keeps bare full-width marks out of the templates.

Each mark is a literal ``pgettext`` call so that makemessages finds it; the context keeps these
msgids apart from real sentences."""

from __future__ import annotations

from django import template
from django.utils.translation import pgettext

register = template.Library()


@register.simple_tag
def colon() -> str:
    return pgettext("punctuation", "：")


@register.simple_tag
def lparen() -> str:
    return pgettext("punctuation", "（")


@register.simple_tag
def rparen() -> str:
    return pgettext("punctuation", "）")


@register.simple_tag
def enum() -> str:
    """The enumeration comma 、 between items of a list."""
    return pgettext("punctuation", "、")


@register.simple_tag
def comma() -> str:
    return pgettext("punctuation", "，")


@register.simple_tag
def semicolon() -> str:
    return pgettext("punctuation", "；")


@register.simple_tag
def fullstop() -> str:
    return pgettext("punctuation", "。")


# Full-width mark → the tag that writes it (used by the template check and the rewrite).
MARKS = {
    "：": "colon",
    "（": "lparen",
    "）": "rparen",
    "、": "enum",
    "，": "comma",
    "；": "semicolon",
    "。": "fullstop",
}
