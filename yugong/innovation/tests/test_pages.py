"""Pages through their forms (worker and console), the export (masked; the clear copy limited and
audited), and the query counts of the lists."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.test import Client
from django.utils.timezone import localtime, now
from openpyxl import load_workbook

from tests.helpers import UserFactory, assert_max_queries, grant
from yugong.core.models import AuditEvent
from yugong.innovation import services
from yugong.innovation.models import Challenge, Milestone, Proposal, Studio, StudioRating, Team
from yugong.learning.models import CreditEntry

from .conftest import Tree, make_challenge, make_studio, member

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_a_worker_proposes_and_the_union_adopts_through_the_pages(
    tree: Tree, django_capture_on_commit_callbacks: Any
) -> None:
    worker = _client(tree.worker)
    bad = worker.post("/innovation/proposals/new/", {"category": "innovation", "title": "", "problem": "x"})
    assert bad.status_code == 200 and 'data-field="title"' in bad.content.decode()
    r = worker.post(
        "/innovation/proposals/new/",
        {"category": "innovation", "title": "扫码枪支架", "problem": "易掉落", "solution": "磁吸支架"},
    )
    assert r.status_code == 302
    p = Proposal.objects.get()
    staff = _client(tree.store_staff)
    assert "扫码枪支架" in staff.get("/innovation/console/proposals/").content.decode()
    staff.post(f"/innovation/console/proposals/{p.pk}/accept/")
    bad = staff.post(
        f"/innovation/console/proposals/{p.pk}/adopt/", {"grade": "", "benefit_fen": "abc"}, follow=True
    )
    assert "采纳等级" in bad.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(
            f"/innovation/console/proposals/{p.pk}/adopt/", {"grade": "first", "benefit_fen": "1200.50"}
        )
    from .test_reward import budget_line

    line, _chair, _finance = budget_line(tree.store, tree.store_staff)
    staff.post(f"/innovation/console/proposals/{p.pk}/reward/", {"reward_fen": "500", "budget_line": line.pk})
    p.refresh_from_db()
    assert (p.status, p.benefit_fen, p.reward_fen) == ("rewarded", 120_050, 50_000)
    page = worker.get(f"/innovation/proposals/{p.pk}/").content.decode()
    assert "已奖励" in page and "¥500.00" in page
    assert CreditEntry.objects.filter(account__person=tree.person, source="innovation").count() == 1
    mine = worker.get("/innovation/").content.decode()
    assert "扫码枪支架" in mine
    # someone else's proposal is not found for a worker
    assert _client(tree.mate).get(f"/innovation/proposals/{p.pk}/").status_code == 404


def test_workers_take_up_a_challenge_and_the_union_awards(
    tree: Tree, django_capture_on_commit_callbacks: Any
) -> None:
    staff = _client(tree.yz_staff)
    deadline = localtime(now() + dt.timedelta(days=5)).strftime("%Y-%m-%dT%H:%M")
    due = (now() + dt.timedelta(days=60)).date().isoformat()
    r = staff.post(
        "/innovation/console/challenges/new/",
        {
            "union": tree.yuzhong.pk,
            "title": "冷链温控",
            "problem": "温度波动",
            "reward_fen": "20000",
            "signup_deadline": deadline,
            "due_on": due,
            "max_team_size": 3,
        },
    )
    assert r.status_code == 302
    c = Challenge.objects.get()
    assert c.reward_fen == 2_000_000 and c.poster == tree.yuzhong.name
    worker = _client(tree.worker)
    assert "冷链温控" in worker.get("/innovation/challenges/").content.decode()
    worker.post(f"/innovation/challenges/{c.pk}/", {"action": "signup", "name": "一组", "plan": "蓄冷"})
    team = Team.objects.get()
    _client(tree.mate).post(f"/innovation/challenges/{c.pk}/", {"action": "join", "team": team.pk})
    assert team.members.count() == 2
    again = worker.post(f"/innovation/challenges/{c.pk}/", {"action": "signup", "name": "二组", "plan": "x"})
    assert again.status_code == 200 and Team.objects.count() == 1
    staff.post(f"/innovation/console/challenges/{c.pk}/select/", {"team": team.pk})
    staff.post(f"/innovation/console/challenges/{c.pk}/milestone/", {"title": "样机", "due_on": due})
    m = Milestone.objects.get()
    staff.post(f"/innovation/console/challenges/{c.pk}/milestone-done/", {"milestone": m.pk, "note": "通过"})
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(
            f"/innovation/console/challenges/{c.pk}/complete/", {"result": "温差±1℃", "award_fen": "20000"}
        )
    c.refresh_from_db()
    assert c.status == "completed" and c.award_fen == 2_000_000
    assert CreditEntry.objects.filter(source="innovation").count() == 2
    assert "揭榜成功" in worker.get("/innovation/").content.decode()


def test_studio_pages_register_record_and_rate(tree: Tree) -> None:
    store = _client(tree.store_staff)
    r = store.post(
        "/innovation/console/studios/new/",
        {
            "union": tree.store.pk,
            "name": "劳模工作室",
            "kind": "model_worker",
            "lead_id_number": tree.lead.id_number,
            "lead_title": "重庆市劳动模范",
            "field": "商贸",
        },
    )
    assert r.status_code == 302
    s = Studio.objects.get()
    store.post(f"/innovation/console/studios/{s.pk}/member/", {"id_number": tree.person.id_number})
    assert s.members.count() == 2
    store.post(
        f"/innovation/console/studios/{s.pk}/result/",
        {
            "title": "工法",
            "kind": "process",
            "description": "新工法",
            "achieved_on": now().date().isoformat(),
            "benefit_fen": "100",
            "contributors": [tree.person.pk],
        },
    )
    assert s.results.get().benefit_fen == 10_000
    store.post(
        f"/innovation/console/studios/{s.pk}/rating/", {"level": "district", "year": 2026, "statement": "好"}
    )
    rating = StudioRating.objects.get()
    district = _client(tree.yz_staff)
    assert "劳模工作室" in district.get("/innovation/console/ratings/").content.decode()
    assert (
        _client(tree.store_staff)
        .post("/innovation/console/ratings/decide/", {"rating": rating.pk, "decision": "approve"})
        .status_code
        == 403
    )
    district.post(
        "/innovation/console/ratings/decide/", {"rating": rating.pk, "decision": "approve", "note": "同意"}
    )
    s.refresh_from_db()
    assert s.level == "district"
    assert "区县级" in store.get(f"/innovation/console/studios/{s.pk}/").content.decode()


def _sheet(body: bytes) -> list[tuple[Any, ...]]:
    return list(load_workbook(io.BytesIO(body)).active.iter_rows(values_only=True))


def test_the_proposal_export_is_masked_and_the_clear_copy_audited(tree: Tree) -> None:
    services.proposal_submit(
        actor=tree.worker, category="design", title="导视", problem="难找", solution="加牌"
    )
    services.proposal_submit(
        actor=tree.outsider_user, category="design", title="江北", problem="x", solution="y"
    )
    store = _client(tree.store_staff)
    rows = _sheet(store.get("/innovation/console/proposals/export.xlsx").content)
    assert len(rows) == 2 and rows[1][3] == "王*傅" and rows[1][1] == "导视"
    assert not AuditEvent.objects.filter(action="pii.view").exists()
    rows = _sheet(store.get("/innovation/console/proposals/export.xlsx?clear=1").content)
    assert rows[1][3] == "王师傅"
    assert AuditEvent.objects.filter(action="pii.view", union_id=tree.store.pk).count() == 1
    viewer = UserFactory()
    grant(viewer, tree.store, "viewer")
    assert _client(viewer).get("/innovation/console/proposals/export.xlsx").status_code == 200
    assert _client(viewer).get("/innovation/console/proposals/export.xlsx?clear=1").status_code == 403
    assert _client(tree.worker).get("/innovation/console/proposals/export.xlsx").status_code == 403


@pytest.mark.parametrize("rows", [2, 20])
def test_lists_keep_their_query_count(tree: Tree, rows: int) -> None:
    s = make_studio(tree)
    c = make_challenge(tree, max_team_size=50)
    for i in range(rows):
        p = member(tree.store, f"职工{i}")
        services.studio_member_add(actor=tree.store_staff, studio=s, id_number=p.id_number)
        Proposal.objects.create(
            person=p,
            proposer_name=p.name,
            union=tree.store,
            category="design",
            title=f"项目{i}",
            problem="x",
            solution="y",
        )
        Studio.objects.create(
            union=tree.store,
            name=f"工作室{i}",
            kind="worker",
            lead=p,
            lead_name=p.name,
            lead_title="工匠",
            field="x",
            created_by=tree.store_staff,
        )
        t = Team.objects.create(challenge=c, name=f"队{i}", leader=p, plan="x")
        t.members.create(challenge=c, person=p, name=p.name)
        Challenge.objects.create(
            union=tree.yuzhong,
            poster="x",
            title=f"榜{i}",
            problem="x",
            reward_fen=100,
            signup_deadline=now() + dt.timedelta(days=1),
            due_on=now().date() + dt.timedelta(days=9),
            created_by=tree.yz_staff,
        )
    store, district, worker = _client(tree.store_staff), _client(tree.yz_staff), _client(tree.worker)
    for client, url in (
        (store, "/innovation/console/studios/"),
        (store, f"/innovation/console/studios/{s.pk}/"),
        (store, "/innovation/console/proposals/"),
        (district, "/innovation/console/challenges/"),
        (district, f"/innovation/console/challenges/{c.pk}/"),
        (district, "/innovation/console/ratings/"),
    ):
        with assert_max_queries(25):
            assert client.get(url).status_code == 200, url
    for url in ("/innovation/", "/innovation/challenges/", f"/innovation/challenges/{c.pk}/"):
        with assert_max_queries(20):
            assert worker.get(url).status_code == 200, url
    with assert_max_queries(12):
        assert store.get("/innovation/console/proposals/export.xlsx?clear=1").status_code == 200
