"""Appeal titles (诉求概要): the staff-given subject, or one derived from the facts.

The rule (issue 12, item 10): a title is cut at a word boundary, never inside a word and never
between a number and its unit ("约2.4万元" stays whole), preferably at the end of a clause when
one is near the limit; it keeps the writer's full-width punctuation (only full-width letters,
digits and spaces are folded, as everywhere else), and a half-width comma or semicolon written
between Chinese characters becomes full-width. A cut title ends with "…".
"""

from __future__ import annotations

import re

from yugong.core.textsearch import _seg  # jieba, loaded once per process

# Full-width letters and digits (U+FF10–FF19, FF21–FF3A, FF41–FF5A) and the ideographic space are
# folded; full-width punctuation (，。；：！？（）…) is kept as written.
_FOLD = {
    0x3000: " ",
    **{c: chr(c - 0xFEE0) for c in range(0xFF10, 0xFF1A)},
    **{c: chr(c - 0xFEE0) for c in range(0xFF21, 0xFF3B)},
    **{c: chr(c - 0xFEE0) for c in range(0xFF41, 0xFF5B)},
}
_SPACES = re.compile(r"\s+")
_CJK = "\u3400-\u9fff\uf900-\ufaff"
# "工资,共计" -> "工资，共计": half-width marks touching Chinese text on either side.
_HALF_MARKS = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！"}
_MARK_NEAR_CJK = re.compile(rf"(?<=[{_CJK}])\s*([,;:?!])\s*|\s*([,;:?!])\s*(?=[{_CJK}])")
CLAUSE_ENDS = frozenset("，。；：！？、,;:!?")
_NUMBER = re.compile(r"^[0-9]+(?:[.,][0-9]+)*%?$")
_UNIT_START = re.compile(rf"[{_CJK}%％]")
ELLIPSIS = "…"
# A title made from the facts when staff or the worker gave none.
DERIVED_TITLE_LENGTH = 40


def normalize_title_text(value: object) -> str:
    """Fold full-width letters/digits/spaces, keep full-width punctuation, one line."""
    if value is None:
        return ""
    text = _SPACES.sub(" ", str(value).translate(_FOLD)).strip()
    return _MARK_NEAR_CJK.sub(lambda m: _HALF_MARKS[m.group(1) or m.group(2)], text)


def _groups(text: str) -> list[str]:
    """jieba's words, with a number joined to the word that follows it when that word starts with a
    Chinese character (its unit or measure word: 万元, 元, 个月, 日) and with runs of spaces kept
    on the word before them."""
    words = [w for w in _seg().cut(text) if w]
    groups: list[str] = []
    for word in words:
        unit = bool(groups) and bool(_NUMBER.match(groups[-1].rstrip())) and bool(_UNIT_START.match(word))
        if groups and (word.isspace() or unit):
            groups[-1] += word
        else:
            groups.append(word)
    return groups


def title_from(value: object, *, limit: int) -> str:
    """``value`` as a title of at most ``limit`` characters (see the module's rule)."""
    text = normalize_title_text(value)
    if len(text) <= limit:
        return text
    room = limit - len(ELLIPSIS)
    kept: list[str] = []
    length = 0
    clause_at = 0  # characters up to the end of the last whole clause that fits
    for group in _groups(text):
        if length + len(group) > room:
            if group.strip()[:1] in CLAUSE_ENDS:
                clause_at = length  # the clause ends right at the cut
            break
        kept.append(group)
        length += len(group)
        if group.strip() and group.strip()[-1] in CLAUSE_ENDS:
            clause_at = length
    cut = "".join(kept)
    if not cut.strip():
        # One word longer than the limit (a URL, a long English word): nothing to cut between.
        return text[:room].rstrip() + ELLIPSIS
    if clause_at >= room // 2:
        cut = cut[:clause_at]
    cut = cut.rstrip()
    while cut and cut[-1] in CLAUSE_ENDS:
        cut = cut[:-1].rstrip()
    return cut + ELLIPSIS
