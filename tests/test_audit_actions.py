"""Every audit action code written anywhere in the code base has a name in
``yugong.core.audit_actions`` (issue 12, item 12): the audit log never shows a bare code.

The code base is read with ``ast``: the ``action=`` of every ``audit_record`` call, and of every
call to a wrapper that passes one of its own parameters on as ``action`` (``rights``'s
``audit(actor, "rights.appeal.accept", …)``), through ``x if y else z``; an f-string code must be
listed in ``DYNAMIC`` with the values it takes.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from yugong.core.audit_actions import ACTION_NAMES, action_choices, action_name

ROOT = Path(__file__).resolve().parent.parent / "yugong"
# f-string codes → the values their placeholders take (keep in step with the code that writes them).
DYNAMIC = {
    # contests.skills.competition_set_status accepts only these two statuses.
    "competition.{status}": ["registration", "running"],
}


def _sources() -> Iterator[tuple[Path, ast.Module]]:
    for path in sorted(ROOT.rglob("*.py")):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _values(node: ast.expr) -> Iterator[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.value
    elif isinstance(node, ast.IfExp):
        yield from _values(node.body)
        yield from _values(node.orelse)
    elif isinstance(node, ast.JoinedStr):
        pattern = "".join(
            part.value if isinstance(part, ast.Constant) else "{" + ast.unparse(part.value) + "}"
            for part in node.values
        )
        assert pattern in DYNAMIC, f"f-string audit code {pattern!r}: list its values in DYNAMIC"
        for value in DYNAMIC[pattern]:
            yield pattern.split("{")[0] + value
    elif isinstance(node, ast.Name):
        # A module constant (ORDER_PLACE_ACTION = "tourism.order_place") is its value; any other
        # name is a parameter passed on, whose callers are read as a wrapper's calls.
        if node.id in _constants():
            yield _constants()[node.id]
    else:
        raise AssertionError(f"an audit action written as {ast.unparse(node)!r}: use a literal code")


@cache
def _constants() -> dict[str, str]:
    """Module-level ``UPPER_CASE = "a.code"`` assignments of the code base."""
    out: dict[str, str] = {}
    for _path, module in _sources():
        for node in module.body:
            if (
                isinstance(node, ast.Assign)
                and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)
            ):
                for target in node.targets:
                    if isinstance(target, ast.Name) and target.id.isupper():
                        out[target.id] = node.value.value
    return out


def _callee(call: ast.Call) -> str:
    func = call.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def _wrappers(modules: list[tuple[Path, ast.Module]]) -> dict[str, tuple[int, str]]:
    """Functions that call ``audit_record(action=<their parameter>)``: name → (position, name)."""
    out: dict[str, tuple[int, str]] = {"audit_record": (-1, "action")}
    for _path, module in modules:
        for fn in ast.walk(module):
            if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            params = [a.arg for a in fn.args.posonlyargs + fn.args.args]
            for call in ast.walk(fn):
                if isinstance(call, ast.Call) and _callee(call) == "audit_record":
                    for kw in call.keywords:
                        if kw.arg == "action" and isinstance(kw.value, ast.Name):
                            name = kw.value.id
                            out[fn.name] = (params.index(name) if name in params else -1, name)
    return out


def used_codes() -> dict[str, str]:
    modules = list(_sources())
    wrappers = _wrappers(modules)
    codes: dict[str, str] = {}
    for path, module in modules:
        for call in ast.walk(module):
            if not isinstance(call, ast.Call) or _callee(call) not in wrappers:
                continue
            position, keyword = wrappers[_callee(call)]
            nodes = [kw.value for kw in call.keywords if kw.arg == keyword]
            if 0 <= position < len(call.args):
                nodes.append(call.args[position])
            for node in nodes:
                for code in _values(node):
                    codes.setdefault(code, f"{path.relative_to(ROOT.parent)}:{call.lineno}")
    codes["pii.view"] = "yugong/core/audit.py (audit_pii_view)"
    return codes


def test_the_reader_finds_the_codes_of_every_kind_of_call() -> None:
    codes = used_codes()
    # Direct, conditional, wrapper and f-string codes are all found.
    for code in (
        "membership.approve",  # direct
        "rights.policy.create",  # x if y else z
        "rights.appeal.accept",  # through a wrapper
        "competition.running",  # an f-string
        "tourism.order_place",  # a module constant
    ):
        assert code in codes
    assert len(codes) > 100


def test_every_audit_code_in_the_code_base_has_a_name() -> None:
    missing = {code: where for code, where in used_codes().items() if code not in ACTION_NAMES}
    assert not missing, f"audit codes without a name in yugong/core/audit_actions.py: {missing}"


def test_names_are_chinese_and_unique_and_grouped() -> None:
    names = [str(name) for name in ACTION_NAMES.values()]
    assert len(set(names)) == len(names), "two codes share a name: the filter could not tell them apart"
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in name) for name in names)
    grouped = [code for _group, items in action_choices() for code, _name in items]
    assert sorted(grouped) == sorted(ACTION_NAMES)
    assert action_name("membership.approve") == "审批入会"
    assert action_name("no.such_code") == "no.such_code"
