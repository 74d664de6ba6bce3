"""Pass 2 of the roster import: write the rows that passed (COPY on PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.db import connection, transaction
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.core.timeutil import local_today, now
from yugong.core.validators import id_birth_date, id_sex
from yugong.orgs.models import Union

from ..bulk import RowWriter, record_people_joined, reserve_ids
from ..models import (
    PERSON_SEARCH_KEYS,
    MemberNumberBlock,
    MemberNumbersExhausted,
    Membership,
    Person,
    member_numbers_reserve,
    membership_keys_of,
)
from .lookups import existing_people, membership_problem
from .models import RosterImport
from .parsing import (
    CHUNK,
    chunked,
)
from .progress import _progress


class RowsChanged(Exception):
    """Members changed between validation and writing (an application approved meanwhile)."""


@dataclass
class WriteStats:
    created: int = 0
    skipped: int = 0
    per_union: Counter[tuple[int, str]] = field(default_factory=Counter)  # (union, employment form)
    migrants: Counter[int] = field(default_factory=Counter)
    late_errors: list[tuple[int, str, Any, str]] = field(default_factory=list)


# (spooled row, existing person: (id, search keys) or None)
Plan = list[tuple[list[Any], "tuple[int, dict[str, Any]] | None"]]


def _spool_chunks(spool: IO[str], invalid_rows: set[int]) -> Iterator[list[list[Any]]]:
    spool.seek(0)
    for chunk in chunked((json.loads(line) for line in spool), CHUNK):
        yield [r for r in chunk if r[0] not in invalid_rows]


def _plan(rows: list[list[Any]], stats: WriteStats, *, strict: bool) -> Plan:
    """Which rows to create (with the existing person, if any); counts skips and late problems.
    Three queries for the chunk: the people by blind index, their memberships, their search keys."""
    people = existing_people(r[12] for r in rows)
    plan: list[tuple[list[Any], int | None]] = []
    for r in rows:
        hit = people.get(r[12])
        if hit is None:
            plan.append((r, None))
            continue
        problem = membership_problem(r[4], hit[1])
        if problem == "skip":
            stats.skipped += 1
        elif problem:
            if strict:
                raise RowsChanged()
            stats.late_errors.append((r[0], "id_number", r[2], problem))
        else:
            plan.append((r, hit[0]))
    known = {pk for _r, pk in plan if pk is not None}
    keys = (
        {
            p.pk: membership_keys_of(p)
            for p in Person.objects.filter(pk__in=known).only("pk", *PERSON_SEARCH_KEYS)
        }
        if known
        else {}
    )
    return [(r, None if pk is None else (pk, keys[pk])) for r, pk in plan]


PERSON_COPY_EXCLUDE = ("user",)
MEMBERSHIP_COPY_EXCLUDE = ("id",)


def _write(
    ri: RosterImport, plan: Plan, numbers: MemberNumberBlock | None, stats: WriteStats, actor: User
) -> None:
    """One chunk in one transaction (a savepoint inside the all-or-nothing transaction): the new
    people and their memberships, written with COPY on PostgreSQL (bulk_create elsewhere).
    ``numbers`` None: reserve this chunk's block inside the chunk's transaction."""
    moment, today = now(), local_today()
    paths = dict(Union.objects.filter(pk__in={r[4] for r, _w in plan}).values_list("pk", "path"))
    new_people: list[dict[str, Any]] = []
    for r, known in plan:
        if known is None:
            new_people.append(
                {
                    "name": r[1],
                    "id_number": r[2],
                    "id_number_index": r[12],
                    "phone": r[3],
                    "phone_tail": r[3][-4:],
                    "birth_date": id_birth_date(r[2]),
                    "sex": id_sex(r[2]),
                    "employment_form": r[5],
                    "migrant_worker": r[6],
                    "education": r[7],
                    "occupation": r[8],
                    "employer_id": r[9],
                    "employer_name": r[11],
                }
            )
    with transaction.atomic():
        block = numbers if numbers is not None else member_numbers_reserve(count=len(plan))
        if connection.vendor == "postgresql":
            for person, pk in zip(new_people, reserve_ids(Person, len(new_people)), strict=True):
                person["id"] = pk
            RowWriter(Person, exclude=PERSON_COPY_EXCLUDE).write(new_people)
            new_ids = [p["id"] for p in new_people]
        else:
            objs = [Person(**person) for person in new_people]
            Person.objects.bulk_create(objs, batch_size=500)
            new_ids = [o.pk for o in objs]
        fresh = iter(zip(new_ids, new_people, strict=True))
        memberships: list[dict[str, Any]] = []
        note = _("名册导入 #%(id)d 第%(row)d行")  # translated once, not once per row
        for r, known in plan:
            if known is None:
                person_id, person = next(fresh)
                keys = {
                    "person_name": person["name"],
                    "employment_form": person["employment_form"],
                    "migrant_worker": person["migrant_worker"],
                    "employer_name": person["employer_name"],
                }
            else:
                person_id, keys = known
            memberships.append(
                {
                    "person_id": person_id,
                    "union_id": r[4],
                    "status": Membership.Status.ACTIVE,
                    "channel": Membership.Channel.IMPORT,
                    "member_no": block.take(),
                    "applied_at": moment,
                    "decided_at": moment,
                    "decided_by_id": getattr(actor, "pk", None),
                    "member_since": dt.date.fromisoformat(r[10]) if r[10] else today,
                    "started_on": today,
                    "note": note % {"id": ri.pk, "row": r[0]},
                    "union_path": paths[r[4]],
                    **keys,
                }
            )
            stats.per_union[(r[4], keys["employment_form"])] += 1
            if keys["migrant_worker"]:
                stats.migrants[r[4]] += 1
        RowWriter(Membership, exclude=MEMBERSHIP_COPY_EXCLUDE).write(memberships)
        # Distinct people who joined, in the chunk's own transaction.
        record_people_joined(memberships)
    stats.created += len(memberships)


def write_pass(
    ri: RosterImport, spool: IO[str], *, invalid_rows: set[int], to_create: int, actor: User
) -> WriteStats:
    """Pass 2. ``all_or_nothing``: the caller holds one transaction around this, and one block of
    ``to_create`` numbers (what pass 1 counted) is reserved in it before any write; should more
    rows need creating than pass 1 saw, members changed meanwhile and the import stops
    (RowsChanged). ``skip_invalid``: each chunk is its own transaction with its own block."""
    strict = ri.mode == RosterImport.Mode.ALL_OR_NOTHING
    stats = WriteStats()
    numbers = member_numbers_reserve(count=to_create) if strict else None
    todo = max(to_create if strict else ri.valid, 1)
    done = 0
    for rows in _spool_chunks(spool, invalid_rows):
        plan = _plan(rows, stats, strict=strict)
        try:
            _write(ri, plan, numbers, stats, actor)
        except MemberNumbersExhausted:
            raise RowsChanged() from None
        done += len(rows)
        _progress(ri, 50 + min(49, done * 50 // todo), RosterImport.Status.IMPORTING, done)
    return stats
