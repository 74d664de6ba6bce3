"""The /api/v1/assistance/ API through the test client: the worker applies, sees the deadlines,
the notices and the aid; staff take the queue page by page (keyset, flat query counts), read a
file masked, reveal it (audited) and review, visit and approve through the same services."""

from __future__ import annotations

import datetime as dt
import typing
from typing import Any

import pytest
from django.test import Client
from django.utils.timezone import now

from tests.helpers import assert_max_queries
from yugong.assistance import api
from yugong.assistance import services as s
from yugong.assistance.models import CostKind, HardshipFile
from yugong.core.models import AuditEvent

from .campaign_world import World, active_file, build_world, cycle
from .conftest import LINE, Tree, member

A = "/api/v1/assistance"


def login(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _apply(tree: Tree, n: int) -> list[HardshipFile]:
    files = []
    for i in range(n):
        _u, p = member(tree.store, f"申请人{i}")
        files.append(
            s.file_apply(
                actor=tree.store_staff,
                person=p,
                incomes=[{"source": "工资", "monthly_fen": LINE - 1}],
                causes=["illness"],
                consent=True,
            )
        )
    return files


def test_worker_applies_and_sees_each_deadline(tree: Tree) -> None:
    worker = login(tree.worker)
    r = worker.post(
        f"{A}/files",
        {
            "causes": ["illness"],
            "consent": True,
            "household": [{"name": "王小明", "relation": "子", "in_school": True}],
            "incomes": [{"source": "工资", "monthly_fen": 100_000}],
            "costs": [{"kind": "medical", "monthly_fen": 30_000}],
            "illness_note": "慢性病",
            "bank_card": "6222020012345678901",
        },
        content_type="application/json",
    )
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["status"] == "submitted" and body["tier"] == "deep" and body["household_size"] == 2
    assert body["deadlines"][0]["step"] == "submitted" and not body["deadlines"][0]["overdue"]
    assert [x["kind"] for x in body["steps"]] == ["applied"]
    # twice: one open file per person
    again = worker.post(
        f"{A}/files", {"causes": ["illness"], "consent": True}, content_type="application/json"
    )
    assert again.status_code == 409
    no_consent = login(tree.colleague).post(
        f"{A}/files", {"causes": ["illness"], "consent": False}, content_type="application/json"
    )
    assert no_consent.status_code == 422 and "consent" in str(no_consent.json())
    mine = worker.get(f"{A}/files/mine").json()
    assert [f["id"] for f in mine["rows"]] == [body["id"]] and mine["next_after"] is None
    assert login(tree.colleague).get(f"{A}/files/mine").json()["rows"] == []


def test_staff_flow_through_the_api_with_masked_detail_and_audited_reveal(tree: Tree) -> None:
    (f,) = _apply(tree, 1)
    grassroots, district = login(tree.store_staff), login(tree.yz_staff)
    detail = grassroots.get(f"{A}/files/{f.pk}").json()
    assert detail["name"] == "申**0" and detail["bank_card"] == "" and "monthly_income_fen" not in detail
    r = grassroots.post(f"{A}/files/{f.pk}/review", {"approve": True}, content_type="application/json")
    assert r.status_code == 200 and r.json()["status"] == "visiting"
    r = grassroots.post(
        f"{A}/files/{f.pk}/visit",
        {
            "visited_at": (now() - dt.timedelta(hours=1)).isoformat(),
            "place": "家中",
            "visitors": "工会主席",
            "findings": "属实",
        },
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["status"] == "approving"
    # the grassroots union is not the approving level: 403; the district approves
    assert (
        grassroots.post(
            f"{A}/files/{f.pk}/approve", {"approve": True}, content_type="application/json"
        ).status_code
        == 403
    )
    r = district.post(f"{A}/files/{f.pk}/approve", {"approve": True}, content_type="application/json")
    assert r.status_code == 200 and r.json()["status"] == "notice"
    assert [x["kind"] for x in r.json()["steps"]] == ["applied", "reviewed", "visited", "approved", "notice"]
    clear = district.post(f"{A}/files/{f.pk}/reveal").json()
    assert clear["name"] == "申请人0" and clear["monthly_income_fen"] == LINE - 1
    assert AuditEvent.objects.filter(action="pii.view", object_id=str(f.pk)).exists()
    # outside the subtree: 404, like missing
    assert login(tree.jb_staff).get(f"{A}/files/{f.pk}").status_code == 404


def test_queue_is_keyset_paginated_with_flat_queries_and_overdue_marks(tree: Tree) -> None:
    files = _apply(tree, 7)
    HardshipFile.objects.filter(pk=files[0].pk).update(due_at=now() - dt.timedelta(days=1))
    staff = login(tree.yz_staff)
    staff.get(f"{A}/queue?limit=1")  # warm the session and the grants cache
    seen: list[int] = []
    after = None
    counts = []
    while True:
        url = f"{A}/queue?status=submitted&limit=3" + (f"&after={after}" if after else "")
        with assert_max_queries(12) as ctx:
            body = staff.get(url).json()
        counts.append(len(ctx.captured_queries))
        seen += [row["id"] for row in body["rows"]]
        after = body["next_after"]
        if after is None:
            break
    assert seen == sorted(f.pk for f in files)
    assert len(set(counts)) == 1  # every page costs the same
    first = staff.get(f"{A}/queue?status=submitted&limit=1").json()["rows"][0]
    assert first["overdue"] and first["name"].startswith("申")
    assert login(tree.jb_staff).get(f"{A}/queue").json()["rows"] == []


def test_worker_sees_notices_objects_and_sees_aid(tree: Tree) -> None:
    world: World = build_world(tree)
    f = active_file(tree.store, income_fen=LINE - 1)
    other = _apply(tree, 1)[0]
    HardshipFile.objects.filter(pk=other.pk).update(
        status="notice", notice_ends_at=now() + dt.timedelta(days=3), due_at=now() + dt.timedelta(days=3)
    )
    worker = login(tree.worker)
    notices = worker.get(f"{A}/notices").json()
    assert [(n["file_id"], n["kind"], n["name"]) for n in notices] == [(other.pk, "entry", "申**0")]
    r = worker.post(
        f"{A}/notices/{other.pk}/objections", {"reason": "其家庭有经营收入"}, content_type="application/json"
    )
    assert r.status_code == 200 and HardshipFile.objects.get(pk=other.pk).status == "objected"
    assert (
        login(tree.outsider)
        .post(f"{A}/notices/{other.pk}/objections", {"reason": "x"}, content_type="application/json")
        .status_code
        == 404
    )
    c = cycle(world)
    s.cycle_build(actor=tree.yz_staff, cycle=c)
    s.cycle_submit(actor=tree.yz_staff, cycle=c)
    s.cycle_approve(actor=world.chair, cycle=c)
    s.cycle_pay(actor=world.finance, cycle=c)
    owner = login(f.applicant.user)
    with assert_max_queries(6):
        aid = owner.get(f"{A}/aid").json()
    assert [(a["amount_fen"], a["status"]) for a in aid["rows"]] == [(100_000, "sent")]
    assert worker.get(f"{A}/aid").json()["rows"] == []


def test_schema_literals_agree_with_the_models() -> None:
    hints = typing.get_type_hints(api.AssistanceCostIn)
    assert set(typing.get_args(hints["kind"])) == set(CostKind.values)
    queue = typing.get_type_hints(api.AssistanceQueueIn)
    from yugong.assistance.selectors import QUEUE_STATUSES

    assert set(typing.get_args(queue["status"])) == set(QUEUE_STATUSES)


@pytest.mark.parametrize("path", ["/queue", "/files/1"])
def test_staff_operations_refuse_a_worker(tree: Tree, path: str) -> None:
    assert login(tree.worker).get(f"{A}{path}").status_code == 403
