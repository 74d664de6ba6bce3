"""The audit log is append-only in the database itself, not only in the model: UPDATE and DELETE on
core_auditevent are rejected by a trigger (``yugong.core.append_only`` says how, per database)."""

from django.db import migrations

from yugong.core.append_only import append_only


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [append_only("core_auditevent")]
