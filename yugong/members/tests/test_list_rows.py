"""Issue 19: the member list and search read one query per page of plain rows, mask without
decrypting, and give exactly what the slower model path gives (the twin test)."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.helpers import requires_postgres
from yugong.core import pii
from yugong.core.pii import mask_id_number, mask_phone
from yugong.members import api, selectors, services
from yugong.members.bulk import RowWriter
from yugong.members.models import Membership, Person

from .factories import make_id_number, make_member, make_person

pytestmark = pytest.mark.django_db

API = "/api/v1/members"
# the ciphertext columns; their masked copies (phone_masked, id_number_masked) are fine to read
CIPHERTEXT_RE = re.compile(r'"members_person"\."(phone|id_number)"(?!_)')


def client_for(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def slow_item(user: Any, pk: int) -> dict[str, Any]:
    """The item as the model path builds it (the detail's shaping: instances, decrypt, mask)."""
    m = selectors.membership_get(user, pk)
    labels = {value: str(label) for value, label in Membership.Status.choices}
    return {**api._membership_fields(m, labels=labels), "person": api._person_fields(m.person)}


def variety(tree: dict[str, Any]) -> list[Membership]:
    out = [
        make_member(tree["shop"]),
        make_member(
            tree["branch"], person=make_person(name="欧阳小明", employment_form="rider", migrant_worker=True)
        ),
        make_member(tree["shop"], status=Membership.Status.SUSPENDED),
        make_member(tree["riders"], person=make_person(name="李", phone="13511112222", education="bachelor")),
    ]
    pending = make_member(tree["shop"], status=Membership.Status.PENDING, member_no=None)
    Membership.objects.filter(pk=pending.pk).update(
        due_at=timezone.now() - dt.timedelta(days=2), applied_at=timezone.now() - dt.timedelta(days=9)
    )
    out.append(pending)
    no_phone = make_person()
    Person.objects.filter(pk=no_phone.pk).update(phone="", phone_masked="", phone_tail="")
    out.append(make_member(tree["shop"], person=no_phone, status=Membership.Status.LEFT))
    return out


def test_the_row_path_and_the_model_path_agree(tree: dict[str, Any]) -> None:
    variety(tree)
    user = tree["district_staff"]
    page = selectors.member_search(user, status="all", limit=200)
    assert len(page.rows) == 6
    labels = {value: str(label) for value, label in Membership.Status.choices}
    moment = timezone.now()
    for row in page.rows:
        fast = api._row_item(row, labels=labels, moment=moment)
        assert fast == slow_item(user, row.pk)
        # and the JSON the API sends is the same bytes either way
        assert json.dumps(fast, cls=DjangoJSONEncoder) == json.dumps(
            slow_item(user, row.pk), cls=DjangoJSONEncoder
        )
    assert any(api._row_item(r, labels=labels, moment=moment)["overdue"] for r in page.rows)


def test_the_console_row_shows_what_the_detail_masks(tree: dict[str, Any]) -> None:
    variety(tree)
    user = tree["district_staff"]
    for row in selectors.member_search(user, status="all", limit=200).rows:
        m = selectors.membership_get(user, row.pk)
        assert row.masked_name == m.person.masked_name
        assert row.phone_masked == m.person.masked_phone
        assert row.id_number_masked == m.person.masked_id_number
        assert row.status_label == m.get_status_display()
        assert row.employment_form_label == m.person.get_employment_form_display()
        assert row.union_name == m.union.name


def test_a_list_page_decrypts_nothing_and_reads_no_ciphertext(
    tree: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    variety(tree)
    staff = client_for(tree["district_staff"])

    def refuse(*_a: Any, **_k: Any) -> str:
        raise AssertionError("a list decrypted personal data")

    monkeypatch.setattr(pii, "decrypt", refuse)
    with CaptureQueriesContext(connection) as ctx:
        api_page = staff.get(f"{API}/?status=all")
        console = staff.get(reverse("members:list") + "?status=all")
    assert api_page.status_code == 200 and console.status_code == 200
    assert [q["sql"] for q in ctx.captured_queries if CIPHERTEXT_RE.search(q["sql"])] == []
    body = console.content.decode()
    for item in api_page.json()["items"]:
        assert item["person"]["phone"] in body and item["person"]["id_number"] in body


@pytest.mark.parametrize(
    "path", [f"{API}/", f"{API}/?q=张", f"{API}/?employer=解放碑", reverse("members:list")]
)
def test_one_query_per_page_whatever_its_size(tree: dict[str, Any], path: str) -> None:
    staff = client_for(tree["district_staff"])

    def page_queries() -> tuple[int, int]:
        staff.get(path)  # warm the session
        with CaptureQueriesContext(connection) as ctx:
            r = staff.get(path)
        assert r.status_code == 200
        member_queries = [q for q in ctx.captured_queries if "members_membership" in q["sql"]]
        return len(ctx.captured_queries), len(member_queries)

    make_member(tree["shop"], person=make_person(name="张一", employer_name="解放碑百货"))
    small = page_queries()
    for i in range(40):
        make_member(tree["shop"], person=make_person(name=f"张{i}", employer_name="解放碑百货"))
    assert page_queries() == small
    assert small[1] == 1


def test_the_masked_copies_follow_every_write(tree: dict[str, Any]) -> None:
    idn = make_id_number("19870707")
    person = services.person_upsert(
        actor=tree["shop_staff"], data={"name": "钱七", "id_number": idn, "phone": "13600001111"}
    )
    person.refresh_from_db()
    assert (person.phone_masked, person.id_number_masked) == (mask_phone("13600001111"), mask_id_number(idn))

    services.person_upsert(
        actor=tree["shop_staff"], data={"name": "钱七", "id_number": idn, "phone": "13700002222"}
    )
    person.refresh_from_db()
    assert person.phone_masked == "137****2222"

    person.phone = "13800003333"
    person.save(update_fields=["phone"])  # a caller listing only the source still updates the copy
    person.refresh_from_db()
    assert person.phone_masked == "138****3333"

    bulk = Person(name="孙八", id_number=make_id_number("19900101"), phone="13900004444")
    Person.objects.bulk_create([bulk])
    written = Person.objects.get(name="孙八")
    assert written.phone_masked == "139****4444" and written.id_number_masked == mask_id_number(
        bulk.id_number
    )

    idn2 = make_id_number("19910101")
    RowWriter(Person, exclude=("id", "user")).write(
        [{"name": "周九", "id_number": idn2, "phone": "13500005555", "phone_tail": "5555"}]
    )
    copied = Person.objects.get(name="周九")
    assert copied.phone_masked == "135****5555" and copied.id_number_masked == mask_id_number(idn2)


@requires_postgres
@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"status": "all"},
        {"q": "张"},
        {"q": "欧阳"},
        {"employer": "解放碑"},
        {"employment_form": "rider", "migrant": True},
        {"limit": 2},
    ],
)
def test_the_postgresql_statement_and_the_orm_give_the_same_rows(
    tree: dict[str, Any], filters: dict[str, Any]
) -> None:
    """Twin: the one statement built around the ORM's id query (PostgreSQL) and the ORM's own
    values_list read the same rows in the same order, page after page."""
    variety(tree)
    for i in range(5):
        make_member(tree["shop"], person=make_person(name=f"张{i}", employer_name="解放碑百货"))
    user = tree["district_staff"]
    after = None
    seen = 0
    while True:
        page = selectors.member_search(user, after=after, **filters)
        qs = selectors.scope_filter(Membership.objects.all(), user, path_field="union_path")
        status = filters.get("status", "")
        qs = qs if status == "all" else qs.filter(status__in=Membership.CURRENT)
        qs = qs.filter(selectors.search_condition(filters.get("q", "")))
        if filters.get("employer"):
            qs = qs.filter(employer_name__startswith=filters["employer"])
        if filters.get("employment_form"):
            qs = qs.filter(employment_form=filters["employment_form"])
        if "migrant" in filters:
            qs = qs.filter(migrant_worker=filters["migrant"])
        limited, limit = selectors._limited(qs, after=after, limit=filters.get("limit", 50), descending=True)
        orm_rows = [selectors.MemberRow(*v) for v in limited.values_list(*selectors.ROW_COLUMNS)][:limit]
        assert page.rows == orm_rows
        seen += len(page.rows)
        if page.next_after is None:
            break
        after = page.next_after
    assert seen > 0
