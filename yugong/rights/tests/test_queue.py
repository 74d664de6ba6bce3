"""The 12351 overdue queue's fast path (issue 19): the page is kept as the JSON the API sends.

Twin test: what the fast path sends — built once from ``selectors.appeal_row`` and stored, then
sent as stored — is what the API sent before through ``AppealOut`` / ``AppealPage`` and Ninja's
renderer, for the same rows; a cache hit reads nothing of rights from the database; writes and
the scope still decide what is seen."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from ninja.responses import NinjaJSONEncoder

from yugong.core.timeutil import now
from yugong.rights import api, selectors, services
from yugong.rights.models import Appeal

from .conftest import Tree
from .test_pages_api import login, make

URL = "/api/v1/rights/queues/overdue?limit=50"


@pytest.fixture
def shared_cache(settings: Any) -> None:
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "queue"}
    }
    from django.core.cache import cache

    cache.clear()


def _overdue(tree: Tree, n: int, **kw: Any) -> list[Appeal]:
    appeals = make(tree, n, **kw)
    past = now() - dt.timedelta(days=30)
    for i, a in enumerate(appeals):
        Appeal.objects.filter(pk=a.pk).update(due_at=past + dt.timedelta(minutes=i), warn_at=past)
    return appeals


def _slow(user: Any) -> Any:
    """The queue as the API built it before the fast path: AppealOut rows, AppealPage, Ninja's JSON."""
    items = [api._out(a) for a in selectors.appeal_queue(user, kind="overdue", limit=50)]
    page = api.AppealPage(count=selectors.appeal_queue_count(user, kind="overdue"), items=items)
    return json.loads(json.dumps(page.model_dump(), cls=NinjaJSONEncoder))


def test_the_fast_path_sends_what_the_schema_path_sent(tree: Tree, shared_cache: None) -> None:
    _overdue(tree, 5)
    Appeal.objects.filter(pk=Appeal.objects.order_by("pk").first().pk).update(anonymous=True)  # type: ignore[union-attr]
    op = login(tree.operator)
    miss = op.get(URL)
    assert miss.status_code == 200 and miss["Content-Type"].startswith("application/json")
    hit = op.get(URL)
    assert hit.content == miss.content  # the stored bytes
    body = json.loads(hit.content)
    assert body == _slow(tree.operator)
    api.AppealPage.model_validate(body)  # and it is the declared schema
    assert body["count"] == 5 and [i["id"] for i in body["items"]] == [
        a.pk for a in Appeal.objects.order_by("due_at", "id")
    ]
    assert all("****" in i["caller_phone_masked"] for i in body["items"])
    assert "13912345678" not in hit.content.decode()


def test_a_hit_reads_neither_appeals_nor_grants(tree: Tree, shared_cache: None) -> None:
    _overdue(tree, 3)
    op = login(tree.operator)
    op.get(URL)
    with CaptureQueriesContext(connection) as hit:
        assert op.get(URL).status_code == 200
    tables = " ".join(q["sql"] for q in hit.captured_queries)
    assert "rights_" not in tables  # no appeal row, no count
    # the grants come from the shared cache too (orgs.access, "Grants cache")
    assert sum("orgs_roleassignment" in q["sql"] for q in hit.captured_queries) == 0


def test_writes_and_scope_still_decide(tree: Tree, shared_cache: None) -> None:
    appeals = _overdue(tree, 2)
    op = login(tree.operator)
    assert json.loads(op.get(URL).content)["count"] == 2
    services.appeal_accept(actor=tree.store_staff, appeal=appeals[0])  # a write: the version moves
    body = json.loads(op.get(URL).content)
    assert [i["id"] for i in body["items"]] == [appeals[1].pk] and body["count"] == 1
    # another scope never gets this page from the cache
    assert json.loads(login(tree.jb_staff).get(URL).content) == {"count": 0, "items": []}
    assert json.loads(login(tree.worker).get(URL).content) == {"count": 0, "items": []}
