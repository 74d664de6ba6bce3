"""Bulk writes of people and memberships (the city generator and the roster import).

On PostgreSQL rows go in with ``COPY … FROM STDIN`` (psycopg 3): one round trip per chunk, no SQL
text to build, no per-object ORM work. What the model fields would do on save is done here, row by
row: personal data encrypted, blind indexes and masked copies computed, ``auto_now`` times and defaults filled.
Elsewhere (SQLite) :class:`RowWriter` runs one prepared INSERT over the rows (``executemany``) with
the same values.

:func:`join_bulk` joins new people to unions in bulk (the roster import's write without a file, for
loaders such as ``seed_annual``), and :func:`record_joined` / :func:`record_people_joined` record the
cockpit facts of people joined in bulk — the one place both it and the roster import record them.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from django.db import connection, models, transaction
from django.db.models import Max

from yugong.core.facts import fact_people, fact_record
from yugong.core.pii import BlindIndexField, EncryptedTextField, blind_index, encrypt
from yugong.core.timeutil import local_today, now
from yugong.core.validators import id_birth_date, id_sex

from .models import PERSON_SEARCH_KEYS, MaskedCopyField


class RowWriter:
    """Insert dicts of ``attname -> plain Python value`` into a model's table: COPY on PostgreSQL
    (encrypting PII and computing blind indexes like the model fields would), ``executemany`` of the
    same values elsewhere.
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
            self.makers.append(self._maker(f, moment) if self.pg else self._sqlite_maker(f, moment))

    def _sqlite_maker(
        self, f: models.Field[Any, Any], moment: dt.datetime
    ) -> Callable[[dict[str, Any]], Any]:
        """The stored value for SQLite's ``executemany``: the personal-data fields as for COPY, the
        rest through the field's own ``get_db_prep_save`` (dates, times, JSON as the ORM stores them)."""
        if isinstance(f, EncryptedTextField | BlindIndexField | MaskedCopyField):
            return self._maker(f, moment)
        name, prep = f.attname, f.get_db_prep_save
        if isinstance(f, models.DateTimeField) and (f.auto_now or f.auto_now_add):
            return lambda row: prep(row.get(name, moment), connection)
        default = f.get_default()
        return lambda row: prep(row.get(name, default), connection)

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
        # SQLite: one prepared INSERT run over the rows (the ORM's bulk_create costs ~20x more per
        # row in field preparation; the values here are what it would have stored).
        table = connection.ops.quote_name(self.model._meta.db_table)
        cols = ", ".join(connection.ops.quote_name(c) for c in self.columns)
        marks = ", ".join(["%s"] * len(self.columns))
        makers = self.makers
        values = [[make(row) for make in makers] for row in rows]
        if values:
            with connection.cursor() as cursor:
                cursor.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", values)  # noqa: S608
        return len(values)


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


# --- Facts of people joined in bulk (the roster import and join_bulk) ------------------------------


def record_joined(per_union: Mapping[tuple[int, str], int], migrants: Mapping[int, int]) -> None:
    """Members joined in bulk, counted per union: ``members.imported`` per employment form (the same
    shape as the approvals' ``members.approved``, so the cockpit can add them up) and
    ``members.migrant_joined``. One upsert per union and form, through ``core.facts``."""
    for (union_id, form), n in sorted(per_union.items()):
        fact_record(metric="members.imported", union_id=union_id, value=n, dim=form)
    for union_id, n in sorted(migrants.items()):
        fact_record(metric="members.migrant_joined", union_id=union_id, value=n)


def record_people_joined(memberships: Iterable[Mapping[str, Any]]) -> None:
    """The distinct people who joined (``members.people_joined``: the cockpit counts each once
    across a subtree and a period), per union: one statement per 500 people and union."""
    joined: dict[int, list[int]] = defaultdict(list)
    for row in memberships:
        joined[row["union_id"]].append(row["person_id"])
    for union_id, person_ids in sorted(joined.items()):
        fact_people(metric="members.people_joined", union_id=union_id, person_ids=person_ids)


# --- New people joined to unions in bulk ------------------------------------------------------------


def _next_ids(model: type[models.Model], count: int) -> list[int]:
    if connection.vendor == "postgresql":
        return reserve_ids(model, count)
    # SQLite: one writer at a time (the transaction holds the write lock), so max + 1 is ours.
    start = int(model._default_manager.aggregate(m=Max("pk"))["m"] or 0) + 1
    return list(range(start, start + count))


def join_bulk(
    *, people: Sequence[Mapping[str, Any]], union_ids: Sequence[int], started_on: dt.date | None = None
) -> int:
    """New people, each joined to the union at the same position of ``union_ids``: what the roster
    import's write pass does for rows that passed its checks, without a file — the people and their
    active memberships (member numbers from one block, the search keys copied, the union's path)
    written by :class:`RowWriter` in one transaction, and the import's facts recorded
    (:func:`record_joined`, :func:`record_people_joined`). For loaders (``seed_annual``): the
    caller vouches that the people are new (ID numbers not on file) and the rows valid.

    ``people``: dicts of Person attributes in plain text (``name``, ``id_number``, ``phone``,
    ``employment_form``, ``migrant_worker``, …); birth date and sex come from the ID number."""
    from yugong.orgs.models import Union

    from .models import Membership, Person, member_numbers_reserve

    if len(people) != len(union_ids):
        raise ValueError("one union per person")
    if not people:
        return 0
    moment = now()
    day = started_on or local_today()
    paths = dict(Union.objects.filter(pk__in=set(union_ids)).values_list("pk", "path"))
    per_union: Counter[tuple[int, str]] = Counter()
    migrants: Counter[int] = Counter()
    with transaction.atomic():
        ids = _next_ids(Person, len(people))
        block = member_numbers_reserve(count=len(people))
        person_rows, membership_rows = [], []
        for pk, given, union_id in zip(ids, people, union_ids, strict=True):
            person = {
                **given,
                "id": pk,
                "phone_tail": str(given.get("phone") or "")[-4:],
                "birth_date": id_birth_date(given["id_number"]),
                "sex": id_sex(given["id_number"]),
            }
            person_rows.append(person)
            form = str(person.get("employment_form") or "")
            migrant = bool(person.get("migrant_worker"))
            membership_rows.append(
                {
                    "person_id": pk,
                    "union_id": union_id,
                    "status": Membership.Status.ACTIVE,
                    "channel": Membership.Channel.IMPORT,
                    "member_no": block.take(),
                    "applied_at": moment,
                    "decided_at": moment,
                    "member_since": day,
                    "started_on": day,
                    "union_path": paths[union_id],
                    **{target: person.get(source, "") for source, target in PERSON_SEARCH_KEYS.items()},
                    "migrant_worker": migrant,
                }
            )
            per_union[(union_id, form)] += 1
            if migrant:
                migrants[union_id] += 1
        RowWriter(Person, exclude=("user",)).write(person_rows)
        RowWriter(Membership, exclude=("id",)).write(membership_rows)
        record_people_joined(membership_rows)
        record_joined(per_union, migrants)
    return len(person_rows)
