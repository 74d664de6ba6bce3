"""The credit ledger is append-only in the database itself: UPDATE and DELETE on
learning_creditentry are rejected by a trigger (the pattern of core 0002: on SQLite DELETE is left
to the model because the test runner flushes SQLite with DELETE)."""

from django.db import migrations

PG_UP = """
CREATE OR REPLACE FUNCTION learning_creditentry_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'learning_creditentry is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER learning_creditentry_no_update BEFORE UPDATE OR DELETE ON learning_creditentry
    FOR EACH ROW EXECUTE FUNCTION learning_creditentry_append_only();
"""
PG_DOWN = """
DROP TRIGGER IF EXISTS learning_creditentry_no_update ON learning_creditentry;
DROP FUNCTION IF EXISTS learning_creditentry_append_only();
"""
SQLITE_UP = [
    "CREATE TRIGGER learning_creditentry_no_update BEFORE UPDATE ON learning_creditentry "
    "BEGIN SELECT RAISE(ABORT, 'learning_creditentry is append-only'); END;",
]
SQLITE_DOWN = ["DROP TRIGGER IF EXISTS learning_creditentry_no_update;"]


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_UP)
    elif vendor == "sqlite":
        for sql in SQLITE_UP:
            schema_editor.execute(sql)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_DOWN)
    elif vendor == "sqlite":
        for sql in SQLITE_DOWN:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("learning", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
