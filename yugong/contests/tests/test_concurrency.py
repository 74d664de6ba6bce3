"""The same submission twice — concurrently, real threads on PostgreSQL — is scored once; a burst
of concurrent starts by one person opens one attempt and takes one try."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest

from tests.helpers import requires_postgres
from tests.race import race
from yugong.contests import services
from yugong.contests.models import Attempt, ContestEntry, ContestUnionStat
from yugong.core.errors import ApplicationError
from yugong.core.facts import fact_total

from .conftest import make_contest, make_worker, right_answers

THREADS = 8


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_scored_once(tree: dict[str, Any]) -> None:
    contest = make_contest(tree["city"])
    worker = make_worker(tree["shop"])
    attempt = services.attempt_start(user=worker, contest_id=contest.pk).attempt
    answers = right_answers(attempt)
    results = race(
        THREADS, lambda _i: services.attempt_submit(user=worker, attempt_id=attempt.pk, answers=answers)
    )
    assert len(results) == THREADS
    assert all(isinstance(r, services.Submitted) for r in results), results
    assert sum(1 for r in results if not r.already) == 1
    assert {r.attempt.score for r in results} == {100}
    stat = ContestUnionStat.objects.get(contest=contest, union=tree["shop"])
    assert (stat.participants, stat.score_sum) == (1, 100)
    assert fact_total(metric="contest_participants", union_ids=[tree["shop"].pk]) == 1
    assert ContestEntry.objects.get(contest=contest, user=worker).score == 100


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_starts_open_one_attempt(tree: dict[str, Any]) -> None:
    contest = make_contest(tree["city"], tries_per_day=3)
    worker = make_worker(tree["shop"])
    results = race(THREADS, lambda _i: services.attempt_start(user=worker, contest_id=contest.pk))
    assert all(isinstance(r, services.Started) for r in results), results
    assert len({r.attempt.pk for r in results}) == 1
    assert Attempt.objects.filter(contest=contest, user=worker).count() == 1
    assert ContestEntry.objects.get(contest=contest, user=worker).day_tries == 1


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_control_without_the_guard_the_same_submission_is_scored_twice(tree: dict[str, Any]) -> None:
    """CONTROL: the same race with the ``state = 'open'`` conditions dropped (check in Python, then
    write) scores the submission in several requests and counts the union twice — the race the
    conditional UPDATE prevents really happens."""
    contest = make_contest(tree["city"])
    worker = make_worker(tree["shop"])
    attempt = services.attempt_start(user=worker, contest_id=contest.pk).attempt
    answers = right_answers(attempt)
    results = race(
        THREADS,
        lambda _i: services.attempt_submit(
            user=worker, attempt_id=attempt.pk, answers=answers, _unsafe_no_guard=True
        ),
    )
    scored = [r for r in results if isinstance(r, services.Submitted) and not r.already]
    assert len(scored) > 1, "the unguarded path should have scored the submission twice; no race showed"
    stat = ContestUnionStat.objects.get(contest=contest, union=tree["shop"])
    assert stat.participants > 1 and stat.score_sum > 100  # one person counted more than once


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_starts_with_an_entry_take_one_try(tree: dict[str, Any]) -> None:
    """The steady state (the entry exists): a burst of starts by one person opens one attempt and
    takes one try; after submitting, the next burst opens exactly one more."""
    contest = make_contest(tree["city"], tries_per_day=5)
    worker = make_worker(tree["shop"])
    services.material_confirm(user=worker, contest_id=contest.pk)  # makes the entry
    for round_ in (1, 2):
        results = race(THREADS, lambda _i: services.attempt_start(user=worker, contest_id=contest.pk))
        assert all(isinstance(r, services.Started) for r in results), results
        assert len({r.attempt.pk for r in results}) == 1
        assert sum(1 for r in results if not r.resumed) == 1
        assert ContestEntry.objects.get(contest=contest, user=worker).day_tries == round_
        services.attempt_submit(user=worker, attempt_id=results[0].attempt.pk, answers={})
    assert Attempt.objects.filter(contest=contest, user=worker).count() == 2


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_tries_per_day_hold_under_a_burst_of_start_and_submit(tree: dict[str, Any]) -> None:
    """Threads that start and submit in a loop cannot take more tries than the day allows."""
    contest = make_contest(tree["city"], tries_per_day=3)
    worker = make_worker(tree["shop"])

    def loop() -> int:
        taken = 0
        for _i in range(3):
            try:
                started = services.attempt_start(user=worker, contest_id=contest.pk)
            except ApplicationError:
                continue
            taken += 0 if started.resumed else 1
            with contextlib.suppress(ApplicationError):
                services.attempt_submit(user=worker, attempt_id=started.attempt.pk, answers={})
        return taken

    results = race(THREADS, lambda _i: loop())
    assert sum(r for r in results if isinstance(r, int)) == 3
    assert Attempt.objects.filter(contest=contest, user=worker).count() == 3
    assert ContestEntry.objects.get(contest=contest, user=worker).day_tries == 3
