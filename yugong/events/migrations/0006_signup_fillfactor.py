"""Sign-up pages half full on PostgreSQL (``fillfactor = 50``), so that the draw's one UPDATE of
every entry (status, waiting rank, ``in_draw``, ``won_at_draw``) is a heap-only-tuple update: the
new row version goes on the same page and no index entry is written (an UPDATE of 100,000 rows
wrote ~9 WAL records per row and took 6 s of the draw; HOT, ~1 per row and 1 s). The price is
the table's size on disk (about twice, ~10 MB more per 100,000 sign-ups). Pages already written keep
their fill until they are rewritten. Nothing to do on other databases."""

from __future__ import annotations

from django.db import migrations

from yugong.core.migration_ops import postgres_table_storage


class Migration(migrations.Migration):
    dependencies = [("events", "0005_reading_campaign_photo_review")]

    operations = [postgres_table_storage("events", "SignUp", "fillfactor = 50")]
