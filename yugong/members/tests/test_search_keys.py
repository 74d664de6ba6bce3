"""The search keys copied onto memberships (union path, name, employer, form, migrant flag) stay in
step with the union tree and the person, so the staff search — which filters on them — returns
exactly what the access layer allows."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import UserFactory, grant
from yugong.accounts.system import system_actor
from yugong.members import selectors
from yugong.members.models import (
    MemberNumbersExhausted,
    Membership,
    member_numbers_reserve,
)
from yugong.members.services import person_upsert
from yugong.orgs.services import union_merge, union_move

from .factories import make_member, make_person


def ids(page: selectors.Page) -> list[int]:
    return [m.pk for m in page.rows]


def test_a_new_membership_copies_the_union_path_and_the_person_fields(tree: dict[str, Any]) -> None:
    person = make_person(
        name="王小明", employment_form="rider", migrant_worker=True, employer_name="美团外卖"
    )
    m = make_member(tree["riders"], person)
    m.refresh_from_db()
    assert m.union_path == tree["riders"].path
    assert (m.person_name, m.employment_form, m.migrant_worker, m.employer_name) == (
        "王小明",
        "rider",
        True,
        "美团外卖",
    )


def test_bulk_create_fills_missing_keys(tree: dict[str, Any]) -> None:
    people = [make_person(name=f"李{c}", employer_name="长江机械") for c in "一二三"]
    Membership.objects.bulk_create(
        Membership(person=p, union=tree["factory"], status="active") for p in people
    )
    rows = Membership.objects.filter(person__in=people)
    assert {(m.union_path, m.person_name[:1], m.employer_name) for m in rows} == {
        (tree["factory"].path, "李", "长江机械")
    }


def test_person_changes_reach_their_memberships(tree: dict[str, Any]) -> None:
    person = make_person(name="赵一")
    m = make_member(tree["shop"], person)
    person.name, person.employment_form, person.migrant_worker = "赵二", "courier", True
    person.save()
    m.refresh_from_db()
    assert (m.person_name, m.employment_form, m.migrant_worker) == ("赵二", "courier", True)
    staff = tree["district_staff"]
    assert ids(selectors.member_search(staff, q="赵二")) == [m.pk]
    assert ids(selectors.member_search(staff, q="赵一")) == []
    assert ids(selectors.member_search(staff, employment_form="courier", migrant=True)) == [m.pk]


def test_person_upsert_updates_the_search_keys(tree: dict[str, Any]) -> None:
    person = make_person(name="孙甲")
    m = make_member(tree["shop"], person)
    person_upsert(
        actor=system_actor(), data={"name": "孙乙", "id_number": person.id_number, "employer_name": "新单位"}
    )
    m.refresh_from_db()
    assert (m.person_name, m.employer_name) == ("孙乙", "新单位")


def test_moving_a_subtree_moves_its_members_in_the_search(tree: dict[str, Any]) -> None:
    """The shop (and its branch) move from 渝中区 to 江北区: its members leave the 渝中区 staff's
    search and enter the 江北区 chair's, in the same transaction as the move."""
    in_shop = make_member(tree["shop"])
    in_branch = make_member(tree["branch"])
    stays = make_member(tree["riders"])
    city_staff = UserFactory(is_staff=True)
    grant(city_staff, tree["city"], "staff")
    union_move(actor=city_staff, union=tree["shop"], new_parent=tree["jb"])
    tree["shop"].refresh_from_db()
    tree["branch"].refresh_from_db()
    assert Membership.objects.get(pk=in_shop.pk).union_path == tree["shop"].path
    assert Membership.objects.get(pk=in_branch.pk).union_path == tree["branch"].path
    assert set(ids(selectors.member_search(tree["district_staff"]))) == {stays.pk}
    assert set(ids(selectors.member_search(tree["jb_staff"]))) == {in_shop.pk, in_branch.pk}
    # the moved union's own staff still see their members
    assert set(ids(selectors.member_search(tree["shop_staff"]))) == {in_shop.pk, in_branch.pk}


def test_a_merge_carries_the_keys_to_the_new_rows(tree: dict[str, Any]) -> None:
    person = make_person(name="周全", employment_form="courier")
    make_member(tree["branch"], person)
    pending = Membership.objects.create(
        person=make_person(name="吴申"), union=tree["branch"], status="pending"
    )
    leader = UserFactory(is_staff=True)
    grant(leader, tree["city"], "chair")
    union_merge(actor=leader, union=tree["branch"], into=tree["factory"])
    moved = Membership.objects.get(person=person, status="active")
    assert (moved.union_id, moved.union_path, moved.person_name, moved.employment_form) == (
        tree["factory"].pk,
        tree["factory"].path,
        "周全",
        "courier",
    )
    pending.refresh_from_db()
    assert pending.union_path == tree["factory"].path
    assert ids(selectors.member_search(tree["jb_staff"], q="周")) == [moved.pk]
    assert ids(selectors.member_search(tree["district_staff"], q="周")) == []


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"q": "钱"}, {"a", "b"}),
        ({"q": "钱多"}, {"a"}),
        ({"employer": "渝新"}, {"b"}),
        ({"employment_form": "rider"}, {"b"}),
        ({"migrant": True}, {"a"}),
        ({"migrant": False}, {"b"}),
        ({"q": "钱", "employment_form": "regular", "migrant": True}, {"a"}),
    ],
)
def test_each_filter_reads_the_copied_keys(tree: dict[str, Any], filters: dict, expected: set) -> None:
    a = make_member(tree["shop"], make_person(name="钱多多", migrant_worker=True, employer_name="解放碑百货"))
    b = make_member(
        tree["riders"], make_person(name="钱少", employment_form="rider", employer_name="渝新快送")
    )
    make_member(tree["factory"], make_person(name="钱在江北", migrant_worker=True))  # outside 渝中区
    names = {a.pk: "a", b.pk: "b"}
    got = {names[pk] for pk in ids(selectors.member_search(tree["district_staff"], **filters))}
    assert got == expected


def test_member_numbers_come_from_one_reservation(db: Any) -> None:
    block = member_numbers_reserve(count=2, key="2040")
    assert len(block) == 2
    first, second = block.take(), block.take()
    assert (first, second) == ("YG204000000001", "YG204000000002")
    with pytest.raises(MemberNumbersExhausted):
        block.take()
    assert member_numbers_reserve(count=1, key="2040").take() == "YG204000000003"
    assert len(member_numbers_reserve(count=0, key="2040")) == 0


def test_a_subtree_filter_by_union_id_uses_the_copied_path(tree: dict[str, Any]) -> None:
    in_branch = make_member(tree["branch"])
    make_member(tree["riders"])
    page = selectors.member_search(tree["district_staff"], union_id=tree["shop"].pk)
    assert ids(page) == [in_branch.pk]


def test_a_staff_member_of_a_tiny_union_sees_only_it(tree: dict[str, Any]) -> None:
    mine = make_member(tree["shop"])
    for _ in range(3):
        make_member(tree["factory"])
    assert ids(selectors.member_search(tree["shop_staff"])) == [mine.pk]
    # no grant, no rows (the access layer fails closed)
    assert ids(selectors.member_search(UserFactory(is_staff=True))) == []


def test_the_repair_command_re_derives_stale_keys(tree: dict[str, Any]) -> None:
    from io import StringIO

    from django.core.management import call_command

    good = make_member(tree["shop"], make_person(name="郑好"))
    stale = make_member(tree["factory"], make_person(name="郑旧"))
    Membership.objects.filter(pk=stale.pk).update(union_path="", person_name="x", migrant_worker=True)
    out = StringIO()
    call_command("members_search_keys", "--batch", "1", stdout=out)
    assert "1 membership row(s) fixed" in out.getvalue()
    stale.refresh_from_db()
    assert (stale.union_path, stale.person_name, stale.migrant_worker) == (
        tree["factory"].path,
        "郑旧",
        False,
    )
    assert ids(selectors.member_search(tree["jb_staff"], q="郑")) == [stale.pk]
    assert ids(selectors.member_search(tree["district_staff"], q="郑")) == [good.pk]
