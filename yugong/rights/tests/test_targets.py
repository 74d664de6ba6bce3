"""One rule, one place: who may be made 承办人 and where an appeal may be transferred. The handling
page's choice lists come from the same selectors the services check, so every offered target is
accepted and every refused one is not offered — driven here through both, for every union and
every kind of user of a small tree, and through the page itself."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from django.urls import reverse

from tests.helpers import UserFactory, grant, make_union
from yugong.core.errors import ApplicationError
from yugong.orgs.models import RoleAssignment, Union
from yugong.rights import selectors, services
from yugong.rights.models import Appeal

from .conftest import Tree


class _Rollback(Exception):
    pass


def _accepted(call: Any) -> bool:
    """Whether the service accepts the call; nothing it writes is kept."""
    try:
        with transaction.atomic():
            call()
            raise _Rollback()
    except _Rollback:
        return True
    except ApplicationError:
        return False


@pytest.fixture
def wide(tree: Tree) -> dict[str, Any]:
    """More unions around the appeal's union (渝中 → 解放碑百货): a branch, a grandchild, a
    cancelled sibling, a deep node of another district."""
    shop_branch = make_union(tree.store, kind="branch", name="百货一分会")
    yz_other = make_union(tree.yuzhong, kind="grassroots", name="较场口工会", district="渝中区")
    yz_deep = make_union(yz_other, kind="branch", name="较场口小组")
    gone = make_union(tree.yuzhong, kind="grassroots", name="已撤销工会", district="渝中区")
    Union.objects.filter(pk=gone.pk).update(status=Union.Status.CLOSED)
    jb_deep = make_union(tree.factory, kind="branch", name="机械厂一车间")
    appeal = services.appeal_create(
        actor=tree.operator,
        channel="hotline",
        category="wages",
        facts="公司拖欠工资。",
        caller_name="张三",
        caller_phone="13912345678",
        employer=tree.employer,
    )
    assert appeal.union == tree.store
    return {"appeal": appeal, "extra": [shop_branch, yz_other, yz_deep, gone, jb_deep]}


def _all_unions() -> list[Union]:
    return list(Union.objects.order_by("path"))


@pytest.mark.parametrize("who", ["store_staff", "yz_staff", "operator", "jb_staff_and_store"])
def test_every_offered_transfer_target_is_accepted_and_no_refused_one_offered(
    tree: Tree, wide: dict[str, Any], who: str
) -> None:
    if who == "jb_staff_and_store":
        actor = tree.jb_staff
        grant(actor, tree.store, "staff")  # handles the appeal, and reaches 江北's subtree
    else:
        actor = getattr(tree, who)
    appeal: Appeal = wide["appeal"]
    offered = {u.pk for u in selectors.transfer_choices(actor, appeal)}
    rule = set(selectors.transfer_targets(actor, appeal).values_list("pk", flat=True))
    assert offered, "the page offers something"
    assert offered <= rule
    for union in _all_unions():
        ok = _accepted(
            lambda u=union: services.appeal_transfer(
                actor=actor, appeal=appeal.pk, to_union=u, reason="转办测试"
            )
        )
        assert ok == (union.pk in rule), union.name
        if not ok:
            assert union.pk not in offered, union.name
    # the cancelled union, the current one and another district's nodes are refused
    assert wide["extra"][3].pk not in rule and appeal.union_id not in rule
    if who in ("store_staff", "yz_staff"):
        assert tree.factory.pk not in rule
    else:  # the city hotline and 江北's staff reach 江北 through their own scope, not nearby
        assert tree.factory.pk in rule and tree.factory.pk not in offered


def test_every_offered_assignee_is_accepted_and_no_refused_one_offered(
    tree: Tree, wide: dict[str, Any]
) -> None:
    appeal: Appeal = wide["appeal"]
    people = {
        "store staff": tree.store_staff,
        "district staff": tree.yz_staff,
        "city hotline": tree.operator,
        "other district": tree.jb_staff,
        "plain worker": tree.worker,
    }
    viewer = UserFactory(display_name="只读")
    grant(viewer, tree.store, "viewer")
    below = UserFactory(display_name="分会干部")
    grant(below, wide["extra"][0], "staff")
    lapsed = UserFactory(display_name="已停用角色")
    RoleAssignment.objects.filter(pk=grant(lapsed, tree.store, "staff").pk).update(active=False)
    inactive = UserFactory(display_name="离职", is_active=False)
    grant(inactive, tree.store, "staff")
    people |= {"viewer": viewer, "below": below, "lapsed": lapsed, "inactive": inactive}
    offered = {u.pk for u in selectors.assignee_candidates(appeal)}
    for label, person in people.items():
        ok = _accepted(
            lambda p=person: services.appeal_assign(actor=tree.store_staff, appeal=appeal.pk, assignee=p)
        )
        assert ok == (person.pk in offered), label
    assert offered == {tree.store_staff.pk, tree.yz_staff.pk, tree.operator.pk}


def test_the_handling_page_offers_the_selectors_lists(tree: Tree, wide: dict[str, Any], client: Any) -> None:
    appeal: Appeal = wide["appeal"]
    client.force_login(tree.yz_staff)
    page = client.get(reverse("rights:detail", args=[appeal.pk]))
    assert page.status_code == 200
    assert [u.pk for u in page.context["transfer_targets"]] == [
        u.pk for u in selectors.transfer_choices(tree.yz_staff, appeal)
    ]
    assert {u.pk for u in page.context["assignees"]} == {u.pk for u in selectors.assignee_candidates(appeal)}
    # a refused target sent anyway is refused with the service's Chinese field error
    refused = wide["extra"][3]
    page = client.post(
        reverse("rights:detail", args=[appeal.pk]),
        {"action": "transfer", "to_union": refused.pk, "reason": "测试"},
    )
    assert page.status_code == 200 and "目标工会不存在或已撤销" in page.content.decode()
    # an offered one goes through
    target = selectors.transfer_choices(tree.yz_staff, appeal)[0]
    page = client.post(
        reverse("rights:detail", args=[appeal.pk]),
        {"action": "transfer", "to_union": target.pk, "reason": "测试"},
    )
    assert page.status_code == 302
    assert Appeal.objects.get(pk=appeal.pk).union_id == target.pk
