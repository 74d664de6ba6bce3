"""Every table a migration made append-only (``yugong.core.append_only``) still has its trigger
after all migrations, on the database under test. On SQLite a later migration that alters such a
table rebuilds it and leaves the trigger behind unless it says ``append_only_kept``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.db import connection

from yugong.core.append_only import trigger_name

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent / "yugong"


def _append_only_tables() -> list[str]:
    found = set()
    for path in ROOT.glob("*/migrations/*.py"):
        found.update(re.findall(r'\bappend_only\("([a-z0-9_]+)"\)', path.read_text()))
    return sorted(found)


def _has_trigger(table: str) -> bool:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name = %s AND tbl_name = %s",
                [trigger_name(table), table],
            )
        else:
            cursor.execute(
                "SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
                " WHERE c.relname = %s AND t.tgname = %s",
                [table, trigger_name(table)],
            )
        return bool(cursor.fetchone()[0])


def test_the_append_only_tables_are_found() -> None:
    assert {"core_auditevent", "learning_programmecredit"} <= set(_append_only_tables())


@pytest.mark.parametrize("table", _append_only_tables())
def test_every_append_only_table_keeps_its_trigger(table: str) -> None:
    assert _has_trigger(table), f"{table} lost its append-only trigger"
