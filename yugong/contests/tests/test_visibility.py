"""One rule, one place: who sees a knowledge contest (:mod:`yugong.contests.visibility`).

A twin test drives every refusal (a draft, a contest of another district, a worker without a
union, a missing contest) and every admission through each path that asks the rule: the list of
open contests (one query, ``worker_sees_q``), the H5 list, detail and quiz pages, the API's
detail, material confirmation and start (the first start's membership read inside the plain-SQL
hot path), the leaderboard (from the per-process contest facts), and the services; and checks
the Python predicate against the query filter over every combination."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from django.urls import reverse

from tests.helpers import UserFactory
from yugong.contests import selectors, services, visibility
from yugong.contests.models import Contest
from yugong.core.errors import NotFound

from .conftest import make_contest, make_worker


def _paths(client: Any, user: Any, contest_id: int) -> dict[str, bool]:
    """Whether each path lets ``user`` at contest ``contest_id`` (True) or refuses (False)."""
    client.force_login(user)
    out: dict[str, bool] = {}
    out["api list"] = contest_id in {c["id"] for c in client.get("/api/v1/contests/open").json()}
    out["selector list"] = contest_id in {c.pk for c in selectors.contests_open_to(user)}
    h5 = client.get(reverse("contests:h5_list"))
    out["h5 list"] = contest_id in {c.pk for c in h5.context["contests"]}
    out["h5 detail"] = client.get(reverse("contests:h5_detail", args=[contest_id])).status_code == 200
    out["h5 quiz"] = client.get(reverse("contests:h5_quiz", args=[contest_id])).status_code == 200
    out["api detail"] = client.get(f"/api/v1/contests/{contest_id}").status_code == 200
    out["api leaderboard"] = client.get(f"/api/v1/contests/{contest_id}/leaderboard").status_code == 200
    out["api material"] = client.post(f"/api/v1/contests/{contest_id}/material").status_code == 200
    start = client.post(f"/api/v1/contests/{contest_id}/attempts").status_code
    assert start in (200, 201, 404), start
    out["api start"] = start != 404
    try:
        services.attempt_start(user=user, contest_id=contest_id)  # resumes the one just started
        out["service start"] = True
    except NotFound:
        out["service start"] = False
    try:
        selectors.contest_for_worker(user, contest_id)
        out["contest_for_worker"] = True
    except NotFound:
        out["contest_for_worker"] = False
    client.logout()
    return out


def _case(tree: dict[str, Any], name: str) -> tuple[Any, int]:
    """(worker, contest id) for each case; the contests are open now (published ones)."""
    shop_worker = make_worker(tree["shop"], "王五")
    if name == "draft of the city":
        return shop_worker, make_contest(tree["city"], status="draft").pk
    if name == "another district":
        return shop_worker, make_contest(tree["jb"]).pk
    if name == "no union, district contest":
        return UserFactory(), make_contest(tree["yz"]).pk
    if name == "missing contest":
        return shop_worker, 987654
    if name == "city contest":
        return shop_worker, make_contest(tree["city"]).pk
    if name == "no union, city contest":
        return UserFactory(), make_contest(tree["city"]).pk
    if name == "own district":
        return shop_worker, make_contest(tree["yz"]).pk
    if name == "own union":
        return shop_worker, make_contest(tree["shop"]).pk
    raise AssertionError(name)


REFUSED = ["draft of the city", "another district", "no union, district contest", "missing contest"]
ADMITTED = ["city contest", "no union, city contest", "own district", "own union"]


@pytest.mark.parametrize("name", REFUSED)
def test_every_refusal_goes_through_every_path(tree: dict[str, Any], client: Any, name: str) -> None:
    user, contest_id = _case(tree, name)
    assert _paths(client, user, contest_id) == dict.fromkeys(_paths(client, user, contest_id), False)


@pytest.mark.parametrize("name", ADMITTED)
def test_every_admission_goes_through_every_path(tree: dict[str, Any], client: Any, name: str) -> None:
    user, contest_id = _case(tree, name)
    seen = _paths(client, user, contest_id)
    assert seen == dict.fromkeys(seen, True)


def test_a_closed_contest_is_seen_but_not_listed_as_open(tree: dict[str, Any], client: Any) -> None:
    user = make_worker(tree["shop"], "王五")
    contest = make_contest(tree["yz"], status="closed")
    client.force_login(user)
    assert client.get(f"/api/v1/contests/{contest.pk}").status_code == 200
    assert contest.pk not in {c["id"] for c in client.get("/api/v1/contests/open").json()}


def test_the_predicate_and_the_query_filter_agree(tree: dict[str, Any]) -> None:
    """Every status × organiser × worker union (none included): the Python rule used by the
    detail, start and leaderboard paths and the filter used by the list give the same answer."""
    organisers = [tree[k] for k in ("city", "yz", "shop", "jb", "plant")]
    contests = [
        make_contest(org, status=status)
        for org, status in itertools.product(organisers, Contest.Status.values)
    ]
    for worker_union in [None, *organisers]:
        path = worker_union.path if worker_union else None
        by_query = set(Contest.objects.filter(visibility.worker_sees_q(path)).values_list("pk", flat=True))
        for c in contests:
            by_rule = visibility.worker_sees(
                status=c.status,
                organiser_path=c.organiser.path,
                organiser_is_root=c.organiser.parent_id is None,
                worker_path=path,
            )
            assert by_rule == (c.pk in by_query), (c.organiser.name, c.status, path)
    assert "draft" not in visibility.VISIBLE_STATUSES


def test_staff_board_rule(tree: dict[str, Any]) -> None:
    city, yz, shop = tree["city"], tree["yz"], tree["shop"]
    assert visibility.staff_board_sees(status="draft", organiser_path=shop.path, scope=[yz.path])
    assert visibility.staff_board_sees(status="published", organiser_path=city.path, scope=[yz.path])
    assert not visibility.staff_board_sees(status="draft", organiser_path=city.path, scope=[yz.path])
    assert not visibility.staff_board_sees(
        status="published", organiser_path=tree["jb"].path, scope=[yz.path]
    )
