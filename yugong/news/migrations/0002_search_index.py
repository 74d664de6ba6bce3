"""The full-text index over news_article.search_text (yugong.core.textsearch)."""

from django.db import migrations

from yugong.core.textsearch import create_search_index, drop_search_index


def forwards(apps, schema_editor):
    create_search_index(schema_editor, "news_article")


def backwards(apps, schema_editor):
    drop_search_index(schema_editor, "news_article")


class Migration(migrations.Migration):
    dependencies = [("news", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
