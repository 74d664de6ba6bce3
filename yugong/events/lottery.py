"""The verifiable lottery, as a pure function anyone can re-run.

The organiser commits to a secret seed by publishing ``sha256(seed)`` before sign-up closes and
reveals the seed at the draw. Every entry is ranked by a key that depends only on the seed and the
published list:

    u      = (int(HMAC-SHA256(seed, "<activity id>:<sign-up number>")) + 1) / (2**256 + 1)   in (0, 1)
    weight = 1 / (1 + penalty_pct / 100 * prior_wins)
    key    = ln(u) / weight                                  (higher key wins)

This is Efraimidis–Spirakis weighted sampling without replacement: with ``penalty_pct = 0`` every
entry is equally likely; with ``penalty_pct = 100`` an entry that already won once has half the
weight of one that never won. Ties (practically impossible) fall back to the sign-up number. Each
pool (a quota, or the organiser's own unallocated places) is drawn on its own: its first ``places``
entries by key win, the rest form the waiting list in that order.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

_SCALE = float(2**256 + 1)


@dataclass(frozen=True)
class Entry:
    number: int  # the public sign-up number
    pool: int  # the quota id (0 for the organiser's own places)
    prior_wins: int = 0


@dataclass(frozen=True)
class Result:
    winners: dict[int, list[int]]  # pool -> sign-up numbers in rank order
    waiting: dict[int, list[int]]  # pool -> sign-up numbers in waiting order


def commitment(seed: str) -> str:
    return hashlib.sha256(seed.encode("utf-8")).hexdigest()


def entry_key(seed: str, activity_id: int, entry: Entry, penalty_pct: int) -> float:
    return _key(hmac.new(seed.encode("utf-8"), digestmod=hashlib.sha256), activity_id, entry, penalty_pct)


def _key(keyed: hmac.HMAC, activity_id: int, entry: Entry, penalty_pct: int) -> float:
    """``entry_key`` from an HMAC already keyed with the seed (copied per entry: the same digest as
    ``hmac.new(seed, message)``, without setting the key up again for each of 100,000 entries)."""
    mac = keyed.copy()
    mac.update(f"{activity_id}:{entry.number}".encode())
    u = (int.from_bytes(mac.digest(), "big") + 1) / _SCALE
    weight = 1.0 / (1.0 + penalty_pct / 100.0 * entry.prior_wins)
    return math.log(u) / weight


def draw(
    *,
    seed: str,
    activity_id: int,
    entries: Iterable[Entry],
    places: dict[int, int],
    penalty_pct: int = 0,
) -> Result:
    """Rank every pool's entries and cut at its places. Deterministic from the arguments alone."""
    by_pool: dict[int, list[tuple[float, int]]] = {}
    mac = hmac.new(seed.encode("utf-8"), digestmod=hashlib.sha256)
    for e in entries:
        by_pool.setdefault(e.pool, []).append((_key(mac, activity_id, e, penalty_pct), e.number))
    winners: dict[int, list[int]] = {}
    waiting: dict[int, list[int]] = {}
    for pool, keyed in by_pool.items():
        keyed.sort(key=lambda kn: (-kn[0], kn[1]))
        cut = max(0, places.get(pool, 0))
        winners[pool] = [n for _, n in keyed[:cut]]
        waiting[pool] = [n for _, n in keyed[cut:]]
    return Result(winners=winners, waiting=waiting)


def flat_winners(result: Result) -> Sequence[int]:
    return sorted(n for ns in result.winners.values() for n in ns)
