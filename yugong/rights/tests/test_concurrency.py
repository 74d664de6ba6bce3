"""Appeal numbers under concurrency, real threads against PostgreSQL: the first appeals of a new
year (no counter row yet) and a burst of intakes never share a number, and the numbers run 1..N
without gaps."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.db import transaction

from tests.helpers import requires_postgres
from tests.race import race
from yugong.core.timeutil import SHANGHAI
from yugong.rights import services
from yugong.rights.models import Appeal, AppealNumberCounter

from .conftest import Tree

THREADS = 8


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_first_numbers_of_a_new_year_do_not_collide() -> None:
    at = dt.datetime(2031, 1, 1, 0, 0, 5, tzinfo=SHANGHAI)
    assert not AppealNumberCounter.objects.filter(year=2031).exists()

    def allocate(i: int) -> str:
        with transaction.atomic():
            number = services.appeal_number_allocate(at)
            time.sleep(0.05)  # hold the transaction open: the others must wait, not collide
            return number

    numbers = race(THREADS, allocate)
    assert all(isinstance(n, str) for n in numbers), numbers
    assert sorted(numbers) == [f"12351-2031-{i:06d}" for i in range(1, THREADS + 1)]
    assert AppealNumberCounter.objects.get(year=2031).next_value == THREADS + 1


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_rolled_back_allocation_gives_the_number_back() -> None:
    at = dt.datetime(2032, 6, 1, 9, 0, tzinfo=SHANGHAI)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.appeal_number_allocate(at)
        raise RuntimeError("intake failed")
    assert services.appeal_number_allocate(at) == "12351-2032-000001"


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_first_intakes_of_a_year_get_distinct_numbers(tree: Tree) -> None:
    at = dt.datetime(2033, 1, 1, 0, 1, tzinfo=SHANGHAI)

    def intake(i: int) -> Appeal:
        return services.appeal_create(
            actor=tree.operator,
            channel="hotline",
            category="wages",
            facts=f"新年第一通来电 {i}",
            caller_name="张三",
            caller_phone=f"1391234{i:04d}",
            employer=tree.employer,
            at=at,
        )

    results = race(THREADS, intake)
    assert all(isinstance(r, Appeal) for r in results), results
    numbers = sorted(r.number for r in results)
    assert numbers == [f"12351-2033-{i:06d}" for i in range(1, THREADS + 1)]
    assert Appeal.objects.filter(number__startswith="12351-2033-").count() == THREADS
