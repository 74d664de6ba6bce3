# Masked copies of the phone and ID number (issue 19: lists mask without decrypting), filled for
# the existing people from their decrypted values, one id range per transaction.

from django.db import migrations, transaction

import yugong.members.models

BATCH = 5_000


def backfill(apps, schema_editor):
    from yugong.core.pii import mask_id_number, mask_phone

    Person = apps.get_model("members", "Person")
    connection = schema_editor.connection
    last = 0
    while True:
        with transaction.atomic(using=connection.alias):
            rows = list(
                Person.objects.using(connection.alias)
                .filter(pk__gt=last)
                .order_by("pk")
                .values_list("pk", "phone", "id_number")[:BATCH]
            )
            if not rows:
                return
            with connection.cursor() as cursor:
                cursor.executemany(
                    "UPDATE members_person SET phone_masked = %s, id_number_masked = %s WHERE id = %s",
                    [(mask_phone(phone), mask_id_number(idn), pk) for pk, phone, idn in rows],
                )
        last = rows[-1][0]


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("members", "0007_rosterimport_layout"),
    ]

    operations = [
        migrations.AddField(
            model_name="person",
            name="id_number_masked",
            field=yugong.members.models.MaskedCopyField(source="id_number", verbose_name="身份证号（脱敏）"),
        ),
        migrations.AddField(
            model_name="person",
            name="phone_masked",
            field=yugong.members.models.MaskedCopyField(source="phone", verbose_name="手机号（脱敏）"),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
