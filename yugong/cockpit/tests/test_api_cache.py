"""The API's cached answers: a hit runs no query at all (the caller's grants and the node's path come
from the access layer's cache, the body from the cockpit's), and stays exact when the node is
renamed or moved, or the caller loses the role."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.helpers import UserFactory, grant, make_union
from yugong.accounts.services import api_token_create
from yugong.accounts.system import system_actor
from yugong.core.facts import fact_record
from yugong.orgs.models import RoleAssignment
from yugong.orgs.services import role_revoke, union_move, union_update

pytestmark = pytest.mark.django_db

D = dt.date(2023, 4, 1)


@pytest.fixture
def world(db: Any) -> dict[str, Any]:
    city = make_union(None, name="重庆市总工会")
    a = make_union(city, kind="district", name="渝中区总工会")
    b = make_union(city, kind="district", name="江北区总工会")
    a1 = make_union(a, name="渝中一厂工会")
    fact_record(metric="members.approved", union_id=a1.pk, value=5, day=D)
    leader = UserFactory(is_staff=False)
    grant(leader, a, "chair")
    _, token = api_token_create(actor=leader, user=leader, name="大屏")
    return {"city": city, "a": a, "b": b, "a1": a1, "leader": leader, "auth": f"Bearer {token}"}


def _urls(w: dict[str, Any], node: Any) -> list[str]:
    n = node.pk
    return [
        f"/api/v1/cockpit/summary?node={n}&period=2023",
        f"/api/v1/cockpit/children?node={n}&period=2023&metric=members.approved&limit=50",
        f"/api/v1/cockpit/trend?node={n}&period=2023&metric=members.approved",
    ]


def _get(client: Any, w: dict[str, Any], url: str) -> Any:
    return client.get(url, HTTP_AUTHORIZATION=w["auth"])


def test_a_cached_answer_runs_no_query(client: Any, world: dict[str, Any]) -> None:
    urls = _urls(world, world["a"])
    first = {}
    for _ in range(2):  # the first requests make the stamps and compute, the next store under them
        for url in urls:
            resp = _get(client, world, url)
            assert resp.status_code == 200
            first[url] = resp.content
    with CaptureQueriesContext(connection) as ctx:
        again = {url: _get(client, world, url).content for url in urls}
    assert ctx.captured_queries == []
    assert again == first
    figures = {f["code"]: f["value"] for f in json.loads(again[urls[0]])["figures"]}
    assert figures["members.approved"] == 5


def test_a_rename_shows_in_the_cached_answers_at_once(
    client: Any, world: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    summary, children, _ = _urls(world, world["a"])
    assert _get(client, world, summary).json()["node_name"] == "渝中区总工会"
    assert [r["name"] for r in _get(client, world, children).json()] == ["渝中一厂工会"]
    with django_capture_on_commit_callbacks(execute=True):
        union_update(actor=system_actor(), union=world["a"], name="渝中区新总工会")
        union_update(actor=system_actor(), union=world["a1"], name="渝中一厂新工会")
    assert _get(client, world, summary).json()["node_name"] == "渝中区新总工会"
    assert [r["name"] for r in _get(client, world, children).json()] == ["渝中一厂新工会"]


def test_a_cached_answer_follows_moves_and_revokes(client: Any, world: dict[str, Any]) -> None:
    leaf = _urls(world, world["a1"])
    for url in leaf:
        assert _get(client, world, url).status_code == 200
        assert _get(client, world, url).status_code == 200  # cached
    union_move(actor=system_actor(), union=world["a1"], new_parent=world["b"])
    assert [_get(client, world, url).status_code for url in leaf] == [404, 404, 404]
    district = _urls(world, world["a"])
    assert [_get(client, world, url).status_code for url in district] == [200, 200, 200]
    role_revoke(actor=system_actor(), assignment=RoleAssignment.objects.get(user=world["leader"]))
    assert [_get(client, world, url).status_code for url in district] == [403, 403, 403]


def test_a_sibling_and_a_user_without_grants_get_nothing_from_the_cache(
    client: Any, world: dict[str, Any]
) -> None:
    for url in _urls(world, world["a"]):
        assert _get(client, world, url).status_code == 200  # cached for the leader
    other = UserFactory(is_staff=True)
    grant(other, world["b"], "chair")
    _, token = api_token_create(actor=other, user=other, name="江北")
    nobody = UserFactory(is_staff=True)
    _, none_token = api_token_create(actor=nobody, user=nobody, name="无岗位")
    for url in _urls(world, world["a"]):
        assert client.get(url, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 404
        assert client.get(url, HTTP_AUTHORIZATION=f"Bearer {none_token}").status_code == 404
