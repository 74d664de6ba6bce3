"""Hooks other apps register in their ``AppConfig.ready`` (orgs never imports them: imports run one
way, ``members`` leans on ``orgs``).

* :func:`on_union_merged` — ``fn(*, actor, union, into)`` runs inside the merge transaction, after
  the children have been re-parented and before the union is marked merged; members moves the
  memberships there. Raising an ``ApplicationError`` aborts the whole merge.
* :func:`on_subtree_moved` — ``fn(*, old_path, new_path)`` runs inside the move (or merge)
  transaction right after the paths of a subtree were rewritten from ``old_path`` to ``new_path``;
  members rewrites the copies of the path it keeps on memberships (its search keys).
* :func:`on_union_closing` — ``fn(*, actor, union)`` runs inside the close transaction before the
  union is closed; raise ``ValidationFailed``/``Conflict`` to refuse (e.g. it still has members).
* :func:`register_union_panel` — ``fn(request, union)`` returns ``{"title": ..., "rows": [(label,
  value), ...]}`` or None; shown on the union page. Keep it to one or two queries.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from yugong.accounts.models import User

MergeHook = Callable[..., None]
MoveHook = Callable[..., None]
CloseHook = Callable[..., None]
Panel = Callable[[Any, Any], dict[str, Any] | None]

_merged_hooks: list[MergeHook] = []
_moved_hooks: list[MoveHook] = []
_closing_hooks: list[CloseHook] = []
_panels: list[Panel] = []


def _add(registry: list[Any], fn: Any) -> Any:
    if fn not in registry:  # ready() may run more than once (tests): register each function once
        registry.append(fn)
    return fn


def on_union_merged(fn: MergeHook) -> MergeHook:
    return _add(_merged_hooks, fn)


def on_subtree_moved(fn: MoveHook) -> MoveHook:
    return _add(_moved_hooks, fn)


def on_union_closing(fn: CloseHook) -> CloseHook:
    return _add(_closing_hooks, fn)


def register_union_panel(fn: Panel) -> Panel:
    return _add(_panels, fn)


def fire_union_merged(*, actor: User, union: Any, into: Any) -> None:
    for fn in list(_merged_hooks):
        fn(actor=actor, union=union, into=into)


def fire_subtree_moved(*, old_path: str, new_path: str) -> None:
    for fn in list(_moved_hooks):
        fn(old_path=old_path, new_path=new_path)


def fire_union_closing(*, actor: User, union: Any) -> None:
    for fn in list(_closing_hooks):
        fn(actor=actor, union=union)


def union_panels(request: Any, union: Any) -> list[dict[str, Any]]:
    out = []
    for fn in list(_panels):
        panel = fn(request, union)
        if panel:
            out.append(panel)
    return out


def unregister(fn: Any) -> None:
    """For tests."""
    for registry in (_merged_hooks, _moved_hooks, _closing_hooks, _panels):
        if fn in registry:
            registry.remove(fn)
