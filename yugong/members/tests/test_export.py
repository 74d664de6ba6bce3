"""Member export: scoped to the actor's subtree, PII masked unless full data is asked for by a role
allowed to see it (then audited with the count); constant queries as rows grow."""

from __future__ import annotations

import io
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.helpers import UserFactory, assert_max_queries, grant, make_union
from yugong.core.errors import PermissionDenied
from yugong.core.models import AuditEvent
from yugong.members.roster.exports import members_export
from yugong.members.tests.factories import make_member, make_person


@pytest.fixture
def world(db: Any) -> dict[str, Any]:
    city = make_union(None, name="重庆市总工会")
    yz = make_union(city, kind="district", name="渝中区总工会")
    shop = make_union(yz, kind="grassroots", name="渝中工会")
    jb = make_union(city, kind="district", name="江北区总工会")
    far = make_union(jb, kind="grassroots", name="江北工会")
    staff, viewer = UserFactory(is_staff=True), UserFactory(is_staff=True)
    grant(staff, yz, "staff")
    grant(viewer, yz, "viewer")
    make_member(shop, make_person(name="张三", phone="13912345678"))
    make_member(far, make_person(name="李四"))
    return {"shop": shop, "staff": staff, "viewer": viewer, "yz": yz}


def rows_of(out: Any) -> list[tuple[Any, ...]]:
    with out:
        data = out.read()
    wb = load_workbook(io.BytesIO(data), read_only=True)
    rows = list(wb.worksheets[0].values)
    wb.close()
    return rows


def test_export_is_scoped_and_masked(world: dict[str, Any]) -> None:
    out, count = members_export(actor=world["staff"])
    rows = rows_of(out)
    assert count == 1 and len(rows) == 2
    header, row = rows
    assert header[:4] == ("姓名", "身份证号", "手机号", "工会编码")
    assert row[0] == "张三" and row[2] == "139****5678" and "*" in row[1]
    assert AuditEvent.objects.filter(action="members.export", extra__count=1).count() == 1


def test_full_export_needs_chair_or_staff_and_is_audited(world: dict[str, Any]) -> None:
    out, count = members_export(actor=world["staff"], full=True)
    row = rows_of(out)[1]
    assert row[2] == "13912345678" and "*" not in row[1]
    assert AuditEvent.objects.filter(action="pii.view", extra__count=1, extra__what="members.export").exists()
    with pytest.raises(PermissionDenied):
        members_export(actor=world["viewer"], full=True)
    out, viewer_count = members_export(actor=world["viewer"])  # masked is fine for a viewer
    out.close()
    assert viewer_count == 1


@pytest.mark.parametrize("n", [3, 30])
def test_export_queries_stay_flat(world: dict[str, Any], n: int) -> None:
    for _ in range(n):
        make_member(world["shop"])
    with assert_max_queries(6):
        out, count = members_export(actor=world["staff"], union_id=world["yz"].pk)
    out.close()
    assert count == n + 1


def test_export_page(world: dict[str, Any], client: Any) -> None:
    client.force_login(world["staff"])
    r = client.get("/members/roster/export/")
    assert r.status_code == 200
    r = client.get("/members/roster/export/?download=1&full=1")
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(b"".join(r.streaming_content)))
    r.close()
    assert next(iter(wb.worksheets[0].iter_rows(min_row=2, values_only=True)))[2] == "13912345678"
