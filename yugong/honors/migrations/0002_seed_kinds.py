"""The honour kinds a city federation awards or nominates for (seeds 001, 003, 004). Names are data
(Chinese); more kinds are added in the admin."""

from django.db import migrations

KINDS = [
    # code, name, level, target, register title
    ("national-may-day-medal", "全国五一劳动奖章", "national", "person", "全国五一劳动奖章获得者"),
    ("national-may-day-award", "全国五一劳动奖状", "national", "collective", ""),
    ("national-pioneer", "全国工人先锋号", "national", "collective", ""),
    ("national-model-worker", "全国劳动模范", "national", "person", "全国劳动模范"),
    ("city-may-day-medal", "重庆五一劳动奖章", "city", "person", "重庆五一劳动奖章获得者"),
    ("city-may-day-award", "重庆五一劳动奖状", "city", "collective", ""),
    ("city-pioneer", "重庆市工人先锋号", "city", "collective", ""),
    ("city-model-worker", "重庆市劳动模范", "city", "person", "重庆市劳动模范"),
    ("city-craftsman", "巴渝工匠", "city", "person", "巴渝工匠"),
    ("most-beautiful-worker", "最美产业工人", "city", "person", "最美产业工人"),
    ("women-pacesetter", "巾帼建功标兵", "city", "person", ""),
    ("district-model-worker", "区县劳动模范", "district", "person", "区县劳动模范"),
]


def seed(apps, schema_editor):
    HonourKind = apps.get_model("honors", "HonourKind")
    for order, (code, name, level, target, title) in enumerate(KINDS):
        HonourKind.objects.get_or_create(
            code=code,
            defaults={"name": name, "level": level, "target": target, "register_title": title, "order": order},
        )


def unseed(apps, schema_editor):
    apps.get_model("honors", "HonourKind").objects.filter(code__in=[k[0] for k in KINDS]).delete()


class Migration(migrations.Migration):
    dependencies = [("honors", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
