"""Migration operations shared by the apps."""

from __future__ import annotations

from typing import Any

from django.db import migrations


def postgres_table_storage(app_label: str, model_name: str, setting: str) -> migrations.RunPython:
    """``ALTER TABLE … SET (setting)`` on PostgreSQL, ``RESET`` when reversed (for example
    ``fillfactor = 80``); nothing on other databases. Pages already written keep their fill until
    they are rewritten."""
    name = setting.split("=")[0].strip()

    def alter(clause: str) -> Any:
        def run(apps: Any, schema_editor: Any) -> None:
            if schema_editor.connection.vendor != "postgresql":
                return
            table = schema_editor.quote_name(apps.get_model(app_label, model_name)._meta.db_table)
            schema_editor.execute(f"ALTER TABLE {table} {clause}")

        return run

    return migrations.RunPython(alter(f"SET ({setting})"), alter(f"RESET ({name})"))
