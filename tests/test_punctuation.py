"""Full-width punctuation in templates sits inside translated strings or comes from the
punctuation tags ({% colon %}, {% lparen %}, …), so English pages read "Name: 张三", not "Name：张三"."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.template import engines
from django.utils import translation

from yugong.web.templatetags.punctuation import MARKS

ROOT = Path(__file__).resolve().parent.parent / "yugong"
TOKEN = re.compile(r"(\{%.*?%\}|\{\{.*?\}\}|\{#.*?#\})", re.S)
OPENS = re.compile(r"\{%\s*(blocktranslate|blocktrans|comment)\b")
CLOSES = re.compile(r"\{%\s*(endblocktranslate|endblocktrans|endcomment)\s*%\}")


def bare_marks(source: str) -> list[tuple[int, str]]:
    """(line, mark) of every full-width mark in plain template text: not in a tag, a variable, a
    comment or a blocktranslate block."""
    found, depth, line = [], 0, 1
    for token in TOKEN.split(source):
        if token.startswith("{%"):
            if OPENS.match(token):
                depth += 1
            elif CLOSES.match(token):
                depth -= 1
        elif not token.startswith(("{{", "{#")) and depth == 0:
            for offset, ch in enumerate(token):
                if ch in MARKS:
                    found.append((line + token[:offset].count("\n"), ch))
        line += token.count("\n")
    return found


def test_no_bare_full_width_punctuation_in_templates() -> None:
    problems = [
        f"{path.relative_to(ROOT)}:{n}: {mark} → {{% {MARKS[mark]} %}}"
        for path in sorted(ROOT.glob("**/templates/**/*.html"))
        for n, mark in bare_marks(path.read_text(encoding="utf-8"))
    ]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(("lang", "expected"), [("zh-hans", "姓名：张三（男）"), ("en", "Name: 张三 (男)")])
def test_marks_follow_the_language(lang: str, expected: str) -> None:
    template = engines["django"].from_string(
        "{% load i18n %}{% translate '姓名' %}{% colon %}张三{% lparen %}男{% rparen %}"
    )
    with translation.override(lang):
        assert template.render({}) == expected
