"""A contest leaderboard agrees with a brute-force recomputation — on the database fallback and on
Redis (when a Redis server answers; REDIS_URL or 127.0.0.1:6379, database 14)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from tests.helpers import UserFactory
from yugong.contests import services
from yugong.contests.models import ContestEntry, rank_key, rank_key_parts
from yugong.contests.quiz import leaderboard

from .conftest import make_bank, make_contest, make_worker, right_answers

pytestmark = pytest.mark.django_db


def test_rank_key_round_trip_and_order() -> None:
    a = rank_key(score=100, tenths_used=3000, seconds_in=50)
    b = rank_key(score=100, tenths_used=2999, seconds_in=99999)
    c = rank_key(score=90, tenths_used=1, seconds_in=0)
    assert b > a > c
    assert rank_key_parts(a) == (100, 3000, 50)
    assert a < 2**53


@pytest.fixture
def users(db: Any) -> list[Any]:
    return [UserFactory() for _ in range(25)]


results = st.lists(
    st.tuples(st.integers(0, 10), st.integers(0, 40), st.integers(0, 5)), min_size=0, max_size=25
)


@hsettings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=results, n=st.integers(1, 30))
def test_leaderboard_agrees_with_brute_force(
    rows: list[tuple[int, int, int]], n: int, tree: dict[str, Any], users: list[Any], backend: str
) -> None:
    contest = make_contest(tree["city"], bank=make_bank(tree["city"], n=10))
    entries = []
    for user, (score10, tenths, secs) in zip(users, rows, strict=False):
        score = score10 * 10  # few distinct values: plenty of ties
        entries.append(
            ContestEntry(
                contest=contest,
                user=user,
                display_name=str(user),
                score=score,
                rank_key=rank_key(score=score, tenths_used=tenths, seconds_in=secs),
            )
        )
    ContestEntry.objects.bulk_create(entries)
    if backend == "redis":
        leaderboard.redis_drop(contest.pk)  # the next read rebuilds from the database
    brute = sorted(((-(s10 * 10), t, c, u.pk) for u, (s10, t, c) in zip(users, rows, strict=False)))
    expected_top = [u for *_k, u in brute[:n]]
    got = leaderboard.top(contest.pk, n)
    assert [r.user_id for r in got] == expected_top
    assert [r.rank for r in got] == list(range(1, len(expected_top) + 1))
    for i, (_s, _t, _c, uid) in enumerate(brute):
        mine = leaderboard.my_rank(contest.pk, uid)
        assert mine is not None and mine[0] == i + 1
    assert leaderboard.participants(contest.pk) == len(brute)
    asker = users[0].pk
    b = leaderboard.board(contest.pk, asker, n)
    assert [r.user_id for r in b.top] == expected_top and b.participants == len(brute)
    assert b.mine == leaderboard.my_rank(contest.pk, asker)
    outsider = users[-1] if len(rows) < len(users) else None
    if outsider is not None:
        assert leaderboard.my_rank(contest.pk, outsider.pk) is None
    if backend == "redis":
        leaderboard.redis_drop(contest.pk)


def test_submissions_update_both_backends_identically(
    tree: dict[str, Any], backend: str, django_capture_on_commit_callbacks: Any
) -> None:
    contest = make_contest(tree["city"])
    if backend == "redis":
        leaderboard.redis_drop(contest.pk)
        leaderboard.redis_rebuild(contest.pk)
    workers = [make_worker(tree["shop"], name=f"职工{i}") for i in range(6)]
    t0 = contest.starts_at + dt.timedelta(minutes=5)
    for i, w in enumerate(workers):
        a = services.attempt_start(user=w, contest_id=contest.pk, at=t0).attempt
        answers = right_answers(a)
        # i correct answers; equal scores broken by time used
        keep = dict(list(answers.items())[: 4 + i % 3])
        with django_capture_on_commit_callbacks(execute=True):  # the Redis write runs after commit
            services.attempt_submit(
                user=w, attempt_id=a.pk, answers=keep, at=t0 + dt.timedelta(seconds=100 - i)
            )
    via_backend = [(r.user_id, r.rank) for r in leaderboard.top(contest.pk, 10)]
    via_db = [(r.user_id, r.rank) for r in leaderboard.top(contest.pk, 10, use_redis=False)]
    assert via_backend == via_db
    for w in workers:
        assert leaderboard.my_rank(contest.pk, w.pk) == leaderboard.my_rank(contest.pk, w.pk, use_redis=False)
    if backend == "redis":
        leaderboard.redis_drop(contest.pk)


def test_union_board_rolls_up_the_subtree(tree: dict[str, Any], no_redis: None) -> None:
    contest = make_contest(tree["city"])
    a = [make_worker(tree["shop"], name=f"甲{i}") for i in range(4)]
    b = [make_worker(tree["plant"], name=f"乙{i}") for i in range(2)]
    services.contest_members_refresh(contest=contest)
    for w in a[:2] + b[:2]:
        att = services.attempt_start(user=w, contest_id=contest.pk).attempt
        services.attempt_submit(user=w, attempt_id=att.pk, answers=right_answers(att))
    rows = {r.name: r for r in leaderboard.union_board(contest, tree["city"], level="children")}
    assert rows["江北区总工会"].rate == 1.0 and rows["江北区总工会"].participants == 2
    assert rows["渝中区总工会"].rate == 0.5 and rows["渝中区总工会"].members == 4
    assert rows["渝中区总工会"].average == 100
    order = [r.name for r in leaderboard.union_board(contest, tree["city"], level="district")]
    assert order == ["江北区总工会", "渝中区总工会"]
    grass = {r.name: r for r in leaderboard.union_board(contest, tree["city"], level="grassroots")}
    assert grass["解放碑百货工会"].participants == 2
