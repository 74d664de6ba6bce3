# The member list's write stamp (issue 19, yugong/members/pagecache.py): every transaction that
# writes memberships, people or unions bumps members_liststamp.gen by one when it commits.
#
# * A statement-level trigger on each of the three tables (INSERT, UPDATE, DELETE, TRUNCATE: ORM
#   saves, QuerySet.update, bulk_create, raw SQL and COPY alike) marks the transaction once
#   (a transaction-local setting) by inserting a row into members_liststamppending.
# * That row's deferred constraint trigger runs at commit. It first only touches the row again,
#   which queues a second deferred event at the END of the commit's queue, after the foreign-key
#   checks of everything the transaction wrote; the second event bumps the stamp and deletes the
#   mark. So the stamp's row lock is the last lock a committing transaction takes (no deadlock with
#   a key-share wait after it) and is held only for the rest of the commit.
#
# Commits bump the stamp in commit order (each waits for the previous holder's commit), so a
# snapshot that reads gen = g sees exactly the first g list-writing transactions.

from django.db import migrations, models

TABLES = ("members_membership", "members_person", "orgs_union")

FUNCTIONS = """
CREATE OR REPLACE FUNCTION members_list_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF coalesce(current_setting('yugong.members_list_touched', true), '') <> '1' THEN
        PERFORM set_config('yugong.members_list_touched', '1', true);
        INSERT INTO members_liststamppending (step) VALUES (0);
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION members_list_commit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE members_liststamppending SET step = 1 WHERE id = NEW.id;
    ELSE
        UPDATE members_liststamp SET gen = gen + 1 WHERE id = 1;
        DELETE FROM members_liststamppending WHERE id = NEW.id;
    END IF;
    RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER members_list_commit_mark AFTER INSERT ON members_liststamppending
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION members_list_commit();
CREATE CONSTRAINT TRIGGER members_list_commit_bump AFTER UPDATE ON members_liststamppending
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION members_list_commit();
"""

TRIGGER = """
CREATE TRIGGER members_list_touch AFTER INSERT OR UPDATE OR DELETE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION members_list_touch();
CREATE TRIGGER members_list_touch_truncate AFTER TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION members_list_touch();
"""

DROP = """
DROP TRIGGER IF EXISTS members_list_touch ON {table};
DROP TRIGGER IF EXISTS members_list_touch_truncate ON {table};
"""


def install(apps, schema_editor):
    # The first value is the clock in microseconds, not 1: a row made again (a test database flushed)
    # never restarts below an earlier row's values, so no cache entry of the old row can match.
    import time

    with schema_editor.connection.cursor() as cursor:
        cursor.execute("INSERT INTO members_liststamp (id, gen) VALUES (1, %s)", [time.time_ns() // 1000])
    if schema_editor.connection.vendor != "postgresql":
        return  # SQLite: no stamp changes; the page cache is PostgreSQL-only (pagecache.enabled)
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(FUNCTIONS)
        for table in TABLES:
            cursor.execute(TRIGGER.format(table=table))


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(DROP.format(table=table))
        cursor.execute("DROP TRIGGER IF EXISTS members_list_commit_mark ON members_liststamppending")
        cursor.execute("DROP TRIGGER IF EXISTS members_list_commit_bump ON members_liststamppending")
        cursor.execute("DROP FUNCTION IF EXISTS members_list_touch(); DROP FUNCTION IF EXISTS members_list_commit();")


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0008_person_masked_copies"),
        ("orgs", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="ListStamp",
            fields=[
                ("id", models.PositiveSmallIntegerField(primary_key=True, serialize=False)),
                ("gen", models.BigIntegerField(default=1)),
            ],
        ),
        migrations.CreateModel(
            name="ListStampPending",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("step", models.PositiveSmallIntegerField(default=0)),
            ],
        ),
        migrations.RunPython(install, uninstall),
    ]
