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

Anyone can check a draw without the platform: download the activity's published record (the
lottery page's 下载抽签数据, ``/activities/<id>/lottery.json``: the commitment, the seed, the
weighting, each pool's places and every entry with its recorded result) and run this file, which
needs only Python's standard library::

    python lottery.py lottery-42.json        # or: python -m yugong.events.lottery lottery-42.json

It prints whether the seed matches the commitment and whether the re-computed winners are the
recorded ones (exit status 0 only when both hold).
"""

from __future__ import annotations

import hashlib
import json
import math
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

_SCALE = float(2**256 + 1)
_BLOCK = 64  # SHA-256's block size: HMAC pads its key to it (hashing a longer key first)
_IPAD = bytes(x ^ 0x36 for x in range(256))
_OPAD = bytes(x ^ 0x5C for x in range(256))


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


def _keys(
    seed: str, activity_id: int, numbers: Iterable[int], prior_wins: Iterable[int], penalty_pct: int
) -> Iterator[float]:
    """Each entry's key, in the order given.

    HMAC-SHA256 (RFC 2104) spelled out over ``hashlib``: the padded key's inner and outer states are
    hashed once and copied per entry — the same digest as ``hmac.new(seed, message, sha256)``
    (``tests/test_lottery.py`` checks it against the ``hmac`` module), without that module's
    per-call Python overhead over 100,000 entries. The weight is computed once per distinct number
    of prior wins, by the same expression."""
    key = seed.encode("utf-8")
    if len(key) > _BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(_BLOCK, b"\0")
    inner_copy = hashlib.sha256(key.translate(_IPAD)).copy
    outer_copy = hashlib.sha256(key.translate(_OPAD)).copy
    prefix = f"{activity_id}:".encode()
    weights: dict[int, float] = {}
    log, from_bytes = math.log, int.from_bytes
    for number, wins in zip(numbers, prior_wins, strict=True):
        inner = inner_copy()
        inner.update(prefix + b"%d" % number)
        outer = outer_copy()
        outer.update(inner.digest())
        u = (from_bytes(outer.digest(), "big") + 1) / _SCALE
        weight = weights.get(wins)
        if weight is None:
            weight = weights[wins] = 1.0 / (1.0 + penalty_pct / 100.0 * wins)
        yield log(u) / weight


def entry_key(seed: str, activity_id: int, entry: Entry, penalty_pct: int) -> float:
    return next(_keys(seed, activity_id, (entry.number,), (entry.prior_wins,), penalty_pct))


def rank(
    *,
    seed: str,
    activity_id: int,
    numbers: Sequence[int],
    pools: Sequence[int],
    prior_wins: Sequence[int],
    places: dict[int, int],
    penalty_pct: int = 0,
) -> Result:
    """The draw over the published list given as three parallel columns (number, pool, prior wins):
    no object per entry. ``draw`` is this over ``Entry`` rows; the database writer calls it on the
    columns it read."""
    by_pool: dict[int, list[tuple[float, int]]] = {}
    keys = _keys(seed, activity_id, numbers, prior_wins, penalty_pct)
    for number, pool, key in zip(numbers, pools, keys, strict=True):
        keyed = by_pool.get(pool)
        if keyed is None:
            keyed = by_pool[pool] = []
        keyed.append((-key, number))  # ascending = highest key first, ties by the lower number
    winners: dict[int, list[int]] = {}
    waiting: dict[int, list[int]] = {}
    for pool, keyed in by_pool.items():
        keyed.sort()
        cut = max(0, places.get(pool, 0))
        winners[pool] = [n for _, n in keyed[:cut]]
        waiting[pool] = [n for _, n in keyed[cut:]]
    return Result(winners=winners, waiting=waiting)


def draw(
    *,
    seed: str,
    activity_id: int,
    entries: Iterable[Entry],
    places: dict[int, int],
    penalty_pct: int = 0,
) -> Result:
    """Rank every pool's entries and cut at its places. Deterministic from the arguments alone."""
    rows = list(entries)
    return rank(
        seed=seed,
        activity_id=activity_id,
        numbers=[e.number for e in rows],
        pools=[e.pool for e in rows],
        prior_wins=[e.prior_wins for e in rows],
        places=places,
        penalty_pct=penalty_pct,
    )


def flat_winners(result: Result) -> Sequence[int]:
    return sorted(n for ns in result.winners.values() for n in ns)


@dataclass(frozen=True)
class Check:
    """A published record checked: the commitment and the winners, re-computed against recorded."""

    commitment_ok: bool
    recomputed: list[int]  # winning sign-up numbers, sorted
    recorded: list[int]

    @property
    def ok(self) -> bool:
        return self.commitment_ok and self.recomputed == self.recorded


def check_published(record: Mapping[str, Any]) -> Check:
    """Re-compute the draw of a published record (the lottery page's JSON download): its ``seed``,
    ``seed_hash``, ``activity``, ``penalty_pct``, ``pools`` (pool -> places) and ``entries``
    (``[number, pool, prior wins, won]``, in number order)."""
    entries = record["entries"]
    result = rank(
        seed=str(record["seed"]),
        activity_id=int(record["activity"]),
        numbers=[int(e[0]) for e in entries],
        pools=[int(e[1]) for e in entries],
        prior_wins=[int(e[2]) for e in entries],
        places={int(pool): int(n) for pool, n in record["pools"].items()},
        penalty_pct=int(record["penalty_pct"]),
    )
    return Check(
        commitment_ok=commitment(str(record["seed"])) == str(record["seed_hash"]),
        recomputed=list(flat_winners(result)),
        recorded=sorted(int(e[0]) for e in entries if e[3]),
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: python lottery.py <published record .json>", file=sys.stderr)
        return 2
    with open(args[0], encoding="utf-8") as f:
        check = check_published(json.load(f))
    print(f"commitment sha256(seed) matches: {'yes' if check.commitment_ok else 'NO'}")
    print(f"winners recomputed: {len(check.recomputed)}; recorded: {len(check.recorded)}")
    print("verified: the draw matches" if check.ok else "verification FAILED: the draw differs")
    return 0 if check.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
