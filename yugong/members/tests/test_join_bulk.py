"""The members' bulk join (``members.bulk.join_bulk``, used by ``seed_annual``) writes what the roster
import writes for rows that passed, and records the same facts: a twin test against the import."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from django.db import connection

from yugong.core.facts import facts_dated
from yugong.core.models import DailyFact, PersonFact
from yugong.core.pii import blind_index, decrypt
from yugong.members.bulk import RowWriter, join_bulk
from yugong.members.models import Membership, Person
from yugong.members.tests.test_import import good_row, ident, run

FORMS = {"单位职工": "regular", "外卖骑手": "rider", "快递员": "courier"}
DAY = dt.date(2023, 5, 25)


def _rows(start: int) -> list[tuple[str, str, bool]]:
    """(ID number, employment form label, migrant) for six people."""
    labels = ["单位职工", "外卖骑手", "快递员", "外卖骑手", "单位职工", "单位职工"]
    return [(ident(start + i), labels[i], i % 3 == 0) for i in range(6)]


def _facts(union_id: int) -> tuple[Counter[tuple[str, str, int]], int]:
    cells = Counter(
        {
            (f.metric, f.dim, f.day.month): f.value
            for f in DailyFact.objects.filter(union_id=union_id, metric__startswith="members.")
        }
    )
    people = PersonFact.objects.filter(union_id=union_id, metric="members.people_joined", day=DAY).count()
    return cells, people


def test_join_bulk_writes_and_records_what_the_roster_import_does(world: dict[str, Any]) -> None:
    shop, riders = world["shop"], world["riders"]
    # the roster import, into the shop
    imported = _rows(1)
    with facts_dated(DAY):
        ri = run(
            world,
            [
                good_row(i + 1, code="YZ0001", 就业形态=label, 是否农民工="是" if migrant else "否")
                for i, (_id, label, migrant) in enumerate(imported)
            ],
        )
    assert ri.status == "done" and ri.created == 6
    # the bulk join, into the riders' federation: the same forms and migrant flags
    joined = _rows(101)
    people = [
        {
            "name": "李四",
            "id_number": id_number,
            "phone": f"1380000{i:04d}",
            "employment_form": FORMS[label],
            "migrant_worker": migrant,
        }
        for i, (id_number, label, migrant) in enumerate(joined)
    ]
    with world["capture"](execute=True), facts_dated(DAY):
        assert join_bulk(people=people, union_ids=[riders.pk] * 6, started_on=DAY) == 6

    # the same facts, cell for cell (members.imported by form, migrant_joined, people_joined)
    assert _facts(riders.pk) == _facts(shop.pk)
    assert _facts(riders.pk)[0][("members.imported", "rider", 5)] == 2
    assert _facts(riders.pk)[1] == 6

    # the rows: personal data encrypted with its blind indexes and masks, numbers, search keys
    for i, (id_number, _label, migrant) in enumerate(joined):
        p = Person.objects.get(id_number_index=blind_index("id_number", id_number))
        assert p.id_number == id_number and p.phone == f"1380000{i:04d}"
        assert p.phone_index == blind_index("phone", p.phone) and p.phone_tail == f"{i:04d}"
        assert p.phone_masked == "138****" + f"{i:04d}" and "*" in p.id_number_masked
        assert p.birth_date == dt.date(1990, 3, 7) and p.migrant_worker is migrant
        m = Membership.objects.get(person=p)
        assert (m.status, m.channel, m.union_id, m.union_path) == ("active", "import", riders.pk, riders.path)
        assert (m.person_name, m.employment_form, m.migrant_worker) == ("李四", p.employment_form, migrant)
        assert m.member_since == DAY and m.started_on == DAY
    numbers = list(Membership.objects.values_list("member_no", flat=True))
    assert len(numbers) == 12 and len(set(numbers)) == 12 and all(numbers)
    # stored ciphertext, not the plain number
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number FROM members_person WHERE id = %s", [p.pk])
        stored = cursor.fetchone()[0]
    assert stored != p.id_number and decrypt(stored) == p.id_number


def test_row_writer_stores_what_the_orm_stores(world: dict[str, Any]) -> None:
    """RowWriter's SQLite path (executemany) and PostgreSQL path (COPY) store the values the ORM
    would: read back through the model, a written row equals a saved one."""
    values = {
        "name": "王五",
        "id_number": ident(7),
        "phone": "13900000007",
        "phone_tail": "0007",
        "birth_date": dt.date(1990, 3, 7),
        "sex": "M",
        "employment_form": "courier",
        "migrant_worker": True,
        "education": "bachelor",
        "employer_name": "某快递",
    }
    orm = Person.objects.create(**values)
    RowWriter(Person, exclude=("user",)).write([{**values, "id": orm.pk + 1, "id_number": ident(8)}])
    written = Person.objects.get(pk=orm.pk + 1)
    fields = [f.attname for f in Person._meta.concrete_fields if f.attname not in {"id", "user_id"}]
    differ = {f for f in fields if getattr(orm, f) != getattr(written, f)}
    assert differ == {"id_number", "id_number_index", "id_number_masked", "created_at", "updated_at"}
    assert written.id_number == ident(8) and written.id_number_index == blind_index("id_number", ident(8))
    assert abs(written.created_at - orm.created_at) < dt.timedelta(minutes=1)
