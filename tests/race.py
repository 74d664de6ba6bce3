"""The one race helper for concurrency tests (real threads against PostgreSQL).

``race(n, work)`` runs ``work(i)`` for i in 0..n-1 in ``n`` threads released together by a barrier
and returns, per thread in index order, what ``work`` returned or the exception it raised. Every
thread closes its own database connection. Use it with ``@requires_postgres`` and
``@pytest.mark.django_db(transaction=True)``, and pair each guarded race with an unguarded control
that shows the race is real (see ``yugong/tourism/tests/test_concurrency.py``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import connection


def race(n: int, work: Callable[[int], Any], *, timeout: float = 30) -> list[Any]:
    """Run ``work(i)`` in ``n`` threads released together; the result (or exception) per thread."""
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=timeout)
            results[i] = work(i)
        except Exception as exc:  # noqa: BLE001 - the test inspects what each thread got
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=timeout * 4)
    return results


def outcomes(results: list[Any]) -> list[str]:
    """Each thread's outcome as a sortable label: the exception's class name, or "ok"."""
    return sorted(type(r).__name__ if isinstance(r, BaseException) else "ok" for r in results)
