"""The full-text index over jobs_jobpost.search_text (yugong.core.textsearch)."""

from django.db import migrations

from yugong.core.textsearch import create_search_index, drop_search_index


def forwards(apps, schema_editor):
    create_search_index(schema_editor, "jobs_jobpost")


def backwards(apps, schema_editor):
    drop_search_index(schema_editor, "jobs_jobpost")


class Migration(migrations.Migration):
    dependencies = [("jobs", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
