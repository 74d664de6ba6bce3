"""The one reader of the tree-path format (``orgs.models``: each node's path is its ancestors' ids
and its own as 8 hex digits and a slash, ``"00000001/0000002a/"``). No other app slices or counts
path strings: they ask here.

* :func:`path_ids` — the ids on a path, root first (the node itself last).
* :func:`ancestor_ids` / :func:`chain_ids` — strict ancestors, or ancestors and the node itself.
* :func:`ancestor_paths` — the path of every node on the chain, root first; :func:`parent_of`.
* :func:`path_depth`, :func:`is_root_path`, :func:`root_id` — where a node sits.
* :func:`subtree_q` — the filter "inside the subtree of one of these paths" (:func:`in_subtrees`:
  never None, matches nothing instead).
* :func:`within`, :func:`within_any` — whether a node lies in a subtree (in Python, no query).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import F, Q, Value
from django.db.models.functions import Greatest, Length, Substr

from .models import PATH_STEP

_SEGMENT = PATH_STEP - 1  # 8 hex digits, then "/"


def path_ids(path: str) -> list[int]:
    """Root first, the node itself last. An empty or malformed path gives []."""
    if not path or len(path) % PATH_STEP:
        return []
    try:
        return [int(path[i : i + _SEGMENT], 16) for i in range(0, len(path), PATH_STEP)]
    except ValueError:
        return []


def chain_ids(path: str) -> list[int]:
    """The node and its ancestors, root first."""
    return path_ids(path)


def ancestor_ids(path: str) -> list[int]:
    """Strict ancestors, root first (the node itself excluded)."""
    return path_ids(path)[:-1]


def ancestor_paths(path: str, *, include_self: bool = True) -> list[str]:
    """The path of every node on the chain, root first."""
    paths = [path[: i + PATH_STEP] for i in range(0, len(path), PATH_STEP)] if path_ids(path) else []
    return paths if include_self else paths[:-1]


def path_depth(path: str) -> int:
    """0 for a root, 1 for its children … (-1 for a malformed path)."""
    return len(path_ids(path)) - 1


def is_root_path(path: str) -> bool:
    return path_depth(path) == 0


def root_id(path: str) -> int | None:
    ids = path_ids(path)
    return ids[0] if ids else None


def subtree_q(paths: Iterable[str], *, path_field: str = "union__path") -> Q | None:
    """Rows inside any of the subtrees, or None when there is none (the caller fails closed)."""
    condition = Q()
    found = False
    for path in paths:
        if path_ids(path):
            condition |= Q(**{f"{path_field}__startswith": path})
            found = True
    return condition if found else None


def in_subtrees(paths: str | Iterable[str], *, path_field: str = "union__path") -> Q:
    """:func:`subtree_q` for callers that filter anyway: one path or several, and a filter that
    matches nothing (instead of None) when there is no valid subtree."""
    return subtree_q([paths] if isinstance(paths, str) else paths, path_field=path_field) or Q(pk__in=[])


def within(path: str | None, ancestor: str | None) -> bool:
    """``path`` is ``ancestor`` itself or a node below it (False for an empty or malformed one)."""
    return bool(path and ancestor and path_ids(ancestor) and path.startswith(ancestor))


def within_any(path: str | None, ancestors: Iterable[str]) -> bool:
    """``path`` lies in one of the subtrees rooted at ``ancestors``."""
    return any(within(path, a) for a in ancestors)


# --- In SQL: prefixes and child segments (for roll-ups that group by level in the database) ---


def levels(path_length: int) -> int:
    """How many nodes a path of this length names (root = 1)."""
    return path_length // PATH_STEP


def level_length(level: int) -> int:
    """The length of the prefix naming the ancestor at ``level`` (1 = the root)."""
    return PATH_STEP * level


def prefix_expr(field: str, level: int) -> Any:
    """SQL: the path prefix of the ancestor at ``level`` of the path in ``field``."""
    return Substr(field, 1, level_length(level))


def parent_prefix_expr(field: str) -> Any:
    """SQL: the path of the parent of the node whose path is in ``field`` ('' for a root)."""
    return Substr(field, 1, Greatest(Length(F(field)) - Value(PATH_STEP), Value(0)))


def parent_of(path: str) -> str:
    """The path of the node's parent ('' for a root or a malformed path)."""
    chain = ancestor_paths(path)
    return chain[-2] if len(chain) > 1 else ""


def child_length(parent_path: str) -> int:
    """The length of the path of a direct child of ``parent_path``."""
    return len(parent_path) + PATH_STEP


def child_segment_expr(field: str, parent_path: str) -> Any:
    """SQL: the segment of the path in ``field`` that names the child of ``parent_path`` it lies
    under ('' for the parent itself)."""
    return Substr(field, len(parent_path) + 1, PATH_STEP)


def segment_id(segment: str) -> int | None:
    """The union id a segment from :func:`child_segment_expr` names (None for '')."""
    ids = path_ids(segment) if segment else []
    return ids[0] if ids else None
