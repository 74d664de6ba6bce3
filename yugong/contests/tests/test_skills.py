from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
import time_machine

from tests.helpers import UserFactory, grant
from yugong.contests import skills
from yugong.contests.models import Competition, Judge, Stage, StageResult
from yugong.contests.skills import Scored, advances, aspect_mark, judgement_flagged, rank, stage_totals
from yugong.core.errors import Conflict, PermissionDenied, ValidationFailed
from yugong.core.facts import fact_total
from yugong.core.timeutil import local_today
from yugong.members.models import Membership, Person
from yugong.orgs.models import Employer

D = Decimal


# --- pure rules -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "flagged"),
    [
        ((3, 3, 3), False),
        ((2, 3, 3), False),
        ((1, 2, 2), False),
        ((1, 3, 3), True),
        ((0, 2, 1), True),
        ((0, 1, 1), False),
    ],
)
def test_judgement_spread_rule(values: tuple[int, ...], flagged: bool) -> None:
    assert judgement_flagged([D(v) for v in values]) is flagged


def test_aspect_marks() -> None:
    assert aspect_mark("judgement", D(6), [D(3), D(3), D(3)]) == D(6)
    assert aspect_mark("judgement", D(6), [D(2), D(2), D(3)]) == D("4.667")
    assert aspect_mark("measurement", D(10), [D("7.5")]) == D("7.5")
    assert aspect_mark("measurement", D(10), []) == 0


def test_weighting_and_ties() -> None:
    items = [(1, "written", D(30)), (2, "practical", D(70))]
    marks = {
        (10, 1): (D(80), D(100)),  # written 80 → 24; practical 60 → 42 => 66
        (10, 2): (D(30), D(50)),
        (11, 1): (D(100), D(100)),  # 30 + 36 = 66 (practical lower)
        (11, 2): (D(36), D(70)) if False else (D(90), D(175)),
        (12, 1): (D(80), D(100)),  # identical to 10 → shared rank
        (12, 2): (D(60), D(100)),
        (13, 1): (D(0), D(100)),
    }
    scored = stage_totals(
        items, marks, [(10, "individual"), (11, "individual"), (12, "individual"), (13, "individual")]
    )
    by = {s.entry_id: s for s in scored}
    assert by[10].total == D("66.000") and by[10].written == D("24.000") and by[10].practical == D("42.000")
    assert by[11].total == D("66.000") and by[11].practical == D("36.000")
    ranked = [(s.entry_id, r) for s, r in rank(scored)]
    # equal totals: the higher practical part wins; identical scores share the rank (1, 1, 3)
    assert ranked == [(10, 1), (12, 1), (11, 3), (13, 4)]


def test_advancement_rules() -> None:
    assert advances(3, D(50), top_n=3, threshold=None)
    assert not advances(4, D(99), top_n=3, threshold=None)
    assert not advances(1, D(59), top_n=3, threshold=D(60))
    assert advances(9, D(60), top_n=None, threshold=D(60))
    assert not advances(1, D(100), top_n=None, threshold=None)
    assert rank([Scored(1, "team", D(1), D(0), D(1))])[0][1] == 1


# --- the whole flow -------------------------------------------------------------------------------


@pytest.fixture
def world(tree: dict[str, Any]) -> dict[str, Any]:
    shop_employer = Employer.objects.create(name="解放碑百货", uscc="91500103MA5U3RLX2E", union=tree["shop"])
    plant_employer = Employer.objects.create(
        name="长江机械厂", uscc="91500105MA5U3RLX3C", union=tree["plant"]
    )
    people = []
    for i, (union, employer) in enumerate(
        [(tree["shop"], shop_employer)] * 3 + [(tree["plant"], plant_employer)] * 3
    ):
        p = Person.objects.create(name=f"选手{i}", birth_date=dt.date(1990, 1, 1), employer=employer)
        Membership.objects.create(person=p, union=union, status="active")
        people.append(p)
    comp = skills.competition_create(
        actor=tree["staff"],
        organiser=tree["city"],
        title="全市数控车工技能竞赛",
        trades=["数控车工"],
        mode="individual",
        quota_per_union=2,
        status="registration",
    )
    stage = skills.stage_create(
        actor=tree["staff"],
        competition=comp,
        kind="preliminary",
        name="初赛",
        order=1,
        advance_top_n=2,
        items=[
            {
                "name": "理论",
                "kind": "written",
                "weight": 30,
                "subitems": [
                    {
                        "name": "笔试",
                        "aspects": [{"name": "笔试成绩", "kind": "measurement", "max_mark": 100}],
                    }
                ],
            },
            {
                "name": "实操",
                "kind": "practical",
                "weight": 70,
                "subitems": [
                    {
                        "name": "零件加工",
                        "aspects": [
                            {"name": "尺寸精度", "kind": "measurement", "max_mark": 10},
                            {"name": "工艺规范", "kind": "judgement", "max_mark": 6},
                        ],
                    }
                ],
            },
        ],
    )
    judges = [UserFactory() for _ in range(3)]
    written_item, practical_item = list(stage.items.order_by("order"))
    for i, j in enumerate(judges):
        skills.judge_assign(
            actor=tree["staff"],
            item=practical_item,
            user=j,
            employer_id=shop_employer.pk if i == 0 else None,
            chief=i == 2,
        )
        skills.judge_assign(actor=tree["staff"], item=written_item, user=j)
    return {
        **tree,
        "comp": comp,
        "stage": stage,
        "people": people,
        "judges": judges,
        "shop_employer": shop_employer,
    }


def test_registration_quota_and_eligibility(world: dict[str, Any]) -> None:
    comp, shop, staff, people = world["comp"], world["shop"], world["staff"], world["people"]
    skills.entry_register(
        actor=staff, competition=comp, union=shop, kind="individual", person_ids=[people[0].pk]
    )
    skills.entry_register(
        actor=staff, competition=comp, union=shop, kind="individual", person_ids=[people[1].pk]
    )
    with pytest.raises(Conflict) as exc:
        skills.entry_register(
            actor=staff, competition=comp, union=shop, kind="individual", person_ids=[people[2].pk]
        )
    assert exc.value.code == "quota_full"
    with pytest.raises(ValidationFailed):  # a 江北 worker registered through 解放碑
        skills.entry_register(
            actor=staff, competition=comp, union=shop, kind="individual", person_ids=[people[3].pk]
        )
    with pytest.raises(ValidationFailed):  # team in an individual-only competition
        skills.entry_register(
            actor=staff,
            competition=comp,
            union=world["plant"],
            kind="team",
            person_ids=[people[3].pk],
            team_name="队",
        )
    young = people[4]
    young.birth_date = local_today() - dt.timedelta(days=365 * 16)
    young.save()
    with pytest.raises(ValidationFailed):
        skills.entry_register(
            actor=staff, competition=comp, union=world["plant"], kind="individual", person_ids=[young.pk]
        )
    assert fact_total(metric="competitors", union_ids=[shop.pk]) == 2


def test_marking_spread_conflict_results_objection_publish(world: dict[str, Any]) -> None:
    comp, staff, people, stage, judges = (
        world["comp"],
        world["staff"],
        world["people"],
        world["stage"],
        world["judges"],
    )
    e_shop = skills.entry_register(
        actor=staff, competition=comp, union=world["shop"], kind="individual", person_ids=[people[0].pk]
    )
    e_plant = [
        skills.entry_register(
            actor=staff, competition=comp, union=world["plant"], kind="individual", person_ids=[p.pk]
        )
        for p in people[3:5]
    ]
    skills.competition_set_status(actor=staff, competition=comp, status="running")
    comp.refresh_from_db()
    aspects = {
        a.name: a
        for a in __import__("yugong.contests.models", fromlist=["Aspect"]).Aspect.objects.filter(
            subitem__item__stage=stage
        )
    }
    # judge 0 works at 解放碑百货: never marks its competitor
    with pytest.raises(PermissionDenied) as exc:
        skills.mark_record(actor=judges[0], aspect=aspects["工艺规范"], entry=e_shop, value=3)
    assert exc.value.code == "judge_conflict"
    with pytest.raises(PermissionDenied):
        skills.mark_record(actor=UserFactory(), aspect=aspects["工艺规范"], entry=e_shop, value=3)
    with pytest.raises(ValidationFailed):
        skills.mark_record(actor=judges[1], aspect=aspects["工艺规范"], entry=e_shop, value=4)
    # objective marks
    for e, written, size in ((e_shop, 90, 8), (e_plant[0], 80, 10), (e_plant[1], 70, 5)):
        skills.mark_record(actor=judges[1], aspect=aspects["笔试成绩"], entry=e, value=written)
        skills.mark_record(actor=judges[1], aspect=aspects["尺寸精度"], entry=e, value=size)
    # judgement marks: 3 judges (judge 0 cannot mark e_shop, so a fourth judge steps in)
    extra = UserFactory()
    Judge.objects.create(item=aspects["工艺规范"].subitem.item, user=extra)
    for j, v in zip([judges[1], judges[2], extra], [3, 1, 3], strict=True):  # spread 2 → flagged
        skills.mark_record(actor=j, aspect=aspects["工艺规范"], entry=e_shop, value=v)
    for e in e_plant:
        for j, v in zip(judges, [2, 2, 3], strict=True):
            skills.mark_record(actor=j, aspect=aspects["工艺规范"], entry=e, value=v)
    problems = skills.stage_problems(stage)
    assert [(p.entry_id, p.reason) for p in problems] == [(e_shop.pk, "spread")]
    with pytest.raises(Conflict) as exc2:
        skills.stage_compute(actor=staff, stage=stage)
    assert exc2.value.code == "marking_incomplete"
    # re-marking resolves it (spread 1)
    skills.mark_record(actor=judges[2], aspect=aspects["工艺规范"], entry=e_shop, value=2)
    assert skills.stage_problems(stage) == []
    rows = {r.entry_id: r for r in skills.stage_compute(actor=staff, stage=stage)}
    # e_shop: written 90 % × 30 = 27; practical (8 + 8/9 × 6) / 16 × 70 = 58.333 → 85.332 (rounded parts)
    # e_plant[0]: 80 % × 30 = 24; (10 + 7/9 × 6) / 16 × 70 = 64.167 → 88.167
    assert rows[e_shop.pk].score == Decimal("85.332") and rows[e_shop.pk].written == Decimal("27.000")
    assert rows[e_plant[0].pk].rank == 1 and rows[e_plant[0].pk].advanced
    assert rows[e_shop.pk].rank == 2 and rows[e_shop.pk].advanced
    assert rows[e_plant[1].pk].rank == 3 and not rows[e_plant[1].pk].advanced
    comp.refresh_from_db()
    assert comp.status == Competition.Status.REVIEW
    objection = skills.objection_file(actor=staff, entry=e_plant[1], stage=stage, text="尺寸测量有误")
    with pytest.raises(Conflict):
        skills.results_publish(actor=staff, competition=comp)  # review window still open
    with time_machine.travel(comp.review_ends_at + dt.timedelta(minutes=1)):
        with pytest.raises(Conflict) as exc3:
            skills.results_publish(actor=staff, competition=comp)
        assert exc3.value.code == "objections_open"
        skills.objection_decide(actor=staff, objection=objection, upheld=False, response="经复核，测量无误。")
        skills.results_publish(actor=staff, competition=comp)
    assert Competition.objects.get(pk=comp.pk).status == "published"
    assert fact_total(metric="competition_winners") == 3
    # Each winner's certificate is announced to the credit bank (learning) as a domain event.
    from yugong.core.models import DomainEvent

    issued = DomainEvent.objects.filter(kind="contests.certificate_issued")
    assert issued.count() == 3 and {e.payload["rank"] for e in issued} == {1, 2, 3}
    assert StageResult.objects.filter(stage=stage).count() == 3
    assert Stage.objects.get(pk=stage.pk).results_computed_at is not None


def test_chief_resolves_a_spread(world: dict[str, Any]) -> None:
    comp, staff, people, stage, judges = (
        world["comp"],
        world["staff"],
        world["people"],
        world["stage"],
        world["judges"],
    )
    e = skills.entry_register(
        actor=staff, competition=comp, union=world["plant"], kind="individual", person_ids=[people[3].pk]
    )
    skills.competition_set_status(actor=staff, competition=comp, status="running")
    from yugong.contests.models import Aspect

    asp = Aspect.objects.get(subitem__item__stage=stage, name="工艺规范")
    for j, v in zip(judges, [0, 3, 2], strict=True):
        skills.mark_record(actor=j, aspect=asp, entry=e, value=v)
    assert any(p.reason == "spread" for p in skills.stage_problems(stage))
    with pytest.raises(PermissionDenied):
        skills.mark_resolve(actor=judges[0], aspect=asp, entry=e, note="同意")
    skills.mark_resolve(actor=judges[2], aspect=asp, entry=e, note="裁判组复议后维持原评分")
    assert not any(p.reason == "spread" for p in skills.stage_problems(stage))


def test_another_districts_draft_competition_is_not_found_before_its_state(world: dict[str, Any]) -> None:
    """Visibility before state: registering for a competition one cannot see answers 404 (not
    409 "当前不在报名期", which would tell that it exists and is in preparation)."""
    from yugong.core.errors import NotFound

    jb_staff = UserFactory()
    grant(jb_staff, world["jb"], "staff")
    draft = skills.competition_create(
        actor=world["yz_staff"],
        organiser=world["yz"],
        title="渝中区焊工竞赛",
        trades=["焊工"],
        mode="individual",
    )
    assert draft.status == "draft"
    with pytest.raises(NotFound):
        skills.entry_register(
            actor=jb_staff, competition=draft, union=world["plant"], kind="individual", person_ids=[1]
        )
    # The same draft, seen by its organiser: the state speaks.
    with pytest.raises(Conflict):
        skills.entry_register(
            actor=world["yz_staff"], competition=draft, union=world["shop"], kind="individual", person_ids=[1]
        )


def test_registering_over_the_api_for_an_unseen_draft_is_404(world: dict[str, Any], client: Any) -> None:
    jb_staff = UserFactory()
    grant(jb_staff, world["jb"], "staff")
    draft = skills.competition_create(
        actor=world["yz_staff"],
        organiser=world["yz"],
        title="渝中区焊工竞赛",
        trades=["焊工"],
        mode="individual",
    )
    client.force_login(jb_staff)
    r = client.post(
        f"/api/v1/contests/competitions/{draft.pk}/entries",
        {"union_id": world["plant"].pk, "kind": "individual", "person_ids": [world["people"][3].pk]},
        content_type="application/json",
    )
    assert r.status_code == 404, r.content
