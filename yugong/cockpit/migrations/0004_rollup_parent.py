"""The roll-up keeps each row's parent prefix, so a child ranking reads its rows by equality."""

from django.db import migrations, models


def fill_parent(apps, schema_editor):  # type: ignore[no-untyped-def]
    from yugong.orgs import tree

    MonthRollup = apps.get_model("cockpit", "MonthRollup")
    MonthRollup.objects.update(parent=tree.parent_prefix_expr("prefix"))


class Migration(migrations.Migration):
    dependencies = [
        ("cockpit", "0003_month_rollup"),
    ]

    operations = [
        migrations.AddField(
            model_name="monthrollup",
            name="parent",
            field=models.CharField(blank=True, default="", max_length=255, verbose_name="上级节点路径"),
        ),
        migrations.RunPython(fill_parent, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="monthrollup",
            index=models.Index(fields=["parent", "metric", "month"], name="cockpit_rollup_parent"),
        ),
    ]
