"""What the cockpit registers with core facts and the orgs tree (see ``apps.py``)."""

from __future__ import annotations

import logging
from typing import Any

from django.db import connection, transaction

from yugong.accounts.models import User
from yugong.core.facts import FactCell
from yugong.orgs.models import Union

from . import refresh
from .cache import bump_version
from .models import NodePath

log = logging.getLogger("yugong.cockpit")


def facts_committed(cell: FactCell) -> None:
    """A fact was committed: ask for a refresh (in memory; the outbox folds it into the roll-up,
    drops the cached figures and warms them — see ``refresh.py``)."""
    refresh.facts_committed(cell)


def subtree_moved(*, old_path: str, new_path: str) -> None:
    """Inside the move transaction: remember the path every node of the moved subtree had, so its
    figures "as it stood" still find the facts recorded under the old path."""
    union_table = Union._meta.db_table
    table = NodePath._meta.db_table
    now = "CURRENT_TIMESTAMP"
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (union_id, path, recorded_at) "  # noqa: S608
            f"SELECT id, %s || SUBSTR(path, %s), {now} FROM {union_table} WHERE path LIKE %s "
            "ON CONFLICT (union_id, path) DO NOTHING",
            [old_path, len(new_path) + 1, new_path.replace("%", "") + "%"],
        )
    transaction.on_commit(bump_version)


def union_merged(*, actor: User, union: Any, into: Any) -> None:
    transaction.on_commit(bump_version)


# Saving only these fields of a union changes what the cockpit shows (names in the summary and the
# child ranking; active children are ranked even without figures).
_SHOWN_FIELDS = frozenset({"name", "status", "parent"})


def union_saved(
    sender: Any, instance: Union, created: bool = False, update_fields: Any = None, **kw: Any
) -> None:
    """A union was created, renamed or had its status saved (``post_save``; the admin site and
    ``union_update`` save): the cached answers that carry its name go after the commit. The cached
    API bodies are keyed by the node's id and path, not its name, so this is what refreshes them."""
    if created or update_fields is None or _SHOWN_FIELDS & set(update_fields):
        transaction.on_commit(_bump_quietly)


def _bump_quietly() -> None:
    # A union's save must not fail because the cache is away (the entries expire in an hour anyway).
    try:
        bump_version()
    except Exception:  # noqa: BLE001
        log.warning(
            "cockpit cache unreachable; cached figures not dropped after a union was saved", exc_info=True
        )
