"""Append-only tables, enforced by the database itself (not only by the model).

``append_only("app_table")`` is a migration operation that installs a trigger rejecting UPDATE and
DELETE on the table. On PostgreSQL both are blocked (TRUNCATE, which only an operator's retention
job or the test runner's flush uses, is not); on SQLite UPDATE is blocked and DELETE is left to the
model, because the test runner flushes SQLite with DELETE. Used by the audit log (core 0002) and
the credit bank (learning 0002); a new ledger-like table adds one line to its migration::

    operations = [append_only("honors_award")]
"""

from __future__ import annotations

from typing import Any

from django.db import migrations


def _statements(table: str) -> dict[str, list[str]]:
    function, trigger = f"{table}_append_only", trigger_name(table)
    return {
        "postgresql_up": [
            f"""CREATE OR REPLACE FUNCTION {function}() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '{table} is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER {trigger} BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION {function}();"""
        ],
        "postgresql_down": [
            f"DROP TRIGGER IF EXISTS {trigger} ON {table};",
            f"DROP FUNCTION IF EXISTS {function}();",
        ],
        "sqlite_up": [
            f"CREATE TRIGGER {trigger} BEFORE UPDATE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END;"
        ],
        "sqlite_down": [f"DROP TRIGGER IF EXISTS {trigger};"],
    }


def append_only(table: str) -> migrations.RunPython:
    statements = _statements(table)

    def run(direction: str) -> Any:
        def apply(apps: Any, schema_editor: Any) -> None:
            for sql in statements.get(f"{schema_editor.connection.vendor}_{direction}", []):
                schema_editor.execute(sql)

        return apply

    return migrations.RunPython(run("up"), run("down"))


def append_only_kept(table: str) -> migrations.RunPython:
    """For a migration that alters an append-only table: SQLite alters a column by building a new
    table and copying the rows, which leaves the old table's triggers behind. Put this operation
    both first and last in such a migration: it installs the SQLite trigger again in either
    direction (PostgreSQL alters in place and keeps its trigger). ``tests/test_append_only.py``
    checks every append-only table still has its trigger after all migrations."""
    statements = _statements(table)

    def again(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "sqlite":
            for sql in statements["sqlite_down"] + statements["sqlite_up"]:
                schema_editor.execute(sql)

    return migrations.RunPython(again, again)


def trigger_name(table: str) -> str:
    return f"{table}_no_update"
