"""Fill English translations in yugong/locale/en/LC_MESSAGES/django.po from side files
(yugong/locale/en/add-*.po: plain `msgid`/`msgstr` pairs written by parallel branches, which would
otherwise all conflict in the one catalogue), then delete the side files. An empty or fuzzy entry
with a side translation gets it (and loses the fuzzy flag). Prints what stays untranslated.

    make messages   # runs this between makemessages and compilemessages
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "yugong" / "locale" / "en"
PO = LOCALE / "LC_MESSAGES" / "django.po"


def _unquote(text: str) -> str:
    out, i = [], 0
    escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "r": "\r"}
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            out.append(escapes.get(text[i + 1], text[i + 1]))
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _quote(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")


def _field(lines: list[str], keyword: str) -> tuple[str | None, int, int]:
    """The value of ``keyword`` in an entry, and the span of lines it takes."""
    for start, line in enumerate(lines):
        if line.startswith(keyword + " "):
            parts = [line[len(keyword) + 1 :].strip()[1:-1]]
            end = start + 1
            while end < len(lines) and lines[end].startswith('"'):
                parts.append(lines[end].strip()[1:-1])
                end += 1
            return _unquote("".join(parts)), start, end
    return None, -1, -1


def entries(text: str) -> list[list[str]]:
    return [block.splitlines() for block in text.strip("\n").split("\n\n")]


def pairs(path: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    for lines in entries(path.read_text(encoding="utf-8")):
        if any(ln.startswith(("msgctxt", "msgid_plural")) for ln in lines):
            continue
        msgid, _s, _e = _field(lines, "msgid")
        msgstr, _s, _e = _field(lines, "msgstr")
        if msgid and msgstr:
            out[msgid] = msgstr
    return out


def fill() -> list[str]:
    sides = sorted(LOCALE.glob("add-*.po"))
    extra: dict[str, str] = {}
    for side in sides:
        for msgid, msgstr in pairs(side).items():
            extra.setdefault(msgid, msgstr)
    blocks = entries(PO.read_text(encoding="utf-8"))
    missing: list[str] = []
    for lines in blocks:
        if any(ln.startswith(("msgctxt", "msgid_plural")) for ln in lines):
            continue
        msgid, _s, _e = _field(lines, "msgid")
        msgstr, start, end = _field(lines, "msgstr")
        if not msgid or start < 0:
            continue
        fuzzy = any(ln.startswith("#,") and "fuzzy" in ln for ln in lines)
        if msgstr and not fuzzy:
            continue
        if msgid in extra:
            lines[start:end] = [f'msgstr "{_quote(extra[msgid])}"']
            if fuzzy:
                kept = []
                for ln in lines:
                    if ln.startswith("#|"):
                        continue
                    if ln.startswith("#,"):
                        flags = [f.strip() for f in ln[2:].split(",") if f.strip() and f.strip() != "fuzzy"]
                        if not flags:
                            continue
                        ln = "#, " + ", ".join(flags)
                    kept.append(ln)
                lines[:] = kept
        else:
            missing.append(msgid)
    PO.write_text("\n\n".join("\n".join(b) for b in blocks) + "\n", encoding="utf-8")
    for side in sides:
        side.unlink()
    return missing


if __name__ == "__main__":
    left = fill()
    for msgid in left:
        print(msgid)
    print(f"{len(left)} untranslated", file=sys.stderr)
