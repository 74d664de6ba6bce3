"""Full-text indexes over ``search_text`` (space-joined jieba tokens), one per engine:

* PostgreSQL: a stored generated ``tsvector`` column (``to_tsvector('simple', search_text)``: the
  'simple' configuration only lower-cases, so jieba's words are the lexemes) with a GIN index. Being
  generated, it can never drift from ``search_text``.
* SQLite: FTS5 virtual tables (rowid = the row's id) kept in sync by rights.search.
* Anything else: nothing (rights.search falls back to LIKE).
"""

from django.db import migrations

TABLES = ("rights_policy", "rights_faq")


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        if vendor == "postgresql":
            schema_editor.execute(
                f"ALTER TABLE {table} ADD COLUMN search_vector tsvector "
                "GENERATED ALWAYS AS (to_tsvector('simple', search_text)) STORED"
            )
            schema_editor.execute(f"CREATE INDEX {table}_search_gin ON {table} USING GIN (search_vector)")
        elif vendor == "sqlite":
            schema_editor.execute(f"CREATE VIRTUAL TABLE {table}_fts USING fts5(body, tokenize='unicode61')")


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        if vendor == "postgresql":
            schema_editor.execute(f"DROP INDEX IF EXISTS {table}_search_gin")
            schema_editor.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS search_vector")
        elif vendor == "sqlite":
            schema_editor.execute(f"DROP TABLE IF EXISTS {table}_fts")


class Migration(migrations.Migration):
    dependencies = [("rights", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
