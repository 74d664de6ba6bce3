"""The English catalogue as the lead will commit it: the committed django.po plus the helpers'
``yugong/locale/en/add-*.po`` files, merged with ``msgcat`` and compiled with ``msgfmt`` into a
temporary directory. Use the ``english`` fixture in tests that read English that may not be in the
committed .mo yet."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "yugong" / "locale" / "en"


HEADER = (
    'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
    '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n\n'
)


def _merged_catalogue(target: Path) -> None:
    if not (shutil.which("msgcat") and shutil.which("msgfmt")):
        pytest.skip("gettext tools (msgcat, msgfmt) are not installed")
    out = target / "en" / "LC_MESSAGES"
    out.mkdir(parents=True)
    sources = [str(LOCALE / "LC_MESSAGES" / "django.po")]
    for n, path in enumerate(sorted(LOCALE.glob("add-*.po"))):
        # The helpers' files may have no header: give each a UTF-8 one for msgcat.
        text = path.read_text(encoding="utf-8")
        copy = target / f"add-{n}.po"
        copy.write_text(text if 'msgid ""\nmsgstr ""' in text else HEADER + text, encoding="utf-8")
        sources.append(str(copy))
    merged = out / "django.po"
    subprocess.run(["msgcat", "--use-first", "-o", str(merged), *sources], check=True)  # noqa: S603, S607
    subprocess.run(["msgfmt", "-o", str(out / "django.mo"), str(merged)], check=True)  # noqa: S603, S607


@pytest.fixture
def english(settings: Any, tmp_path: Path) -> Iterator[None]:
    _merged_catalogue(tmp_path / "locale")
    settings.LOCALE_PATHS = [str(tmp_path / "locale")]
    from django.utils.translation import trans_real

    trans_real._translations = {}
    trans_real._default = None
    trans_real._active = trans_real.Local()
    yield
    trans_real._translations = {}
    trans_real._default = None
    trans_real._active = trans_real.Local()
