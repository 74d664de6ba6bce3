"""Every service write of the platform is audited (issue 12 item 7).

The test walks the services of every app (``yugong.<app>.services`` — a module or a package), finds
each public function that writes (an ORM write, a ledger posting, raw SQL, or a call to another
write), and checks that it records an audit row: it calls ``audit_record``/``audit_pii_view`` itself,
through a helper of its own module, or through another audited service write it calls. Raw SQL that
writes its audit row inside the statement (the tourism one-statement order) is marked with the
comment ``# audited-in-sql`` and proven by its own tests (``tourism/tests/test_order_twins.py``).

``NOT_AUDITED`` lists the few writes that are deliberately not audit rows, each with its reason; the
test fails when an entry no longer exists or no longer writes, so the list stays complete and true.
The behaviour (an audit row really appears) is checked per app by the services' own tests; this
test keeps a new write from slipping through without one.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import pytest

import yugong

ROOT = Path(yugong.__file__).parent

WRITE_METHODS = frozenset(
    {"save", "create", "update", "delete", "bulk_create", "bulk_update", "get_or_create", "update_or_create"}
)
WRITE_MODULE_CALLS = frozenset({"post"})  # ledger.post
AUDIT_CALLS = frozenset({"audit_record", "audit_pii_view"})

# Writes that are deliberately not audit rows, with the reason. Keep it short.
NOT_AUDITED: dict[str, str] = {
    "tourism.services.spots.pool_pay_in": "called only inside pass_batch_approve, whose row records it",
    "tourism.services.spots.pool_take": "called only inside pass_verify, whose row records it",
    "tourism.services.stock.take_stock": "part of order placement/payment, audited by their callers",
    "tourism.services.stock.release_stock": "part of cancel/expire/refund, audited by their callers",
    "tourism.services.stock.hold_seats": "part of order placement and group orders, audited by callers",
    "tourism.services.orders.order_mark_paid": "inside payment_notify/payment_confirm_venue, audited there",
    "rights.services.common.event": "appends an appeal's timeline inside the audited appeal services",
    "rights.services.common.stage_start": "a handling stage, opened inside the audited appeal services",
    "rights.services.common.stage_end": "a handling stage, closed inside the audited appeal services",
    "rights.services.intake.appeal_number_allocate": "the number counter, inside the audited appeal_create",
    "members.services.search_keys.membership_search_keys_rebuild": "rebuilds a derived search index (a maintenance job)",
    "contests.services.contest_members_refresh": "a derived snapshot of member counts (a periodic job)",
    "funds.services.commitments.reserve": "the conditional UPDATE inside the audited commitment services",
}

# Writes that should be audited but live in apps this change did not touch (their owners fix them;
# the test fails when one is fixed, so the entry is removed then).
KNOWN_GAPS: dict[str, str] = {}


@dataclass
class Fn:
    qualname: str
    module: str
    node: ast.FunctionDef
    calls: set[str] = field(default_factory=set)
    writes: bool = False
    audits: bool = False
    sql_audited: bool = False


def _service_modules() -> list[ModuleType]:
    mods = []
    for app in sorted(p.name for p in ROOT.iterdir() if p.is_dir() and not p.name.startswith("_")):
        name = f"yugong.{app}.services"
        try:
            pkg = importlib.import_module(name)
        except ModuleNotFoundError:
            continue
        mods.append(pkg)
        if hasattr(pkg, "__path__"):
            for info in pkgutil.iter_modules(pkg.__path__):
                mods.append(importlib.import_module(f"{name}.{info.name}"))
    return mods


def _call_name(node: ast.Call) -> tuple[str, str]:
    """(attribute or function name, the name it hangs on)."""
    func = node.func
    if isinstance(func, ast.Attribute):
        base = func.value
        owner = (
            base.id if isinstance(base, ast.Name) else (base.attr if isinstance(base, ast.Attribute) else "")
        )
        return func.attr, owner
    if isinstance(func, ast.Name):
        return func.id, ""
    return "", ""


def _dict_names(fn: ast.FunctionDef) -> set[str]:
    """Local names bound to a dict (``out = {...}``, ``dict(...)``): their ``update`` is no write."""
    names: set[str] = set()
    for sub in ast.walk(fn):
        if isinstance(sub, ast.Assign | ast.AnnAssign):
            value = sub.value
            is_dict = isinstance(value, ast.Dict | ast.DictComp) or (
                isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "dict"
            )
            targets = sub.targets if isinstance(sub, ast.Assign) else [sub.target]
            if is_dict:
                names.update(t.id for t in targets if isinstance(t, ast.Name))
    return names


def _collect() -> dict[str, Fn]:
    fns: dict[str, Fn] = {}
    for mod in _service_modules():
        source = inspect.getsource(mod)
        tree = ast.parse(textwrap.dedent(source))
        short = mod.__name__.removeprefix("yugong.")
        for node in tree.body:
            if not isinstance(node, ast.FunctionDef):
                continue
            fn = Fn(qualname=f"{short}.{node.name}", module=short, node=node)
            segment = ast.get_source_segment(source, node) or ""
            fn.sql_audited = "# audited-in-sql" in segment
            dicts = _dict_names(node)
            for sub in ast.walk(node):
                if isinstance(sub, ast.Call):
                    name, owner = _call_name(sub)
                    if name in AUDIT_CALLS:
                        fn.audits = True
                    if name in WRITE_METHODS and owner not in dicts | {
                        "self",
                        "cache",
                        "messages",
                        "hashlib",
                        "hmac",
                    }:
                        fn.writes = True
                    if name in WRITE_MODULE_CALLS and owner == "ledger":
                        fn.writes = True
                    if name == "execute":
                        fn.writes = True
                    fn.calls.add(name)
            fns[fn.qualname] = fn
    return fns


def _resolve(fns: dict[str, Fn]) -> None:
    """Propagate through calls by bare name (the services call each other by name)."""
    by_name: dict[str, list[Fn]] = {}
    for fn in fns.values():
        by_name.setdefault(fn.node.name, []).append(fn)

    def same_or_imported(fn: Fn, name: str) -> list[Fn]:
        candidates = by_name.get(name, [])
        app = fn.module.split(".")[0]
        return [c for c in candidates if c.module.split(".")[0] == app]

    changed = True
    while changed:
        changed = False
        for fn in fns.values():
            for name in fn.calls:
                for callee in same_or_imported(fn, name):
                    if callee is fn:
                        continue
                    if callee.writes and not fn.writes:
                        fn.writes = changed = True
                    if (
                        (callee.audits or callee.sql_audited)
                        and not fn.audits
                        and callee.node.name.startswith("_")
                    ):
                        # A private helper of the app that audits: it audits for its caller.
                        fn.audits = changed = True
                    if (callee.audits or callee.sql_audited) and not fn.audits and _is_service(callee):
                        fn.audits = changed = True


def _is_service(fn: Fn) -> bool:
    return not fn.node.name.startswith("_")


def _public_writes() -> dict[str, Fn]:
    fns = _collect()
    _resolve(fns)
    return {k: f for k, f in fns.items() if _is_service(f) and f.writes}


def test_every_service_write_records_an_audit_row() -> None:
    writes = _public_writes()
    assert len(writes) > 60, sorted(writes)  # the walk really found the platform's writes
    unaudited = {name for name, fn in writes.items() if not (fn.audits or fn.sql_audited)}
    missing = sorted(unaudited - set(NOT_AUDITED) - set(KNOWN_GAPS))
    assert not missing, f"service writes without an audit row: {missing}"
    fixed = sorted(set(KNOWN_GAPS) - unaudited)
    assert not fixed, f"now audited (or gone): remove from KNOWN_GAPS: {fixed}"


@pytest.mark.parametrize("name", sorted(NOT_AUDITED))
def test_the_exceptions_are_real_writes(name: str) -> None:
    writes = _public_writes()
    assert name in writes, f"{name} is not (or no longer) a service write: drop it from NOT_AUDITED"
