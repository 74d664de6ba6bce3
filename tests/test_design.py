"""The design system holds: every colour literal in a template or a stylesheet is one of the
palette's (yugong/static/yugong/palette.css), and no navigation icon or template draws a single
character as an icon (the Tabler sprite does)."""

from __future__ import annotations

import re
from pathlib import Path

from django.template import Context, Template
from django.test import RequestFactory

from yugong.core import nav
from yugong.web import icons

ROOT = Path(__file__).resolve().parent.parent / "yugong"
PALETTE = ROOT / "static" / "yugong" / "palette.css"
COLOUR = re.compile(r"(?<![&\w])#[0-9a-fA-F]{3,8}\b|\b(?:rgba?|hsla?)\([^)]*\)")
# Sources checked: our templates and stylesheets (vendored third-party files are not ours).
SOURCES = [
    p
    for pattern in ("**/templates/**/*.html", "static/**/*.css")
    for p in ROOT.glob(pattern)
    if "vendor" not in p.parts and p != PALETTE
]
TABLER = Path(__file__).resolve().parent.parent / "node_modules" / "@tabler" / "icons" / "icons" / "outline"


def _norm(colour: str) -> str:
    return re.sub(r"\s+", "", colour.lower())


def _palette() -> set[str]:
    text = PALETTE.read_text(encoding="utf-8")
    return {_norm(c) for c in COLOUR.findall(text)}


def test_the_palette_file_exists_and_has_the_brand_colours() -> None:
    assert {"#c8161d", "#1d4f91"} <= _palette()


def test_no_template_or_stylesheet_uses_a_colour_outside_the_palette() -> None:
    palette = _palette()
    assert SOURCES
    bad = []
    for path in SOURCES:
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".html":
            # HTML character references (&#12290;) are not colours.
            text = re.sub(r"&#x?[0-9a-fA-F]+;", "", text)
        for colour in COLOUR.findall(text):
            if _norm(colour) not in palette:
                bad.append(f"{path.relative_to(ROOT)}: {colour}")
    assert not bad, "colours outside palette.css (use var(--yg-…)):\n" + "\n".join(bad)


def _contrast(a: str, b: str) -> float:
    def lum(h: str) -> float:
        channels = [int(h[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    hi, lo = sorted([lum(a), lum(b)], reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_text_colours_of_the_palette_keep_a_contrast_of_4_5() -> None:
    values = dict(re.findall(r"(--yg-[a-z0-9-]+):\s*(#[0-9a-fA-F]{6})", PALETTE.read_text(encoding="utf-8")))
    for text in ("--yg-red", "--yg-blue", "--yg-green", "--yg-amber", "--yg-ink", "--yg-ink-2", "--yg-muted"):
        for ground in ("--yg-surface", "--yg-bg"):
            assert _contrast(values[text], values[ground]) >= 4.5, (text, ground)
    for brand in ("--yg-red", "--yg-red-dark", "--yg-blue", "--yg-green", "--yg-amber", "--yg-dark"):
        assert _contrast(values["--yg-on-brand"], values[brand]) >= 4.5, brand


def test_every_navigation_icon_key_maps_to_a_tabler_icon() -> None:
    keys = {i.icon for kind in (nav.Tab, nav.HomeTile, nav.TabEntry) for i in nav.declared(kind) if i.icon}
    keys |= {
        i.url_name.partition(":")[0] for kind in (nav.HomeTile, nav.TabEntry) for i in nav.declared(kind)
    }
    missing = sorted(k for k in keys if k not in icons.TABLER)
    assert not missing, f"navigation icon keys without a Tabler icon in yugong/web/icons.py: {missing}"
    if TABLER.exists():  # node_modules present (make setup)
        absent = sorted(n for n in icons.sprite_names() if not (TABLER / f"{n}.svg").exists())
        assert not absent


def test_no_single_character_icons() -> None:
    """No glyph mapping is left, and no template puts one character in an icon box."""
    assert not hasattr(icons, "GLYPHS")
    boxed = re.compile(r'class="[^"]*(?:icon)[^"]*"[^>]*>\s*[^\s<{]\s*<')
    bad = [
        str(p.relative_to(ROOT))
        for p in SOURCES
        if p.suffix == ".html" and boxed.search(p.read_text(encoding="utf-8"))
    ]
    assert not bad, bad
    out = Template('{% load navicons %}{% nav_icon "home" %}{% icon "ticket" %}').render(
        Context({"request": RequestFactory().get("/")})
    )
    assert out.count("<svg") == 2 and 'aria-hidden="true"' in out and "#home" in out and "#ticket" in out
