"""Only 0-9 are digits, everywhere (issue 12, item 2): ``"٥".isdigit()`` and a Unicode ``\\d`` take
Arabic-Indic and other scripts' digits, which then reach ``int()`` or the database as typed. Every
check goes through ``yugong.core.validators.is_ascii_digits`` or a pattern compiled with re.ASCII."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import yugong

ROOT = Path(yugong.__file__).resolve().parent
# Patterns that refuse a digit of any script (a name holds none) may keep the Unicode \d.
REFUSING = {"yugong.members.roster.parsing._HAS_DIGIT_RE"}


def _modules() -> list[str]:
    return [
        m.name
        for m in pkgutil.walk_packages(yugong.__path__, "yugong.")
        if ".tests" not in m.name and ".migrations" not in m.name
    ]


def test_every_module_level_digit_pattern_is_ascii() -> None:
    offenders = []
    for name in _modules():
        module = importlib.import_module(name)
        for attr, value in vars(module).items():
            for p in value if isinstance(value, tuple) else (value,):
                if (
                    isinstance(p, re.Pattern)
                    and isinstance(p.pattern, str)
                    and "\\d" in p.pattern
                    and not p.flags & re.ASCII
                    and f"{name}.{attr}" not in REFUSING
                ):
                    offenders.append(f"{name}.{attr}")
    assert offenders == []


def test_no_code_asks_str_isdigit() -> None:
    offenders = []
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT.parent).as_posix()
        if "/tests/" in rel or "/migrations/" in rel or rel == "yugong/core/validators.py":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            inline_pattern = re.search(r"re\.(match|search|fullmatch|sub|findall)\(r?\"[^\"]*\\d", line)
            if ".isdigit()" in line or (inline_pattern and "re.ASCII" not in line):
                offenders.append(f"{rel}:{number}: {line.strip()}")
    assert offenders == [], "use core.validators.is_ascii_digits or a re.ASCII pattern:\n" + "\n".join(
        offenders
    )
