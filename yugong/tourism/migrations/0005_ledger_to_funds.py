"""The one ledger: tourism's entries and lines move into ``funds`` (issue 14).

``funds`` already has its own ledger tables (budgets post to them), so the two books are merged
rather than the tables renamed: every tourism entry is copied with its id shifted past the highest
funds id (lines keep pointing at their entry), its order / payment / merchant become the entry's
plain reference (``ref_type``/``ref_id`` for the order — else the merchant — and all three by id in
``refs``; funds imports no scenario app) and the payment's provider reference becomes
``external_ref`` (what reconciliation matches the provider's bill on). Two INSERT … SELECT
statements, whatever the size. Then tourism's models and tables go.
"""

from typing import Any

from django.db import migrations


def _copy(apps: Any, schema_editor: Any) -> None:
    connection = schema_editor.connection
    postgres = connection.vendor == "postgresql"
    refs = (
        "jsonb_strip_nulls(jsonb_build_object('order', e.order_id, 'payment', e.payment_id, 'merchant', e.merchant_id))"
        if postgres
        else "json_object('order', e.order_id, 'payment', e.payment_id, 'merchant', e.merchant_id)"
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM funds_ledgerentry")
        offset = int(cursor.fetchone()[0])
        cursor.execute(
            "INSERT INTO funds_ledgerentry (id, kind, memo, union_id, ref_type, ref_id, refs, external_ref, created_at) "
            f"SELECT e.id + %s, e.kind, e.memo, NULL, "
            "CASE WHEN e.order_id IS NOT NULL THEN 'tourism.order' WHEN e.merchant_id IS NOT NULL THEN 'tourism.merchant' "
            "WHEN e.payment_id IS NOT NULL THEN 'tourism.payment' ELSE '' END, "
            "COALESCE(e.order_id, e.merchant_id, e.payment_id), "
            f"{refs}, COALESCE(p.provider_ref, ''), e.created_at "
            "FROM tourism_ledgerentry e LEFT JOIN tourism_payment p ON p.id = e.payment_id",
            [offset],
        )
        cursor.execute(
            "INSERT INTO funds_ledgerline (entry_id, account, amount_fen) "
            "SELECT entry_id + %s, account, amount_fen FROM tourism_ledgerline ORDER BY id",
            [offset],
        )
        if postgres:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('funds_ledgerentry', 'id'), "
                "(SELECT GREATEST(COALESCE(MAX(id), 0), 1) FROM funds_ledgerentry))"
            )


class Migration(migrations.Migration):
    dependencies = [
        ("tourism", "0004_gate_window_pass_spots"),
        ("funds", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(_copy, migrations.RunPython.noop, elidable=False),
        migrations.DeleteModel(name="LedgerLine"),
        migrations.DeleteModel(name="LedgerEntry"),
    ]
