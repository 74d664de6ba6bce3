"""The English catalogue: complete, compiled, consistent, and used when a worker switches to English.

Chinese is the source language (zh-hans, the default); yugong/locale/en/LC_MESSAGES/django.po is the
one English catalogue (``make messages`` regenerates it and compiles the committed django.mo).
polib is not installed, so a tiny PO parser below reads the catalogue.
"""

from __future__ import annotations

import ast
import gettext
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
LC_MESSAGES = ROOT / "yugong" / "locale" / "en" / "LC_MESSAGES"
PO = LC_MESSAGES / "django.po"
MO = LC_MESSAGES / "django.mo"
CJK = re.compile(r"[\u4e00-\u9fff]")
PYTHON_PLACEHOLDER = re.compile(r"%(?:\([^)]+\))?[-#0 +]*\d*(?:\.\d+)?[sdifrxX%]")
BRACE_PLACEHOLDER = re.compile(r"\{\w*\}")
HTML_TAG = re.compile(
    r"</?(?:a|abbr|b|br|code|div|em|i|kbd|li|p|small|span|strong|sub|sup|time|u|ul)\b[^>]*>"
)
# Values the importers only accept in Chinese (the spreadsheets are Chinese), quoted in the English
# messages on purpose, and the language's own name in the switch.
CHINESE_ON_PURPOSE = re.compile(
    r"“[^”]*[\u4e00-\u9fff][^”]*”|渝工港湾|劳动者港湾示范点|其他工会驿站|^简体中文$"
)


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False


def parse_po(path: Path) -> list[Entry]:
    """Just enough of the PO format for makemessages' output (header included as the first entry)."""
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int] = ("", 0)

    def finish() -> None:
        if current is not None and (current.msgid or current.msgstr):
            entries.append(current)

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            finish()
            current = None
            continue
        if current is None:
            current = Entry()
        if line.startswith("#~"):
            current.obsolete = True
            continue
        if line.startswith("#,"):
            current.flags |= {flag.strip() for flag in line[2:].split(",")}
            continue
        if line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        if line.startswith('"'):
            keyword, rest = "", line
        value = ast.literal_eval(rest)  # PO string escapes are a subset of Python's
        if keyword == "msgctxt":
            current.msgctxt, target = value, ("msgctxt", 0)
        elif keyword == "msgid":
            current.msgid, target = value, ("msgid", 0)
        elif keyword == "msgid_plural":
            current.msgid_plural, target = value, ("msgid_plural", 0)
        elif keyword.startswith("msgstr"):
            index = int(keyword[7:-1]) if keyword.startswith("msgstr[") else 0
            current.msgstr[index], target = value, ("msgstr", index)
        elif keyword == "":
            name, index = target
            if name == "msgstr":
                current.msgstr[index] += value
            else:
                setattr(current, name, getattr(current, name) + value)
        else:
            raise AssertionError(f"unexpected PO line: {raw!r}")
    finish()
    return entries


@pytest.fixture(scope="module")
def entries() -> list[Entry]:
    if not PO.exists():
        pytest.fail(f"missing {PO.relative_to(ROOT)}: run `make messages`")
    parsed = parse_po(PO)
    assert parsed and parsed[0].msgid == "", "the catalogue has no header"
    return parsed


def _messages(entries: list[Entry]) -> list[Entry]:
    return [e for e in entries[1:] if not e.obsolete]


def _label(entry: Entry) -> str:
    return repr(entry.msgid) + (f" (context {entry.msgctxt!r})" if entry.msgctxt else "")


def test_the_catalogue_is_english_with_plural_forms(entries: list[Entry]) -> None:
    header = entries[0].msgstr[0]
    assert "Language: en\n" in header
    assert "charset=UTF-8" in header
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header
    assert "fuzzy" not in entries[0].flags


def test_there_are_many_messages_and_no_obsolete_ones(entries: list[Entry]) -> None:
    assert len(_messages(entries)) > 1000
    assert not [e for e in entries if e.obsolete], "obsolete entries: run `make messages` (--no-obsolete)"


def test_every_message_is_translated_and_none_is_fuzzy(entries: list[Entry]) -> None:
    messages = _messages(entries)
    fuzzy = [_label(e) for e in messages if "fuzzy" in e.flags]
    untranslated = [
        _label(e)
        for e in messages
        if not e.msgstr or not all(e.msgstr.values()) or len(e.msgstr) != (2 if e.msgid_plural else 1)
    ]
    assert not fuzzy, f"{len(fuzzy)} fuzzy entries: {fuzzy[:20]}"
    assert not untranslated, f"{len(untranslated)} untranslated entries: {untranslated[:20]}"


def test_msgattrib_agrees_nothing_is_untranslated_or_fuzzy() -> None:
    if not shutil.which("msgattrib"):
        pytest.skip("GNU gettext (msgattrib) is not installed")
    for option in ("--untranslated", "--only-fuzzy"):
        out = subprocess.run(
            ["msgattrib", option, "--no-obsolete", str(PO)], capture_output=True, text=True, check=True
        ).stdout
        ids = [line for line in out.splitlines() if line.startswith("msgid ")]
        # the header (msgid "") is printed along with any entry; nothing else may be
        assert ids in ([], ['msgid ""']), f"msgattrib {option}: {ids[:20]}"


def test_placeholders_and_markup_survive_translation(entries: list[Entry]) -> None:
    problems = []
    for entry in _messages(entries):
        sources = [entry.msgid] + ([entry.msgid_plural] if entry.msgid_plural else [])
        for index, text in entry.msgstr.items():
            source = sources[min(index, len(sources) - 1)]
            for pattern in (PYTHON_PLACEHOLDER, BRACE_PLACEHOLDER, HTML_TAG):
                want, got = sorted(pattern.findall(source)), sorted(pattern.findall(text))
                if want != got:
                    problems.append(f"{_label(entry)} -> {text!r}: {want} != {got}")
            if CJK.search(CHINESE_ON_PURPOSE.sub("", text)):
                problems.append(f"{_label(entry)} -> {text!r}: Chinese left in the English text")
    assert not problems, "\n".join(problems[:30])


def test_msgfmt_check_is_clean(tmp_path: Path) -> None:
    if not shutil.which("msgfmt"):
        pytest.skip("GNU gettext (msgfmt) is not installed")
    result = subprocess.run(
        ["msgfmt", "--check", "-o", str(tmp_path / "check.mo"), str(PO)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_the_compiled_catalogue_is_committed_and_up_to_date(entries: list[Entry]) -> None:
    assert MO.exists(), "missing django.mo: run `make messages` (the .mo is committed)"
    with MO.open("rb") as handle:
        catalog: dict[Any, str] = dict(gettext.GNUTranslations(handle)._catalog)  # type: ignore[attr-defined]
    expected: dict[Any, str] = {"": entries[0].msgstr[0]}
    for entry in _messages(entries):
        if "fuzzy" in entry.flags or not all(entry.msgstr.values()):
            continue  # msgfmt leaves these out
        key = f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt is not None else entry.msgid
        if entry.msgid_plural is None:
            expected[key] = entry.msgstr[0]
        else:
            expected.update({(key, i): text for i, text in entry.msgstr.items()})
    catalog.pop("", None)
    expected.pop("", None)
    stale = sorted(str(k) for k in expected.keys() ^ catalog.keys())
    changed = sorted(str(k) for k in expected.keys() & catalog.keys() if expected[k] != catalog[k])
    assert (
        not stale and not changed
    ), f"django.mo is out of date with django.po (run `make messages`): {(stale + changed)[:20]}"


def test_the_compiled_catalogue_matches_msgfmt(tmp_path: Path) -> None:
    if not shutil.which("msgfmt"):
        pytest.skip("GNU gettext (msgfmt) is not installed")
    fresh = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "-o", str(fresh), str(PO)], check=True)
    with fresh.open("rb") as a, MO.open("rb") as b:
        assert gettext.GNUTranslations(a)._catalog == gettext.GNUTranslations(b)._catalog  # type: ignore[attr-defined]


def _switch_to_english(client: Any) -> None:
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302


@pytest.mark.django_db
def test_chinese_stays_the_default(client: Any) -> None:
    home = client.get("/").content.decode()
    assert 'lang="zh-hans"' in home
    assert "首页" in home and ">Home<" not in home
    login = client.get("/accounts/staff-login/").content.decode()
    assert "工作人员登录" in login and "Staff sign-in" not in login


@pytest.mark.django_db
def test_english_worker_home_page(client: Any) -> None:
    _switch_to_english(client)
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'lang="en"' in html
    for label in ("Home", "Services", "Growth", "Assistance", "Me", "Workers' hotline"):
        assert label in html, label
    assert "首页" not in html
    assert "职工热线" not in html


@pytest.mark.django_db
def test_english_staff_login_page(client: Any) -> None:
    _switch_to_english(client)
    response = client.get("/accounts/staff-login/")
    assert response.status_code == 200
    html = response.content.decode()
    for label in ("Staff sign-in", "Username", "Password", "Sign in"):
        assert label in html, label
    for chinese in ("工作人员登录", "用户名", "密码"):
        assert chinese not in html, chinese


@pytest.mark.django_db
def test_english_error_messages_name_the_field(client: Any) -> None:
    _switch_to_english(client)
    response = client.post("/accounts/staff-login/", {"username": "", "password": ""})
    html = response.content.decode()
    assert "Please enter your username." in html or "Please enter your password." in html
