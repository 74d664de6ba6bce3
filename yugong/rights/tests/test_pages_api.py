"""HTTP: the API (OpenAPI, intake, scoped 404s, worker side), the pages, and flat query counts."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.signals import request_finished
from django.db import close_old_connections
from django.test import Client

from tests.helpers import assert_max_queries
from yugong.core.models import AuditEvent
from yugong.rights import services
from yugong.rights.models import Appeal

from .conftest import Tree


def login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def make(tree: Tree, n: int, **kw: Any) -> list[Appeal]:
    return [
        services.appeal_create(
            actor=tree.operator,
            channel="hotline",
            category="wages",
            facts=f"欠薪{i}",
            caller_name="张三",
            caller_phone="13912345678",
            employer=kw.get("employer", tree.employer),
        )
        for i in range(n)
    ]


def test_openapi_lists_the_rights_operations(client: Client, db: Any) -> None:
    schema = client.get("/api/openapi.json").json()
    assert "/api/v1/rights/appeals" in schema["paths"]
    assert "/api/v1/rights/policies/search" in schema["paths"]
    assert "422" in schema["paths"]["/api/v1/rights/appeals"]["post"]["responses"]


def test_api_intake_and_handling(tree: Tree) -> None:
    op = login(tree.operator)
    response = op.post(
        "/api/v1/rights/appeals",
        {
            "channel": "hotline",
            "category": "wages",
            "facts": "公司拖欠工资",
            "caller_name": "张三",
            "caller_phone": "13912345678",
            "employer_id": tree.employer.pk,
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["caller_phone_masked"] == "139****5678" and "13912345678" not in response.content.decode()
    assert body["union_id"] == tree.store.pk and body["due_kind"] == "accept"
    pk = body["id"]
    staff = login(tree.store_staff)
    assert (
        staff.post(f"/api/v1/rights/appeals/{pk}/accept", {}, content_type="application/json").json()[
            "status"
        ]
        == "handling"
    )
    assert (
        staff.post(
            f"/api/v1/rights/appeals/{pk}/conclude",
            {"outcome": "已补发", "amount_recovered_fen": 500000},
            content_type="application/json",
        ).status_code
        == 200
    )
    bad = staff.post(f"/api/v1/rights/appeals/{pk}/close", {}, content_type="application/json")
    assert bad.status_code == 409 and bad.json()["code"] == "conflict"
    staff.post(
        f"/api/v1/rights/appeals/{pk}/follow-up", {"result": "reached"}, content_type="application/json"
    )
    assert (
        staff.post(f"/api/v1/rights/appeals/{pk}/close", {}, content_type="application/json").json()["status"]
        == "closed"
    )
    detail = staff.get(f"/api/v1/rights/appeals/{pk}").json()
    assert [e["kind"] for e in detail["events"]][-1] == "closed" and len(detail["stages"]) == 1
    # reveal is audited
    assert staff.post(f"/api/v1/rights/appeals/{pk}/caller").json()["caller_phone"] == "13912345678"
    assert AuditEvent.objects.filter(action="pii.view", object_id=str(pk)).count() == 1
    # outside the subtree: 404, same as missing
    other = login(tree.jb_staff)
    assert other.get(f"/api/v1/rights/appeals/{pk}").status_code == 404
    assert other.post(f"/api/v1/rights/appeals/{pk}/caller").status_code == 404
    assert other.get("/api/v1/rights/appeals/999999").status_code == 404


def test_api_validation_errors_name_fields(tree: Tree) -> None:
    op = login(tree.operator)
    response = op.post(
        "/api/v1/rights/appeals",
        {"channel": "hotline", "category": "wages", "facts": "x", "caller_phone": "123"},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert "caller_phone" in response.json()["fields"]


def test_worker_files_follows_and_rates(tree: Tree) -> None:
    worker = login(tree.worker)
    response = worker.post(
        "/api/v1/rights/appeals",
        {"category": "new_forms", "facts": "平台无故扣款", "district": "江北区"},
        content_type="application/json",
    )
    assert response.status_code == 201
    pk = response.json()["id"]
    assert [a["id"] for a in worker.get("/api/v1/rights/appeals/mine").json()] == [pk]
    mine = worker.get(f"/api/v1/rights/appeals/mine/{pk}").json()
    assert mine["events"][0]["actor"] == ""  # staff names are not shown to workers
    assert worker.get(f"/api/v1/rights/appeals/{pk}").status_code == 404  # staff view
    jb = login(tree.jb_staff)
    jb.post(f"/api/v1/rights/appeals/{pk}/accept", {}, content_type="application/json")
    jb.post(
        f"/api/v1/rights/appeals/{pk}/conclude",
        {"outcome": "已协调平台退还"},
        content_type="application/json",
    )
    rated = worker.post(
        f"/api/v1/rights/appeals/mine/{pk}/rating",
        {"rating": "not_satisfied"},
        content_type="application/json",
    )
    assert (
        rated.status_code == 200
        and rated.json()["union_id"] == tree.city.pk
        and rated.json()["status"] == "pending"
    )


def test_console_pages_render(tree: Tree) -> None:
    appeals = make(tree, 2)
    op = login(tree.operator)
    for url in [
        "/rights/console/intake/",
        "/rights/console/appeals/",
        "/rights/console/queues/",
        "/rights/console/mediations/",
        "/rights/console/policies/",
    ]:
        assert op.get(url).status_code == 200, url
    page = op.get(f"/rights/console/appeals/{appeals[0].pk}/").content.decode()
    assert "139****5678" in page and "13912345678" not in page
    revealed = op.post(f"/rights/console/appeals/{appeals[0].pk}/", {"action": "reveal"}).content.decode()
    assert "13912345678" in revealed
    history = op.get("/rights/console/intake/caller/", {"caller_phone": "13912345678"}).content.decode()
    assert appeals[0].number in history
    assert login(tree.jb_staff).get(f"/rights/console/appeals/{appeals[0].pk}/").status_code == 404


def test_console_intake_routes_and_handles(tree: Tree) -> None:
    op = login(tree.operator)
    response = op.post(
        "/rights/console/intake/",
        {
            "caller_phone": "13912345678",
            "caller_name": "张三",
            "category": "wages",
            "facts": "拖欠工资两个月",
            "employer_name": tree.employer.name,
            "complexity": "general",
            "channel": "hotline",
        },
    )
    assert response.status_code == 302
    appeal = Appeal.objects.get()
    assert appeal.union == tree.store and appeal.employer == tree.employer
    staff = login(tree.store_staff)
    assert (
        staff.post(
            f"/rights/console/appeals/{appeal.pk}/", {"action": "accept", "complexity": "general"}
        ).status_code
        == 302
    )
    assert (
        staff.post(
            f"/rights/console/appeals/{appeal.pk}/",
            {"action": "transfer", "to_union": tree.yuzhong.pk, "reason": "报上级"},
        ).status_code
        == 302
    )
    appeal.refresh_from_db()
    assert appeal.union == tree.yuzhong


def test_h5_guided_form(tree: Tree) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    worker = login(tree.worker)
    assert worker.get("/rights/new/").status_code == 200
    photo = SimpleUploadedFile("现场.jpg", b"\xff\xd8\xff\xe0" + b"0" * 64, content_type="image/jpeg")
    response = worker.post(
        "/rights/new/", {"category": "wages", "facts": "老板跑路", "district": "江北区", "attachments": photo}
    )
    assert response.status_code == 302
    appeal = Appeal.objects.get()
    assert appeal.channel == "h5" and appeal.union == tree.jiangbei and appeal.attachments.count() == 1
    page = worker.get(response["Location"]).content.decode()
    assert appeal.number in page
    att = appeal.attachments.get()
    download = worker.get(f"/rights/files/{att.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"\xff\xd8")
    # Closing a streaming response fires request_finished after the test client has put
    # close_old_connections back: on PostgreSQL (no persistent connections, pool) that closes the
    # test's connection inside its transaction. Close it the way the client closes its own.
    request_finished.disconnect(close_old_connections)
    try:
        download.close()
    finally:
        request_finished.connect(close_old_connections)
    assert login(tree.yz_staff).get(f"/rights/files/{att.pk}/").status_code == 404
    assert Client().get("/rights/new/").status_code == 302  # sign in first


@pytest.mark.parametrize(
    "url",
    [
        "/rights/console/appeals/",
        "/rights/console/queues/",
        "/api/v1/rights/appeals",
        "/api/v1/rights/queues/overdue",
    ],
)
def test_query_counts_stay_flat(tree: Tree, url: str, settings: Any) -> None:
    # The database path, not the queue-page cache (rights.cache; tested in test_console_more).
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    op = login(tree.operator)
    make(tree, 3)
    op.get(url)  # warm caches (grants, calendar, sessions)
    with assert_max_queries(14) as few:
        assert op.get(url).status_code == 200
    make(tree, 27, employer=tree.bare_employer)
    with assert_max_queries(len(few.captured_queries)):
        assert op.get(url).status_code == 200
