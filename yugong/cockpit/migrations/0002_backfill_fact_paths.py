"""Facts recorded before paths were kept get the union's path of today (the best record there is)."""

from django.db import migrations


def backfill(apps, schema_editor):
    Union = apps.get_model("orgs", "Union")
    DailyFact = apps.get_model("core", "DailyFact")
    paths = dict(Union.objects.values_list("pk", "path"))
    ids = DailyFact.objects.filter(path="").values_list("union_id", flat=True).distinct()
    for union_id in ids:
        path = paths.get(union_id)
        if path:
            DailyFact.objects.filter(path="", union_id=union_id).update(path=path)


class Migration(migrations.Migration):
    dependencies = [
        ("cockpit", "0001_initial"),
        ("core", "0005_fact_path_person"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
