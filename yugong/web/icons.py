"""Icon names used by navigation declarations, mapped to what the shell draws today (glyphs).

Declarations name an icon by key (``icon="station"``); only this mapping knows how it looks, so
the glyphs can become an SVG sprite without touching any app. An unknown key draws the first
character of the label."""

from __future__ import annotations

GLYPHS: dict[str, str] = {
    # H5 bottom tabs
    "home": "⌂",
    "services": "☕",
    "growth": "★",
    "help": "♥",
    "me": "☺",
    # home-grid tiles
    "join": "会",
    "card": "卡",
    "station": "港",
    "tourism": "游",
    "contest": "赛",
    "learning": "学",
    "assistance": "帮",
    "rights": "诉",
    "news": "讯",
}


def glyph(key: str, label: object = "") -> str:
    if key in GLYPHS:
        return GLYPHS[key]
    text = str(label or "")
    return text[:1]
