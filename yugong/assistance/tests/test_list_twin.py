"""The set-based list writer (one ``INSERT … SELECT``) against its streamed twin (the ORM rows
bulk-inserted in chunks) and against the rule as written here in plain Python, over many rule
combinations: tiers, causes, area, children in school, cash or goods, amounts, and a household
already added by hand. All three must give the same list, row for row."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from tests.helpers import make_union
from yugong.assistance import services as s
from yugong.assistance.models import Beneficiary, CampaignCycle, HardshipFile
from yugong.assistance.services.lists import _insert_set_based, _insert_streamed
from yugong.orgs.models import Union

from .campaign_world import World, active_file, build_world, campaign, cycle
from .conftest import LINE, Tree

TIERS: list[list[str]] = [[], ["deep"], ["relative", "sudden"], ["deep", "relative", "sudden"]]
CAUSES: list[list[str]] = [[], ["illness"], ["education", "disaster"], ["single_parent"]]
AMOUNTS: list[dict[str, int]] = [
    {"deep": 100_000, "relative": 50_000, "sudden": 30_000, "per_student": 20_000},
    {"deep": 80_000},
    {"per_student": 15_000},
]


@pytest.fixture
def world(tree: Tree) -> World:
    w = build_world(tree)
    t = tree
    other = make_union(t.yuzhong, kind="grassroots", name="较场口社区工会")
    active_file(t.store, income_fen=LINE - 1)  # deep
    active_file(t.store, income_fen=LINE, causes=("illness", "disaster"))  # relative
    active_file(t.store, income_fen=LINE, students=2, causes=("education",))  # relative, 3 people
    active_file(t.store, income_fen=10 * LINE, causes=("accident",))  # sudden
    active_file(t.store, income_fen=20 * LINE, causes=("single_parent",))  # no tier
    active_file(other, income_fen=LINE - 1, students=1, causes=("single_parent",))
    active_file(other, income_fen=3 * LINE, students=1, causes=("disaster",))  # 2 people: sudden
    active_file(t.factory, income_fen=LINE - 1)  # 江北: outside
    pending = active_file(other, income_fen=LINE - 1, causes=("illness",))
    HardshipFile.objects.filter(pk=pending.pk).update(status=HardshipFile.Status.VISITING)
    return w


def _oracle(c: CampaignCycle, area_path: str, hand: set[int]) -> set[tuple[Any, ...]]:
    rules, amounts = c.rules, c.amounts
    out = set()
    for f in HardshipFile.objects.select_related("union").prefetch_related("household"):
        kids = sum(1 for m in f.household.all() if m.in_school)
        if f.status != "active" or not f.tier or not (f.union.path or "").startswith(area_path):
            continue
        if rules["tiers"] and f.tier not in rules["tiers"]:
            continue
        if rules["causes"] and not set(rules["causes"]) & set(f.causes):
            continue
        if rules["in_school"] and kids < 1:
            continue
        if f.applicant_id in hand:
            continue
        amount = amounts.get(f.tier, 0) + amounts.get("per_student", 0) * kids
        if c.mode == "cash" and amount <= 0:
            continue
        out.add((f.pk, f.applicant_id, f.union_id, f.tier, kids, amount, "listed", False))
    return out


def _listed(c: CampaignCycle) -> set[tuple[Any, ...]]:
    return set(
        Beneficiary.objects.filter(cycle=c, added_by_hand=False).values_list(
            "file_id", "household_id", "union_id", "tier", "students", "amount_fen", "status", "added_by_hand"
        )
    )


def test_set_based_and_streamed_lists_are_identical_over_rule_combinations(world: World) -> None:
    t = world.tree
    camp = campaign(world)
    other = Union.objects.get(name="较场口社区工会")
    hand_file = HardshipFile.objects.filter(union=t.store, tier="deep").first()
    assert hand_file is not None
    combos = list(itertools.product(TIERS, CAUSES, [None, other.pk], [False, True], ["cash", "goods"]))
    # Every tier and cause rule with every area / school / mode flag, amounts rotating, and every
    # third cycle with a household already added by hand.
    nonempty = 0
    for n, (tiers, causes, area, school, mode) in enumerate(combos):
        c = cycle(
            world,
            camp,
            name=f"批次{n}",
            mode=mode,
            goods="米面油" if mode == "goods" else "",
            rules={"tiers": tiers, "causes": causes, "area_union_id": area, "in_school": school},
            amounts=AMOUNTS[n % len(AMOUNTS)],
        )
        hand: set[int] = set()
        if n % 3 == 0:
            s.beneficiary_add(actor=t.yz_staff, cycle=c, file=hand_file, note="临时慰问")
            hand.add(hand_file.applicant_id)
        area_path = (other if area else t.yuzhong).path or ""
        expected = _oracle(c, area_path, hand)
        written = _insert_set_based(c)
        fast = _listed(c)
        Beneficiary.objects.filter(cycle=c, added_by_hand=False).delete()
        assert _insert_streamed(c) == written == len(fast)
        assert _listed(c) == fast == expected, (tiers, causes, area, school, mode)
        nonempty += bool(expected)
    assert nonempty > len(combos) // 3  # the combinations do select households


def test_cycle_build_uses_the_set_based_path_by_default_and_the_twin_on_request(
    world: World, settings: Any
) -> None:
    c1 = s.cycle_build(actor=world.tree.yz_staff, cycle=cycle(world, name="甲"))
    settings.ASSISTANCE_BUILD_PATH = "streamed"
    c2 = s.cycle_build(actor=world.tree.yz_staff, cycle=cycle(world, name="乙"))
    assert (c1.people, c1.total_fen) == (c2.people, c2.total_fen) and c1.people > 0
    assert _listed(c1) == _listed(c2)
