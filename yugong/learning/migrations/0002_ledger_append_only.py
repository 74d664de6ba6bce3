"""The credit ledger is append-only in the database itself: UPDATE and DELETE on
learning_creditentry are rejected by a trigger (``yugong.core.append_only``)."""

from django.db import migrations

from yugong.core.append_only import append_only


class Migration(migrations.Migration):
    dependencies = [("learning", "0001_initial")]
    operations = [append_only("learning_creditentry")]
