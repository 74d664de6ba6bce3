"""Time the pure lottery over a city-wide list: ``python -m yugong.events.bench_lottery [N]``.

No database: it measures the ranking anyone re-runs to verify a draw (100,000 sign-ups, 2,000
places over 40 quota pools, a third of them with a prior win, weighting on)."""

from __future__ import annotations

import sys
import time

from yugong.events import lottery


def main(n: int = 100_000) -> float:
    entries = [
        lottery.Entry(number=i, pool=i % 40, prior_wins=1 if i % 3 == 0 else 0) for i in range(1, n + 1)
    ]
    places = {p: 50 for p in range(40)}
    started = time.perf_counter()
    result = lottery.draw(seed="bench-seed", activity_id=1, entries=entries, places=places, penalty_pct=100)
    elapsed = time.perf_counter() - started
    winners = sum(len(w) for w in result.winners.values())
    print(f"{n} sign-ups, {winners} winners drawn in {elapsed:.3f} s")
    return elapsed


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
