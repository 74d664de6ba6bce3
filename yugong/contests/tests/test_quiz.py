from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine

from yugong.contests import services
from yugong.contests.models import Attempt, ContestEntry, ContestUnionStat
from yugong.contests.quiz import allocate, contest_pool, draw_paper
from yugong.core.errors import Conflict, NotFound, RateLimited
from yugong.core.facts import fact_total

from .conftest import make_bank, make_contest, make_worker, right_answers

pytestmark = pytest.mark.django_db


def test_paper_is_reproducible_from_the_seed(tree: dict[str, Any]) -> None:
    contest = make_contest(tree["city"], category_weights={"安全生产": 2, "职业健康": 1, "法律法规": 1})
    pool = contest_pool(contest.pk)
    assert pool is not None
    for seed in (1, 42, 2**61 + 7):
        assert draw_paper(pool, seed) == draw_paper(pool, seed)
    assert draw_paper(pool, 1) != draw_paper(pool, 2)
    paper = draw_paper(pool, 99)
    cats = [pool.questions[q].category for q in paper]
    assert len(paper) == len(set(paper)) == 10
    assert cats.count("安全生产") == 5  # 10 × 2/4
    worker = make_worker(tree["shop"])
    started = services.attempt_start(user=worker, contest_id=contest.pk)
    assert started.attempt.question_ids == draw_paper(pool, started.attempt.seed)


def test_allocate_largest_remainder_and_caps() -> None:
    assert allocate({"a": 1, "b": 1, "c": 1}, {"a": 10, "b": 10, "c": 10}, 10) == {"a": 4, "b": 3, "c": 3}
    assert allocate({"a": 9, "b": 1}, {"a": 2, "b": 20}, 10) == {"a": 2, "b": 8}
    assert sum(allocate({"a": 1}, {"a": 3}, 10).values()) == 3


def test_questions_served_without_answers(tree: dict[str, Any], client: Any) -> None:
    contest = make_contest(tree["city"])
    worker = make_worker(tree["shop"])
    client.force_login(worker)
    r = client.post(f"/api/v1/contests/{contest.pk}/attempts", content_type="application/json")
    assert r.status_code == 201, r.content
    body = r.json()
    assert len(body["questions"]) == 10
    for q in body["questions"]:
        assert set(q) == {"id", "kind", "stem", "options"}
    # a second start resumes the open attempt (no new try)
    r2 = client.post(f"/api/v1/contests/{contest.pk}/attempts", content_type="application/json")
    assert r2.status_code == 200 and r2.json()["id"] == body["id"]
    assert ContestEntry.objects.get(contest=contest, user=worker).day_tries == 1


def test_full_marks_then_idempotent_resubmit(tree: dict[str, Any], client: Any) -> None:
    contest = make_contest(tree["city"])
    worker = make_worker(tree["shop"])
    client.force_login(worker)
    attempt_id = client.post(f"/api/v1/contests/{contest.pk}/attempts").json()["id"]
    answers = right_answers(Attempt.objects.get(pk=attempt_id))
    r = client.post(
        f"/api/v1/contests/attempts/{attempt_id}/submit",
        {"answers": answers},
        content_type="application/json",
    )
    assert r.status_code == 200, r.content
    assert r.json()["score"] == 100 and r.json()["correct"] == 10 and r.json()["rank"] == 1
    assert r.json()["already_submitted"] is False
    # the same submission again (and a different one) returns the stored result, scored once
    again = client.post(
        f"/api/v1/contests/attempts/{attempt_id}/submit", {"answers": {}}, content_type="application/json"
    )
    assert (
        again.status_code == 200
        and again.json()["already_submitted"] is True
        and again.json()["score"] == 100
    )
    stat = ContestUnionStat.objects.get(contest=contest, union=tree["shop"])
    assert (stat.participants, stat.score_sum) == (1, 100)
    assert fact_total(metric="contest_participants", union_ids=[tree["shop"].pk]) == 1


def test_tries_per_day_and_material(tree: dict[str, Any]) -> None:
    contest = make_contest(tree["city"], tries_per_day=2, material_body="某厂违章作业致死事故通报")
    worker = make_worker(tree["shop"])
    with pytest.raises(Conflict) as exc:
        services.attempt_start(user=worker, contest_id=contest.pk)
    assert exc.value.code == "material_required"
    services.material_confirm(user=worker, contest_id=contest.pk)
    for _i in range(2):
        a = services.attempt_start(user=worker, contest_id=contest.pk).attempt
        services.attempt_submit(user=worker, attempt_id=a.pk, answers={})
    with pytest.raises(RateLimited):
        services.attempt_start(user=worker, contest_id=contest.pk)


def test_time_limit_with_frozen_time(tree: dict[str, Any], settings: Any) -> None:
    settings.CONTESTS_SUBMIT_GRACE_SECONDS = 5
    contest = make_contest(tree["city"], time_limit_seconds=600)
    worker = make_worker(tree["shop"])
    t0 = dt.datetime(2026, 11, 22, 10, 0, tzinfo=dt.UTC)
    contest.starts_at = t0 - dt.timedelta(days=1)
    contest.save()
    with time_machine.travel(t0, tick=False) as traveller:
        a = services.attempt_start(user=worker, contest_id=contest.pk).attempt
        assert a.deadline == t0 + dt.timedelta(seconds=600)
        traveller.shift(dt.timedelta(seconds=604))  # within the grace
        sub = services.attempt_submit(user=worker, attempt_id=a.pk, answers=right_answers(a))
        assert sub.attempt.score == 100 and sub.attempt.duration_ms == 600_000  # capped at the deadline
        b = services.attempt_start(user=worker, contest_id=contest.pk).attempt
        traveller.shift(dt.timedelta(seconds=606))  # past deadline + grace
        with pytest.raises(Conflict) as exc:
            services.attempt_submit(user=worker, attempt_id=b.pk, answers=right_answers(b))
        assert exc.value.code == "late"
        assert Attempt.objects.get(pk=b.pk).state == "expired"
        # a late retry stays refused; a new start is allowed (a try is left)
        with pytest.raises(Conflict):
            services.attempt_submit(user=worker, attempt_id=b.pk, answers={})
        c = services.attempt_start(user=worker, contest_id=contest.pk)
        assert not c.resumed


def test_open_attempt_past_deadline_is_expired_on_next_start(tree: dict[str, Any]) -> None:
    contest = make_contest(tree["city"], time_limit_seconds=60)
    worker = make_worker(tree["shop"])
    t0 = dt.datetime(2026, 11, 22, 10, 0, tzinfo=dt.UTC)
    contest.starts_at = t0 - dt.timedelta(days=1)
    contest.save()
    with time_machine.travel(t0, tick=False) as traveller:
        a = services.attempt_start(user=worker, contest_id=contest.pk).attempt
        traveller.shift(dt.timedelta(seconds=120))
        b = services.attempt_start(user=worker, contest_id=contest.pk)
        assert not b.resumed and b.attempt.pk != a.pk
        assert Attempt.objects.get(pk=a.pk).state == "expired"


def test_window_and_scope(tree: dict[str, Any]) -> None:
    closed = make_contest(
        tree["city"],
        starts_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC),
        ends_at=dt.datetime(2020, 2, 1, tzinfo=dt.UTC),
    )
    worker = make_worker(tree["plant"])
    with pytest.raises(Conflict):
        services.attempt_start(user=worker, contest_id=closed.pk)
    district_only = make_contest(tree["yz"], bank=make_bank(tree["yz"]))
    with pytest.raises(NotFound):  # 江北 worker, 渝中 contest
        services.attempt_start(user=worker, contest_id=district_only.pk)
    draft = make_contest(tree["city"], status="draft")
    with pytest.raises(NotFound):
        services.attempt_start(user=worker, contest_id=draft.pk)


def test_best_and_latest_rules(tree: dict[str, Any]) -> None:
    for rule, expected in (("best", 100), ("latest", 0)):
        contest = make_contest(tree["city"], score_rule=rule)
        worker = make_worker(tree["shop"])
        a = services.attempt_start(user=worker, contest_id=contest.pk).attempt
        services.attempt_submit(user=worker, attempt_id=a.pk, answers=right_answers(a))
        b = services.attempt_start(user=worker, contest_id=contest.pk).attempt
        services.attempt_submit(user=worker, attempt_id=b.pk, answers={})
        entry = ContestEntry.objects.get(contest=contest, user=worker)
        assert entry.score == expected
        stat = ContestUnionStat.objects.get(contest=contest, union=tree["shop"])
        assert (stat.participants, stat.score_sum) == (1, expected)


def test_fold_redone_under_the_lock_when_the_entry_changed(tree: dict[str, Any]) -> None:
    """The counted result is updated only if the entry still has the key read with the attempt;
    when it changed in between, the fold re-reads the entry (locked) and decides again."""
    from django.db import connection, transaction

    from yugong.contests.quiz import attempts

    contest = make_contest(tree["city"])
    worker = make_worker(tree["shop"])
    a = services.attempt_start(user=worker, contest_id=contest.pk).attempt
    services.attempt_submit(user=worker, attempt_id=a.pk, answers=right_answers(a))  # 100 points
    entry = ContestEntry.objects.get(contest=contest, user=worker)
    b = services.attempt_start(user=worker, contest_id=contest.pk).attempt
    row = attempts._read("a.id = %s", [b.pk])
    assert row is not None
    row.entry_score, row.entry_key = None, None  # as if read before the first result was counted
    with transaction.atomic(), connection.cursor() as cursor:
        counted, key, changed = attempts._fold(
            cursor, contest, row, b.pk, 50, 1000, b.started_at, entry.rank_key - 1, best=True
        )
    assert (counted, key, changed) == (100, entry.rank_key, False)  # the better stored result stays
    stat = ContestUnionStat.objects.get(contest=contest, union=tree["shop"])
    assert (stat.participants, stat.score_sum) == (1, 100)
