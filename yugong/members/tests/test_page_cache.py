"""Issue 19: the member list's page cache (``members.pagecache``) answers exactly what the read
answers, and every list write — whatever path makes it — retires the cached pages when it commits.

PostgreSQL only (the write stamp is raised by triggers) and outside a test transaction (the cache is
off inside one: a transaction's own writes have not moved the stamp yet)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
import time_machine
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.helpers import UserFactory, grant, make_union, requires_postgres
from yugong.accounts.system import system_actor
from yugong.members import pagecache, selectors
from yugong.members.models import Membership, Person
from yugong.members.services import membership_transfer_approve, membership_transfer_request
from yugong.orgs.access import scope_paths
from yugong.orgs.models import RoleAssignment
from yugong.orgs.services.roles import role_revoke
from yugong.orgs.services.tree import union_update

from .factories import make_member, make_person

pytestmark = [requires_postgres, pytest.mark.django_db(transaction=True)]

API = "/api/v1/members/"


@pytest.fixture
def city_tree(settings: Any) -> dict[str, Any]:
    settings.MEMBERS_PAGE_CACHE_SECONDS = 300
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    pagecache.stamp()  # the stamp row (a flushed test database lost it)
    city = make_union(None, name="重庆市总工会")
    yz = make_union(city, kind="district", name="渝中区总工会", district="渝中区")
    shop = make_union(yz, kind="grassroots", name="解放碑百货工会", district="渝中区")
    jb = make_union(city, kind="district", name="江北区总工会", district="江北区")
    factory = make_union(jb, kind="grassroots", name="长江机械厂工会", district="江北区")
    staff = UserFactory(is_staff=True, username="yz_staff")
    grant(staff, yz, "staff")
    chair = UserFactory(is_staff=True, username="city_chair")
    grant(chair, city, "chair")
    members = [make_member(shop, person=make_person(name=f"王{i}")) for i in range(6)]
    members.append(make_member(factory, person=make_person(name="江北王")))
    return {
        "city": city,
        "yz": yz,
        "shop": shop,
        "jb": jb,
        "factory": factory,
        "staff": staff,
        "chair": chair,
        "members": members,
    }


def client_for(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def get(c: Client, query: str = "") -> dict[str, Any]:
    r = c.get(API + query)
    assert r.status_code == 200, r.content
    return json.loads(r.content)


def names(page: dict[str, Any]) -> list[str]:
    return [i["person"]["name"] for i in page["items"]]


def member_statements(ctx: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries if "members_membership" in q["sql"]]


def test_the_stamp_moves_once_per_committed_list_write_whatever_the_path(city_tree: dict[str, Any]) -> None:
    shop, m = city_tree["shop"], city_tree["members"][0]
    start = pagecache.stamp()
    with transaction.atomic():  # many writes, one transaction: one bump, at commit
        make_member(shop)
        Person.objects.filter(pk=m.person_id).update(occupation="钳工")
        assert pagecache.stamp() == start  # nothing committed yet (the reader's view)
    assert pagecache.stamp() == start + 1
    Membership.objects.filter(pk=m.pk).update(member_no="X20240000001")  # QuerySet.update
    assert pagecache.stamp() == start + 2
    with connection.cursor() as cursor:  # raw SQL on the union table (union names are shown)
        cursor.execute("UPDATE orgs_union SET name = name || '' WHERE id = %s", [shop.pk])
    assert pagecache.stamp() == start + 3
    Membership.objects.bulk_create([Membership(person=make_person(), union=shop, status="active")])
    assert pagecache.stamp() == start + 5  # make_person's save, then the bulk insert
    with transaction.atomic():
        Membership.objects.filter(pk=m.pk).delete()
        transaction.set_rollback(True)
    assert pagecache.stamp() == start + 5  # rolled back: nothing to retire
    assert not selectors.Membership.objects.none().exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM members_liststamppending")
        assert cursor.fetchone()[0] == 0  # the marks are gone with their transactions


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?status=all",
        "?q=王",
        "?q=王1",
        "?limit=2",
        "?limit=2&after={second}",
        "?employer=无此单位",
        "?union_id={shop}&limit=3",  # keyed on the compiled query
    ],
)
def test_twin_a_cached_page_is_the_bytes_the_read_gives(
    city_tree: dict[str, Any], settings: Any, query: str
) -> None:
    members = city_tree["members"]
    query = query.format(second=members[4].pk, shop=city_tree["shop"].pk)
    c = client_for(city_tree["staff"])
    settings.MEMBERS_PAGE_CACHE_SECONDS = 0
    uncached = c.get(API + query).content
    settings.MEMBERS_PAGE_CACHE_SECONDS = 300
    first = c.get(API + query).content  # a miss: read and stored
    with CaptureQueriesContext(connection) as ctx:
        second = c.get(API + query).content  # a hit
    assert uncached == first == second
    assert member_statements(ctx) == []  # the hit read no membership row
    assert any("members_liststamp" in q["sql"] for q in ctx.captured_queries)


@pytest.mark.parametrize("size", [2, 7])
def test_queries_stay_flat_as_the_page_grows(city_tree: dict[str, Any], size: int) -> None:
    for i in range(size):
        make_member(city_tree["shop"], person=make_person(name=f"李{i}"))
    c = client_for(city_tree["staff"])
    with CaptureQueriesContext(connection) as miss:
        assert len(get(c, "?limit=200")["items"]) == 6 + size
    with CaptureQueriesContext(connection) as hit:
        get(c, "?limit=200")
    assert len(member_statements(miss)) == 1  # the one page statement, whatever the size
    assert member_statements(hit) == []
    # a hit: the signed-in user (session) and the stamp; the grants come from their cache
    assert [q["sql"] for q in hit.captured_queries][1:] == ["SELECT gen FROM members_liststamp WHERE id = 1"]


def test_writes_through_the_services_show_at_once(city_tree: dict[str, Any]) -> None:
    t = city_tree
    c = client_for(t["staff"])
    chair = client_for(t["chair"])
    before = get(c)
    assert before["items"][0]["id"] == t["members"][5].pk and names(before)[0] == "王*"
    # a person edit (the name shown masked, the occupation)
    person = Person.objects.get(pk=t["members"][5].person_id)
    person.name, person.occupation = "赵五", "电工"
    person.save()
    after = get(c)
    assert after["items"][0]["person"]["occupation"] == "电工"
    assert names(after)[0] == "赵*"
    # a union rename (the union name is on every row)
    union_update(actor=system_actor(), union=t["shop"], name="解放碑商圈工会")
    assert {i["union_name"] for i in get(c)["items"]} == {"解放碑商圈工会"}
    # a transfer out of the district: gone from the district's list, in the other one's
    moved = t["members"][0]
    pending = membership_transfer_request(actor=t["chair"], membership=moved, target=t["factory"])
    assert pending.pk in [i["id"] for i in get(chair, "?status=all")["items"]]
    membership_transfer_approve(actor=t["chair"], membership=pending)
    assert moved.pk not in [i["id"] for i in get(c)["items"]]
    assert pending.pk in [i["id"] for i in get(chair, f"?union_id={t['factory'].pk}")["items"]]


def test_a_grant_change_reaches_a_cached_page_at_once(city_tree: dict[str, Any]) -> None:
    t = city_tree
    c = client_for(t["staff"])
    assert len(get(c)["items"]) == 6
    grant(t["staff"], t["jb"], "staff")  # a second subtree: another scope, another key
    assert len(get(c)["items"]) == 7
    for assignment in RoleAssignment.objects.filter(user=t["staff"], active=True):
        role_revoke(actor=t["chair"], assignment=assignment)
    assert get(c)["items"] == []  # no role left: no scope, never a cached page


def test_a_pending_application_turns_overdue_without_a_write(city_tree: dict[str, Any]) -> None:
    t = city_tree
    m = make_member(t["shop"], status=Membership.Status.PENDING, member_no=None)
    due = timezone.now() + dt.timedelta(hours=2)
    Membership.objects.filter(pk=m.pk).update(due_at=due)
    c = client_for(t["staff"])
    row = next(i for i in get(c, "?status=pending")["items"] if i["id"] == m.pk)
    assert row["overdue"] is False
    stamp = pagecache.stamp()
    with time_machine.travel(due + dt.timedelta(minutes=1), tick=False):
        row = next(i for i in get(c, "?status=pending")["items"] if i["id"] == m.pk)
    assert row["overdue"] is True
    assert pagecache.stamp() == stamp  # no write: the deadline alone retired the entry


def test_the_stamp_is_read_before_the_page_so_a_racing_commit_cannot_hide(
    city_tree: dict[str, Any], monkeypatch: Any
) -> None:
    """A write commits between the stamp read and the page read (forced here): the page stored
    under the old stamp already holds the write or is retired with it — the next request shows it.
    The control reads the stamp after the page (the wrong order): the old page is stored under the
    new stamp and keeps being served."""
    t = city_tree
    c = client_for(t["staff"])
    real_rows_page = selectors.rows_page

    def commit_then_read(order: str) -> Any:
        done: list[int] = []

        def rows_page(*args: Any, **kwargs: Any) -> Any:
            if order == "control":
                page = real_rows_page(*args, **kwargs)
            if not done:
                done.append(make_member(t["shop"], person=make_person(name=f"新{order}")).pk)
            return page if order == "control" else real_rows_page(*args, **kwargs)

        return rows_page, done

    # the guarded order (pagecache.page_body): stamp, then page
    rows_page, done = commit_then_read("guarded")
    monkeypatch.setattr(selectors, "rows_page", rows_page)
    get(c, "?limit=3")
    monkeypatch.setattr(selectors, "rows_page", real_rows_page)
    assert done and done[0] in [i["id"] for i in get(c, "?limit=3")["items"]]

    # the control: page, then stamp
    rows_page, done = commit_then_read("control")
    real_stamp = pagecache.stamp

    def member_page_wrong_order(user: Any, filters: dict[str, Any], *, render: Any) -> bytes:
        page, limit = selectors.member_search_page(user, **filters)
        rows = rows_page(page, limit, descending=True)  # the page first (old rows) ...
        gen = real_stamp()  # ... then the stamp, already moved by the racing commit
        body = render(rows)
        pagecache.cache.set(pagecache._request_key(scope_paths(user), filters), (gen, None, body), 60)
        return body

    monkeypatch.setattr(pagecache, "member_page", member_page_wrong_order)
    get(c, "?limit=4")
    monkeypatch.undo()
    assert done and done[0] not in [i["id"] for i in get(c, "?limit=4")["items"]]  # stale: the race is real
