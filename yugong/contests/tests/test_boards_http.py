"""The two read-heavy endpoints over HTTP: "my rank" (GET …/leaderboard) and the union boards
(GET …/manage/contests/{id}/unions). Both are rendered straight to JSON; they must still be what
the schema says, make a flat number of queries as rows grow, and keep the staff scope even when
the board comes from the shared cache."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import TypeAdapter

from tests.helpers import UserFactory, assert_max_queries, grant, make_union
from yugong.contests import services
from yugong.contests.api import LeaderboardOut, UnionRowOut
from yugong.contests.models import ContestUnionStat
from yugong.contests.quiz import leaderboard

from .conftest import make_contest, make_worker, right_answers

pytestmark = pytest.mark.django_db


def _score(contest: Any, workers: list[Any], django_capture_on_commit_callbacks: Any) -> None:
    for w in workers:
        a = services.attempt_start(user=w, contest_id=contest.pk).attempt
        with django_capture_on_commit_callbacks(execute=True):  # the Redis write runs after commit
            services.attempt_submit(user=w, attempt_id=a.pk, answers=right_answers(a))


@pytest.mark.parametrize("n", [3, 30])
def test_leaderboard_renders_the_schema_with_flat_queries(
    tree: dict[str, Any], client: Any, n: int, backend: str, django_capture_on_commit_callbacks: Any
) -> None:
    contest = make_contest(tree["city"])
    workers = [make_worker(tree["shop"], name=f"欧阳职工{i}") for i in range(n)]
    _score(contest, workers, django_capture_on_commit_callbacks)
    client.force_login(workers[0])
    url = f"/api/v1/contests/{contest.pk}/leaderboard?limit=50"
    first = client.get(url)  # warms the session, the contest facts and the names of the top rows
    assert first.status_code == 200, first.content
    # the session's user (1); the contest and the top names are cached per process; on Redis the
    # board is one pipelined round trip, on the database top + my key + the COUNT ahead + the count
    with assert_max_queries(1 if backend == "redis" else 5):
        r = client.get(url)
    assert r.status_code == 200 and r["Content-Type"].startswith("application/json")
    body = r.json()
    assert body == first.json()
    LeaderboardOut.model_validate(body)
    assert body["participants"] == n and len(body["top"]) == n
    assert [row["rank"] for row in body["top"]] == list(range(1, n + 1))
    assert body["my_rank"] is not None and body["my_score"] == 100
    # other people's names are masked, as on the certificate check page
    assert all(r["name"][0] == "欧" and set(r["name"][1:-1]) == {"*"} for r in body["top"])
    if backend == "redis":
        leaderboard.redis_drop(contest.pk)


def test_leaderboard_of_a_district_contest_stays_scoped(tree: dict[str, Any], client: Any) -> None:
    contest = make_contest(tree["jb"], title="江北区竞赛")
    inside = make_worker(tree["plant"])
    outside = make_worker(tree["shop"])
    client.force_login(inside)
    assert client.get(f"/api/v1/contests/{contest.pk}/leaderboard").status_code == 200
    client.force_login(outside)  # the facts are cached now: the scope is still checked per request
    assert client.get(f"/api/v1/contests/{contest.pk}/leaderboard").status_code == 404
    client.force_login(tree["staff"])  # city staff: organised inside their subtree
    assert client.get(f"/api/v1/contests/{contest.pk}/leaderboard").status_code == 200
    draft = make_contest(tree["city"], title="草稿", status="draft")
    client.force_login(inside)
    assert client.get(f"/api/v1/contests/{draft.pk}/leaderboard").status_code == 404


def _grow_tree(tree: dict[str, Any], contest: Any, n: int) -> None:
    for i in range(n):
        u = make_union(tree["yz"], kind="grassroots", name=f"渝中第{i:02d}企业工会")
        ContestUnionStat.objects.create(
            contest=contest, union=u, members=100, participants=i + 1, score_sum=(i + 1) * 80
        )


@pytest.mark.parametrize("n", [3, 30])
def test_union_board_renders_the_schema_with_flat_queries(
    tree: dict[str, Any], client: Any, n: int, backend: str
) -> None:
    contest = make_contest(tree["city"])
    _grow_tree(tree, contest, n)
    client.force_login(tree["staff"])
    url = f"/api/v1/contests/manage/contests/{contest.pk}/unions?level=grassroots&limit=500"
    client.get(f"/api/v1/contests/manage/contests/{contest.pk}/unions")  # warm the session
    leaderboard.rollup_forget(contest.pk)
    # a miss: the session's user, the grants, the parent union, the rollup, the target unions
    with assert_max_queries(5):
        miss = client.get(url)
    assert miss.status_code == 200, miss.content
    # a hit: the session's user and the grants (the scope); the board is one cache call
    with assert_max_queries(2):
        hit = client.get(url)
    assert hit.json() == miss.json()
    rows = TypeAdapter(list[UnionRowOut]).validate_python(hit.json())
    assert len(rows) == n + 2  # the new unions, 解放碑百货工会 and 长江机械厂工会
    assert rows[0].name == f"渝中第{n - 1:02d}企业工会" and rows[0].rate == round(n / 100, 4)
    assert rows[0].average == 80.0


def test_cached_board_keeps_the_scope(tree: dict[str, Any], client: Any, backend: str) -> None:
    contest = make_contest(tree["city"])
    _grow_tree(tree, contest, 3)
    client.force_login(tree["staff"])
    for parent in (tree["jb"], tree["yz"]):  # both boards are now in the shared cache
        url = f"/api/v1/contests/manage/contests/{contest.pk}/unions?parent={parent.pk}"
        assert client.get(url).status_code == 200
    client.force_login(tree["yz_staff"])
    r = client.get(f"/api/v1/contests/manage/contests/{contest.pk}/unions?parent={tree['jb'].pk}")
    assert r.status_code == 404  # the cached board of 江北 is not for 渝中's staff
    r = client.get(f"/api/v1/contests/manage/contests/{contest.pk}/unions?parent={tree['yz'].pk}")
    assert r.status_code == 200 and len(r.json()) == 4
    assert client.get(f"/api/v1/contests/manage/contests/{contest.pk}/unions").json() == r.json()
    nobody = UserFactory()
    client.force_login(nobody)
    r = client.get(f"/api/v1/contests/manage/contests/{contest.pk}/unions?parent={tree['yz'].pk}")
    assert r.status_code == 404
    other = make_union(None, name="另一城市总工会")
    outsider = UserFactory()
    grant(outsider, other, "staff")
    client.force_login(outsider)
    assert client.get(f"/api/v1/contests/manage/contests/{contest.pk}/unions").status_code == 404


def test_forget_makes_every_process_render_afresh(tree: dict[str, Any], backend: str) -> None:
    """A board rendered from an older rollup is not served once the contest is forgotten (the
    console's "refresh members"): the shared "fresh after" marker beats another process's copy."""
    contest = make_contest(tree["city"])
    _grow_tree(tree, contest, 2)
    before = {r.name: r for r in leaderboard.union_board(contest, tree["yz"], level="grassroots")}
    assert before["渝中第01企业工会"].participants == 2
    ContestUnionStat.objects.filter(contest=contest, union__name="渝中第01企业工会").update(participants=50)
    again = {r.name: r for r in leaderboard.union_board(contest, tree["yz"], level="grassroots")}
    assert again["渝中第01企业工会"].participants == 2  # cached for CONTESTS_BOARD_SECONDS
    rollup_before = leaderboard._rollups[contest.pk]
    leaderboard.rollup_forget(contest.pk)
    leaderboard._rollups[contest.pk] = rollup_before  # as if another process still held the old one
    after = {r.name: r for r in leaderboard.union_board(contest, tree["yz"], level="grassroots")}
    assert after["渝中第01企业工会"].participants == 50


def test_boards_from_the_rollup_match_the_tree_query(tree: dict[str, Any], client: Any) -> None:
    """Boards of nodes inside the organiser's subtree come from the rollup's pre-sorted unions;
    nodes above it ask the tree. Both give the same rows (ties, zeros, closed unions included)."""
    contest = make_contest(tree["city"])
    _grow_tree(tree, contest, 12)
    for i in range(4):  # equal rates and averages: the name decides; a closed union is left out
        u = make_union(tree["jb"], kind="grassroots", name=f"江北{3 - i}号企业工会")
        ContestUnionStat.objects.create(contest=contest, union=u, members=10, participants=5, score_sum=400)
    closed = make_union(tree["jb"], kind="grassroots", name="已撤销工会")
    closed.status = "closed"
    closed.save(update_fields=["status"])
    make_union(tree["yz"], kind="grassroots", name="没有人数的工会")
    for node in (tree["city"], tree["yz"], tree["jb"], tree["shop"]):
        for level in ("children", "district", "grassroots"):
            for limit in (1, 5, 50):
                leaderboard.rollup_forget(contest.pk)
                fast = leaderboard.union_board_render(
                    contest.pk, node, organiser_path=tree["city"].path, level=level, limit=limit
                )
                leaderboard.rollup_forget(contest.pk)
                slow = leaderboard.union_board_render(
                    contest.pk, node, organiser_path="ffffffff/", level=level, limit=limit
                )
                assert fast == slow, (node.name, level, limit)
    rows = leaderboard.union_board(contest, tree["jb"], level="grassroots")
    assert "已撤销工会" not in {r.name for r in rows}
    assert [r.name for r in rows[:4]] == [f"江北{i}号企业工会" for i in range(4)]
    # a district's contest seen by city staff from the city: the other district shows zeros
    jb_contest = make_contest(tree["jb"], title="江北区竞赛")
    ContestUnionStat.objects.create(contest=jb_contest, union=tree["plant"], members=4, participants=1)
    client.force_login(tree["staff"])
    r = client.get(f"/api/v1/contests/manage/contests/{jb_contest.pk}/unions?parent={tree['city'].pk}")
    assert r.status_code == 200
    assert {row["name"]: row["participants"] for row in r.json()} == {"江北区总工会": 1, "渝中区总工会": 0}
