"""Staff set up a skills competition from the console: competition, stage, items, sub-items,
aspects, judges — through the services, scoped to their subtree, audited, errors in Chinese naming
the field."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import UserFactory, assert_max_queries
from yugong.contests.models import Aspect, Competition, Item, Judge, Stage, SubItem
from yugong.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def _messages(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def test_competition_set_up_from_the_console(tree: dict[str, Any], client: Any) -> None:
    client.force_login(tree["yz_staff"])
    r = client.post(
        "/contests/console/competitions/",
        {
            "organiser": tree["yz"].pk,
            "title": "渝中区电工技能大赛",
            "level": "district",
            "mode": "individual",
            "trades": "电工，焊工",
            "quota_per_union": "4",
        },
    )
    comp = Competition.objects.get(title="渝中区电工技能大赛")
    assert r.status_code == 302 and r["Location"] == f"/contests/console/competitions/{comp.pk}/"
    assert comp.trades == ["电工", "焊工"] and comp.quota_per_union == 4 and comp.organiser == tree["yz"]
    url = f"/contests/console/competitions/{comp.pk}/"
    client.post(url, {"action": "stage_add", "kind": "preliminary", "name": "初赛", "advance_top_n": "10"})
    stage = Stage.objects.get(competition=comp)
    assert stage.advance_top_n == 10
    client.post(
        url, {"action": "item_add", "stage": stage.pk, "name": "理论", "kind": "written", "weight": "30"}
    )
    client.post(
        url, {"action": "item_add", "stage": stage.pk, "name": "实操", "kind": "practical", "weight": "70"}
    )
    practical = Item.objects.get(stage=stage, kind="practical")
    client.post(url, {"action": "subitem_add", "item": practical.pk, "name": "低压配电柜接线"})
    sub = SubItem.objects.get(item=practical)
    client.post(
        url,
        {
            "action": "aspect_add",
            "subitem": sub.pk,
            "name": "接线工艺",
            "kind": "judgement",
            "max_mark": "10",
        },
    )
    judge = UserFactory(username="judge_wang")
    client.post(url, {"action": "judge_add", "item": practical.pk, "judge": "judge_wang", "chief": "1"})
    assert Aspect.objects.get(subitem=sub).max_mark == 10
    assert Judge.objects.get(item=practical, user=judge).chief
    actions = set(AuditEvent.objects.filter(union_id=tree["yz"].pk).values_list("action", flat=True))
    assert {
        "competition.create",
        "competition.stage_create",
        "competition.item_add",
        "competition.subitem_add",
        "competition.aspect_add",
        "competition.judge_assign",
    } <= actions
    # errors name the field, in Chinese; nothing is written
    r = client.post(
        url,
        {"action": "item_add", "stage": stage.pk, "name": "加赛", "kind": "written", "weight": "5"},
        follow=True,
    )
    assert any(m.startswith("权重（%）：") and "100%" in m for m in _messages(r)), _messages(r)
    r = client.post(
        url,
        {"action": "aspect_add", "subitem": sub.pk, "name": "安全", "kind": "judgement", "max_mark": "很多"},
        follow=True,
    )
    assert any(m.startswith("分值：") and "数字" in m for m in _messages(r)), _messages(r)
    r = client.post(url, {"action": "judge_add", "item": practical.pk, "judge": "nobody"}, follow=True)
    assert any(m.startswith("裁判账号：") for m in _messages(r)), _messages(r)
    assert Item.objects.filter(stage=stage).count() == 2 and Aspect.objects.filter(subitem=sub).count() == 1
    # the page lists what was set up, in a flat number of queries
    with assert_max_queries(20):
        page = client.get(url)
    assert page.status_code == 200 and "低压配电柜接线" in page.content.decode()


def test_set_up_is_scoped_to_the_subtree(tree: dict[str, Any], client: Any) -> None:
    from yugong.contests import skills

    comp = skills.competition_create(actor=tree["staff"], organiser=tree["jb"], title="江北焊工大赛")
    stage = skills.stage_create(
        actor=tree["staff"], competition=comp, kind="final", name="决赛", order=1, items=[]
    )
    client.force_login(tree["yz_staff"])  # 渝中 staff: 江北 is outside their subtree
    url = f"/contests/console/competitions/{comp.pk}/"
    assert client.get(url).status_code == 404
    r = client.post(
        url, {"action": "item_add", "stage": stage.pk, "name": "x", "kind": "written", "weight": "10"}
    )
    assert r.status_code == 404 and not Item.objects.filter(stage=stage).exists()
    r = client.post("/contests/console/competitions/", {"organiser": tree["jb"].pk, "title": "越权"})
    assert not Competition.objects.filter(title="越权").exists()
    # another competition's stage cannot be reached through this one
    own = skills.competition_create(actor=tree["yz_staff"], organiser=tree["yz"], title="渝中大赛")
    client.post(
        f"/contests/console/competitions/{own.pk}/",
        {"action": "item_add", "stage": stage.pk, "name": "x", "kind": "written", "weight": "10"},
    )
    assert not Item.objects.filter(stage=stage).exists()
