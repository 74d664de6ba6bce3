"""The import rule of DESIGN.md, checked on the source: every module under ``yugong/`` is parsed
(ast) and its imports of ``yugong.*`` are compared with the allowed direction.

* Nothing outside ``yugong/web``, ``yugong/urls.py`` and ``yugong/api.py`` imports the shell
  (``yugong.web``); settings name it only as strings.
* Scenario apps never import each other (they meet through domain events).
* The cockpit reads core facts and the orgs tree only (core, accounts, orgs).
* ``core`` imports no domain app.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "yugong"

SCENARIO = {
    "stations",
    "tourism",
    "events",
    "jobs",
    "contests",
    "learning",
    "honors",
    "innovation",
    "assistance",
    "rights",
    "cockpit",
}
DOMAIN = {"accounts", "orgs", "members", "funds", "news", "web"} | SCENARIO
COCKPIT_READS = {"core", "accounts", "orgs"}
ON_TOP = {"urls", "api", "web"}  # yugong/urls.py, yugong/api.py, the yugong/web package


def _modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT)
        if "migrations" in rel.parts or "tests" in rel.parts:
            # Tests may set up any app's data; the rule is about the code that runs.
            continue
        yield ".".join(("yugong", *rel.with_suffix("").parts)), path


def _imports(module: str, path: Path) -> Iterator[tuple[int, str]]:
    """Every ``yugong.*`` module name imported, relative imports resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            if name == "yugong":
                # ``from yugong import web``: each imported name is a module.
                for alias in node.names:
                    yield node.lineno, f"yugong.{alias.name}"
            else:
                yield node.lineno, name


def _app(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "yugong" else ""


def _violations() -> list[str]:
    found = []
    for module, path in _modules():
        source_app = _app(module)
        for line, name in _imports(module, path):
            target = _app(name)
            if not target or target == source_app:
                continue
            where = f"{path.relative_to(ROOT.parent)}:{line} imports {name}"
            if target == "web" and source_app not in ON_TOP:
                found.append(f"{where} (no app imports the shell)")
            if source_app in SCENARIO and target in SCENARIO:
                found.append(f"{where} (scenario apps never import each other)")
            if source_app == "cockpit" and target not in COCKPIT_READS:
                found.append(f"{where} (the cockpit reads core facts and the orgs tree only)")
            if source_app == "core" and target in DOMAIN:
                found.append(f"{where} (core imports no domain app)")
    return found


def test_the_import_graph_runs_one_way() -> None:
    assert _violations() == []


def test_the_checker_sees_a_violation(tmp_path: Path) -> None:
    """The parser resolves relative imports and ``from yugong import web`` (a checker that finds
    nothing because it cannot see would pass silently)."""
    module = tmp_path / "views.py"
    module.write_text("from yugong import web\nfrom ..rights import models\nimport yugong.web.views\n")
    names = [n for _, n in _imports("yugong.tourism.views", module)]
    assert names == ["yugong.web", "yugong.rights", "yugong.web.views"]


@pytest.mark.parametrize(
    ("source", "target"),
    [("tourism", "rights"), ("core", "orgs"), ("members", "web"), ("cockpit", "members")],
)
def test_each_rule_is_enforced(
    source: str, target: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = tmp_path / "yugong" / source / "bad.py"
    fake.parent.mkdir(parents=True)
    fake.write_text(f"from yugong.{target} import models\n")
    monkeypatch.setattr(__import__(__name__, fromlist=["ROOT"]), "ROOT", tmp_path / "yugong")
    assert len(_violations()) == 1
