"""Bulk writes of people and memberships (the city generator and the roster import).

On PostgreSQL rows go in with ``COPY … FROM STDIN`` (psycopg 3): one round trip per chunk, no SQL
text to build, no per-object ORM work. What the model fields would do on save is done here, row by
row: personal data encrypted, blind indexes and masked copies computed, ``auto_now`` times and defaults filled.
Elsewhere (SQLite) :class:`RowWriter` falls back to ``bulk_create``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from django.db import connection, models

from yugong.core.pii import BlindIndexField, EncryptedTextField, blind_index, encrypt
from yugong.core.timeutil import now

from .models import MaskedCopyField


class RowWriter:
    """Insert dicts of ``attname -> plain Python value`` into a model's table: COPY on PostgreSQL
    (encrypting PII and computing blind indexes like the model fields would), bulk_create elsewhere.
    ``exclude``: columns left to the database (e.g. ``("id",)`` for its sequence)."""

    def __init__(self, model: type[models.Model], *, exclude: Iterable[str] = ()) -> None:
        self.model = model
        self.pg = connection.vendor == "postgresql"
        skip = set(exclude)
        self.fields = [
            f
            for f in model._meta.concrete_fields  # type: ignore[attr-defined]
            if f.attname not in skip and f.name not in skip
        ]
        self.columns = [f.column for f in self.fields]
        moment = now()
        self.makers: list[Callable[[dict[str, Any]], Any]] = []
        for f in self.fields:
            self.makers.append(self._maker(f, moment))

    def _maker(self, f: models.Field[Any, Any], moment: dt.datetime) -> Callable[[dict[str, Any]], Any]:
        name = f.attname
        if isinstance(f, EncryptedTextField):
            return lambda row: encrypt(row[name]) if row.get(name) else ""
        if isinstance(f, BlindIndexField):
            source, purpose = f.source, f.purpose  # a value given in the row was computed already
            return lambda row: row.get(name) or blind_index(purpose, row.get(source) or "")
        if isinstance(f, MaskedCopyField):
            mask, masked_source = f.mask, f.source
            return lambda row: mask(row.get(masked_source))
        if isinstance(f, models.DateTimeField) and (f.auto_now or f.auto_now_add):
            return lambda row: row.get(name, moment)
        if isinstance(f, models.JSONField):
            from psycopg.types.json import Jsonb

            default = f.get_default()
            return lambda row: Jsonb(row.get(name, default))
        default = f.get_default()  # "" for NOT NULL text fields, like the ORM
        return lambda row: row.get(name, default)

    def write(self, rows: Iterable[dict[str, Any]]) -> int:
        n = 0
        if self.pg:
            table = connection.ops.quote_name(self.model._meta.db_table)
            cols = ", ".join(connection.ops.quote_name(c) for c in self.columns)
            makers = self.makers
            with (
                connection.cursor() as cursor,
                cursor.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row([make(row) for make in makers])
                    n += 1
            return n
        objs = [self.model(**row) for row in rows]
        self.model._default_manager.bulk_create(objs, batch_size=500)
        return len(objs)


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """``count`` primary keys from the table's sequence (PostgreSQL), so rows written with COPY
    can be referred to before they exist. Safe beside concurrent inserts (nextval never repeats)."""
    if count < 1:
        return []
    table = model._meta.db_table
    pk = model._meta.pk.column
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [table, pk, count],
        )
        return [row[0] for row in cursor.fetchall()]
