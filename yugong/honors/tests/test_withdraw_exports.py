"""Withdrawing a nomination (the nominating union, before the final decision; the quota place comes
back), the round exports (masked by default, the clear copy role-limited and audited), and the
quota race's control: without the conditional UPDATE the same race over-nominates."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from tests.helpers import UserFactory, assert_max_queries, grant, requires_postgres
from tests.race import race
from yugong.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from yugong.core.models import AuditEvent
from yugong.honors import services
from yugong.honors.models import Honour, Nomination, Quota
from yugong.honors.services import nominations as nomination_services
from yugong.members.models import Membership
from yugong.members.tests.factories import make_person

from .conftest import Tree, make_round, member
from .test_services import nominate, up_to_approved

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_the_nominating_union_withdraws_and_the_place_comes_back(tree: Tree) -> None:
    r = make_round(tree)
    services.quota_set(actor=tree.city_staff, round=r, union=tree.yuzhong, places=1)
    n = nominate(tree, r)
    assert Quota.objects.get(round=r).used == 1
    with pytest.raises(ValidationFailed) as exc:  # a reason is needed
        services.nomination_withdraw(actor=tree.store_staff, nomination=n, note=" ")
    assert "note" in exc.value.fields
    with pytest.raises(PermissionDenied):  # the district reviews; it does not withdraw
        services.nomination_withdraw(actor=tree.yz_staff, nomination=n, note="撤回")
    with pytest.raises(NotFound):  # another district cannot even see it
        services.nomination_withdraw(actor=tree.jb_staff, nomination=n, note="撤回")
    services.nomination_withdraw(actor=tree.store_staff, nomination=n, note="本人调离")
    n.refresh_from_db()
    assert n.status == Nomination.Status.WITHDRAWN
    assert Quota.objects.get(round=r).used == 0
    assert n.steps.filter(kind="withdrawn", note="本人调离").exists()
    assert AuditEvent.objects.filter(action="honors.nomination_withdraw", object_id=str(n.pk)).exists()
    with pytest.raises(Conflict):  # once
        services.nomination_withdraw(actor=tree.store_staff, nomination=n, note="再撤")
    # the released place takes another nomination
    other = nominate(tree, r, person=tree.colleague)
    assert other.status == Nomination.Status.REVIEWING and Quota.objects.get(round=r).used == 1


def test_no_withdrawal_after_the_final_decision(tree: Tree) -> None:
    r = make_round(tree)
    services.quota_set(actor=tree.city_staff, round=r, union=tree.yuzhong, places=2)
    n = up_to_approved(tree, nominate(tree, r))
    assert not services.may_withdraw(tree.store_staff, n)
    with pytest.raises(Conflict):
        services.nomination_withdraw(actor=tree.store_staff, nomination=n, note="撤回")
    assert Quota.objects.get(round=r).used == 1


def test_the_submitter_above_the_union_may_withdraw_what_they_submitted(tree: Tree) -> None:
    r = make_round(tree)
    services.quota_set(actor=tree.city_staff, round=r, union=tree.yuzhong, places=2)
    n = services.nomination_submit(
        actor=tree.yz_staff, round=r, union=tree.store, id_number=tree.person.id_number, deeds="事迹"
    )
    assert services.may_withdraw(tree.yz_staff, n)
    services.nomination_withdraw(actor=tree.yz_staff, nomination=n, note="材料不全")
    assert Quota.objects.get(round=r).used == 0


def test_withdraw_through_the_page_and_the_api(tree: Tree) -> None:
    r = make_round(tree)
    services.quota_set(actor=tree.city_staff, round=r, union=tree.yuzhong, places=2)
    n = nominate(tree, r)
    store = _client(tree.store_staff)
    page = store.get(f"/honors/console/nominations/{n.pk}/").content.decode()
    assert 'data-testid="withdraw-form"' in page
    district_page = _client(tree.yz_staff).get(f"/honors/console/nominations/{n.pk}/").content.decode()
    assert 'data-testid="withdraw-form"' not in district_page
    assert store.post(f"/honors/console/nominations/{n.pk}/withdraw/", {"note": "调离"}).status_code == 302
    n.refresh_from_db()
    assert n.status == Nomination.Status.WITHDRAWN
    m = nominate(tree, r, person=tree.colleague)
    api = _client(tree.store_staff)
    bad = api.post(
        f"/api/v1/honors/nominations/{m.pk}/withdraw", {"note": ""}, content_type="application/json"
    )
    assert bad.status_code == 422 and "note" in bad.content.decode()
    ok = api.post(
        f"/api/v1/honors/nominations/{m.pk}/withdraw", {"note": "材料不全"}, content_type="application/json"
    )
    assert ok.status_code == 200 and ok.json()["status"] == "withdrawn"
    assert Quota.objects.get(round=r).used == 0


def _sheet(body: bytes) -> list[tuple[Any, ...]]:
    return list(load_workbook(io.BytesIO(body)).active.iter_rows(values_only=True))


def _awarded_round(tree: Tree) -> Any:
    r = make_round(tree)
    services.quota_set(actor=tree.city_staff, round=r, union=tree.yuzhong, places=3)
    n = up_to_approved(tree, nominate(tree, r))
    nominate(tree, r, person=tree.colleague)
    Honour.objects.create(
        kind=r.kind,
        year=r.year,
        union=n.union,
        person=tree.person,
        holder=n.nominee,
        work_unit=n.work_unit,
        nomination=n,
        awarded_at=n.created_at,
    )
    return r


def test_exports_are_masked_and_the_clear_copy_is_limited_and_audited(tree: Tree) -> None:
    r = _awarded_round(tree)
    city = _client(tree.city_staff)
    masked = city.get(f"/honors/console/rounds/{r.pk}/export/nominations.xlsx")
    assert masked.status_code == 200 and masked["Content-Type"].startswith("application/vnd.openxml")
    rows = _sheet(masked.content)
    assert rows[0][:3] == ("序号", "推荐对象", "身份证号") and len(rows) == 3
    assert rows[1][1] == "王*傅" and tree.person.id_number not in str(rows)
    assert rows[1][2] == tree.person.id_number_masked
    assert not AuditEvent.objects.filter(action="pii.view").exists()

    clear = city.get(f"/honors/console/rounds/{r.pk}/export/nominations.xlsx?clear=1")
    rows = _sheet(clear.content)
    assert rows[1][1] == "王师傅" and rows[1][2] == tree.person.id_number
    audit = AuditEvent.objects.get(action="pii.view", object_id=str(r.pk))
    assert "export:nominations" in audit.extra["fields"]

    laureates = _sheet(city.get(f"/honors/console/rounds/{r.pk}/export/laureates.xlsx").content)
    assert len(laureates) == 2 and laureates[1][1] == "王*傅" and laureates[1][5] == r.kind.name

    # a viewer at the organiser gets the masked copy, not the clear one
    reader = UserFactory(display_name="viewer")
    grant(reader, tree.city, "viewer")
    rc = _client(reader)
    assert rc.get(f"/honors/console/rounds/{r.pk}/export/laureates.xlsx").status_code == 200
    assert rc.get(f"/honors/console/rounds/{r.pk}/export/laureates.xlsx?clear=1").status_code == 403
    # outside the organiser's subtree: not found; an unknown export: not found
    assert (
        _client(tree.yz_staff).get(f"/honors/console/rounds/{r.pk}/export/nominations.xlsx").status_code
        == 404
    )
    assert city.get(f"/honors/console/rounds/{r.pk}/export/people.xlsx").status_code == 404
    assert AuditEvent.objects.filter(action="pii.view").count() == 1


@pytest.mark.parametrize("rows", [3, 30])
def test_the_export_keeps_its_query_count(tree: Tree, rows: int) -> None:
    r = make_round(tree)
    quota = Quota.objects.create(round=r, union=tree.yuzhong, places=rows, used=rows)
    for i in range(rows):
        p = member(tree.store, f"职工{i}")
        Nomination.objects.create(
            round=r,
            union=tree.store,
            quota=quota,
            level_union=tree.yuzhong,
            person=p,
            nominee=p.name,
            work_unit="单位",
            deeds="事迹",
            created_by=tree.store_staff,
        )
    city = _client(tree.city_staff)
    with assert_max_queries(12):
        body = city.get(f"/honors/console/rounds/{r.pk}/export/nominations.xlsx?clear=1").content
    assert len(_sheet(body)) == rows + 1


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_control_the_unguarded_quota_path_over_nominates(tree: Tree, monkeypatch: Any) -> None:
    """CONTROL for ``test_pages.test_concurrent_nominations_never_exceed_the_quota``: the same race
    (8 threads, 3 places) through a read-then-write quota update takes more nominations than there
    are places, and the quota's counter no longer matches them (lost updates). The conditional
    UPDATE is what keeps the guarded test at exactly 3, not luck."""
    monkeypatch.setattr(nomination_services, "_UNGUARDED_QUOTA", True)
    r = make_round(tree)
    services.quota_set(actor=tree.city_staff, round=r, union=tree.yuzhong, places=3)
    people = []
    for i in range(8):
        p = make_person(name=f"候选{i}")
        Membership.objects.create(person=p, union=tree.store, status=Membership.Status.ACTIVE)
        people.append(p)
    race(
        8,
        lambda i: services.nomination_submit(
            actor=tree.store_staff,
            round=r,
            union=tree.store,
            id_number=people[i].id_number,
            deeds="事迹",
            work_unit="厂",
        ),
    )
    made = Nomination.objects.filter(round=r).count()
    assert made > 3, "the unguarded path should have over-nominated; the race did not show"
    assert Quota.objects.get(round=r).used < made
