"""The layout rules a newcomer relies on (the kernel issue): modules short enough to read, and one
copy of each shared test tool.

* No module outside migrations is over 600 lines: split by sub-domain (a ``services/`` package,
  views into ``h5``/``console``) before it gets there.
* One race helper (``tests/race.py``): no test module defines its own ``race``.
* Service actors are typed as the user model (outside core), so mypy sees every caller.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_LINES = 600


def _modules() -> list[Path]:
    found = []
    for top in ("yugong", "bench", "tests", "e2e", "scripts"):
        for path in (ROOT / top).rglob("*.py"):
            if "migrations" in path.parts or "__pycache__" in path.parts:
                continue
            found.append(path)
    return found


def test_no_module_is_over_600_lines() -> None:
    long = {
        str(p.relative_to(ROOT)): n
        for p in _modules()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not long, f"modules over {MAX_LINES} lines (split them by sub-domain): {long}"


def test_one_race_helper() -> None:
    copies = [
        str(p.relative_to(ROOT))
        for p in _modules()
        if p != ROOT / "tests" / "race.py"
        and re.search(r"^def race\(", p.read_text(encoding="utf-8"), re.MULTILINE)
    ]
    assert not copies, f"use tests.race.race instead of a copy: {copies}"


def test_actors_are_typed_as_the_user_model() -> None:
    """Service actors are ``User`` (or ``User | None``), so mypy sees every call; only core, which
    may not import accounts, keeps ``Any``."""
    untyped = [
        str(p.relative_to(ROOT))
        for p in _modules()
        if p.parts[len(ROOT.parts)] == "yugong"
        and "core" not in p.parts
        and "tests" not in p.parts
        and re.search(r"\bactor: Any\b", p.read_text(encoding="utf-8"))
    ]
    assert not untyped, f"type the actor as accounts.models.User: {untyped}"
