"""Contest leaderboards.

Individuals: ordered by :func:`yugong.contests.models.rank_key` (score desc, time used asc, time of
the counted submission asc) and then the user id asc. With Redis configured (``REDIS_URL``, the
default cache is django-redis) a sorted set per contest answers top N and "my rank" in O(log n):
members are the user id zero-padded to 12 digits and the score is ``-rank_key`` so that ZRANK's
ascending order — equal scores by member, lexicographically — is exactly the database order
``ORDER BY rank_key DESC, user_id ASC``. Without Redis (or when ``CONTESTS_LEADERBOARD_REDIS`` is
False) the same answers come from the database through the ``contests_entry_rank`` index.

The sorted set is a projection of ``ContestEntry``: written after commit, rebuilt from the
database when its ``ready`` marker is missing (Redis flushed, a new contest).

Unions, enterprises and districts: participation rate (participants ÷ current members) and the
average counted score, summed over each union's subtree from :class:`ContestUnionStat` rows (the
rollup, per process for ``CONTESTS_BOARD_SECONDS``, default 30); each board is rendered to its JSON
once per rollup generation and kept in the shared cache, so a hit is one cache call.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Q

from yugong.orgs import tree
from yugong.orgs.models import Union

from ..models import Contest, ContestEntry, ContestUnionStat, rank_key_parts

MEMBER_WIDTH = 12


@dataclass(frozen=True)
class Row:
    rank: int
    user_id: int
    name: str
    score: int
    tenths_used: int
    rank_key: int


def _member(user_id: int) -> str:
    return f"{user_id:0{MEMBER_WIDTH}d}"


def redis_cache() -> bool:
    """The default cache is Redis (django-redis)."""
    return "django_redis" in str(settings.CACHES.get("default", {}).get("BACKEND", ""))


def redis_enabled() -> bool:
    return bool(getattr(settings, "CONTESTS_LEADERBOARD_REDIS", True)) and redis_cache()


def key_prefix() -> str:
    return str(settings.CACHES.get("default", {}).get("KEY_PREFIX", "yg") or "yg")


def _conn() -> Any:
    from django_redis import get_redis_connection

    return get_redis_connection("default")


def _key(contest_id: int) -> str:
    return f"{key_prefix()}:contests:lb:{contest_id}"


# --- writes (after commit) ----------------------------------------------------------------


def redis_push(contest_id: int, user_id: int, key: int, *, best: bool) -> None:
    """Put a counted result into the sorted set (if the set is live). ``best``: keep the better of
    the stored and the new value (ZADD LT on the negated key)."""
    if not redis_enabled():
        return
    conn = _conn()
    zkey = _key(contest_id)
    pipe = conn.pipeline(transaction=False)
    pipe.exists(zkey + ":ready", zkey + ":building")
    if best:
        pipe.zadd(zkey, {_member(user_id): -key}, lt=True)
    else:
        pipe.zadd(zkey, {_member(user_id): -key})
    live, _added = pipe.execute()
    if not live:
        # The set is not built: drop what we wrote; the next read rebuilds it from the database.
        conn.zrem(zkey, _member(user_id))


def push_and_rank(contest_id: int, user_id: int, key: int | None, *, best: bool) -> int | None:
    """After a scored submission: write the counted result (``key``; None when it did not change)
    and read the participant's rank back, in one pipelined round trip. None when the set is not
    built (the next read rebuilds it from the database)."""
    conn = _conn()
    zkey = _key(contest_id)
    member = _member(user_id)
    pipe = conn.pipeline(transaction=False)
    pipe.exists(zkey + ":ready")
    pipe.exists(zkey + ":building")
    if key is not None:
        pipe.zadd(zkey, {member: -key}, lt=best)
    pipe.zrank(zkey, member)
    answers = pipe.execute()
    ready, building, rank = answers[0], answers[1], answers[-1]
    if not ready and not building:
        if key is not None:  # not built: drop what we wrote; the next read rebuilds the set
            conn.zrem(zkey, member)
        return None
    if building or rank is None:
        return None
    return int(rank) + 1


def redis_rebuild(contest_id: int, *, chunk: int = 20_000) -> int:
    """Rebuild the sorted set from the database (bounded chunks, keyset on the user id)."""
    conn = _conn()
    zkey = _key(contest_id)
    conn.set(zkey + ":building", 1, ex=600)
    conn.delete(zkey + ":ready")
    conn.delete(zkey)
    total = 0
    after = 0
    while True:
        rows: list[tuple[int, int]] = [
            (u, k)
            for u, k in ContestEntry.objects.filter(
                contest_id=contest_id, rank_key__isnull=False, user_id__gt=after
            )
            .order_by("user_id")
            .values_list("user_id", "rank_key")[:chunk]
            if k is not None
        ]
        if not rows:
            break
        conn.zadd(zkey, {_member(u): -k for u, k in rows}, lt=True)
        total += len(rows)
        after = rows[-1][0]
    conn.set(zkey + ":ready", 1)
    conn.delete(zkey + ":building")
    return total


def redis_drop(contest_id: int) -> None:
    if redis_enabled():
        zkey = _key(contest_id)
        _conn().delete(zkey, zkey + ":ready", zkey + ":building")


def _ensure_built(contest_id: int) -> Any:
    conn = _conn()
    if not conn.exists(_key(contest_id) + ":ready"):
        redis_rebuild(contest_id)
    return conn


# --- reads ----------------------------------------------------------------------------------


NAME_SECONDS = 60
# (contest, user) → (monotonic time read, display name): the names of the top rows change rarely,
# so a board reads them once a minute per process, not per request (bounded; a new contest with the
# same id — SQLite reuses ids after a rollback — drops its entries: see :func:`contest_changed`).
_name_cache: dict[tuple[int, int], tuple[float, str]] = {}


def _names(contest_id: int, user_ids: list[int]) -> dict[int, str]:
    """Display names of the entries of ``user_ids``: one query for those not cached."""
    if not user_ids:
        return {}
    at = time.monotonic()
    out: dict[int, str] = {}
    missing: list[int] = []
    for u in user_ids:
        hit = _name_cache.get((contest_id, u))
        if hit is not None and at - hit[0] < NAME_SECONDS:
            out[u] = hit[1]
        else:
            missing.append(u)
    if missing:
        found = dict(
            ContestEntry.objects.filter(contest_id=contest_id, user_id__in=missing).values_list(
                "user_id", "display_name"
            )
        )
        if len(_name_cache) > 20_000:
            _name_cache.clear()
        for u in missing:
            out[u] = found.get(u, "")
            _name_cache[(contest_id, u)] = (at, out[u])
    return out


def _row(rank: int, user_id: int, key: int, names: dict[int, str]) -> Row:
    score, tenths, _secs = rank_key_parts(key)
    return Row(rank, user_id, names.get(user_id, ""), score, tenths, key)


def top(contest_id: int, n: int = 10, *, use_redis: bool | None = None) -> list[Row]:
    n = max(1, min(n, 200))
    if redis_enabled() if use_redis is None else use_redis:
        conn = _ensure_built(contest_id)
        pairs = [(int(m), int(-s)) for m, s in conn.zrange(_key(contest_id), 0, n - 1, withscores=True)]
    else:
        pairs = [
            (u, k)
            for u, k in ContestEntry.objects.filter(contest_id=contest_id, rank_key__isnull=False)
            .order_by("-rank_key", "user_id")
            .values_list("user_id", "rank_key")[:n]
            if k is not None
        ]
    names = _names(contest_id, [u for u, _k in pairs])
    return [_row(i + 1, u, k, names) for i, (u, k) in enumerate(pairs)]


def my_rank(
    contest_id: int, user_id: int, *, use_redis: bool | None = None, key: int | None = None
) -> tuple[int, int] | None:
    """(rank, rank_key) of the user, or None when they have no counted score. ``key``: the
    user's rank key when the caller knows it (the database path then counts only)."""
    if redis_enabled() if use_redis is None else use_redis:
        conn = _ensure_built(contest_id)
        pipe = conn.pipeline(transaction=False)
        pipe.zrank(_key(contest_id), _member(user_id))
        pipe.zscore(_key(contest_id), _member(user_id))
        rank, score = pipe.execute()
        if rank is None or score is None:
            return None
        return int(rank) + 1, int(-score)
    if key is None:
        key = (
            ContestEntry.objects.filter(contest_id=contest_id, user_id=user_id)
            .values_list("rank_key", flat=True)
            .first()
        )
    if key is None:
        return None
    ahead = ContestEntry.objects.filter(contest_id=contest_id).filter(
        Q(rank_key__gt=key) | Q(rank_key=key, user_id__lt=user_id)
    )
    return ahead.count() + 1, key


def participants(contest_id: int, *, use_redis: bool | None = None) -> int:
    if redis_enabled() if use_redis is None else use_redis:
        conn = _ensure_built(contest_id)
        return int(conn.zcard(_key(contest_id)))
    return ContestEntry.objects.filter(contest_id=contest_id, rank_key__isnull=False).count()


@dataclass(frozen=True)
class Board:
    top: list[Row]
    mine: tuple[int, int] | None
    participants: int


def board(contest_id: int, user_id: int, n: int = 10, *, use_redis: bool | None = None) -> Board:
    """Top ``n``, the user's (rank, key) and the participant count in one go: on Redis one
    pipelined round trip (EXISTS ready, ZRANGE, ZRANK, ZSCORE, ZCARD); the names of the top rows
    from the per-process name cache (one query for those not in it)."""
    if not (redis_enabled() if use_redis is None else use_redis):
        return Board(
            top(contest_id, n, use_redis=False) if n else [],
            my_rank(contest_id, user_id, use_redis=False),
            participants(contest_id, use_redis=False),
        )
    conn = _conn()
    zkey = _key(contest_id)
    for _attempt in range(2):
        # the readiness check rides in the same round trip; a missing set is rebuilt, then read again
        pipe = conn.pipeline(transaction=False)
        pipe.exists(zkey + ":ready")
        pipe.zrange(zkey, 0, max(0, min(n, 200)) - 1, withscores=True)
        pipe.zrank(zkey, _member(user_id))
        pipe.zscore(zkey, _member(user_id))
        pipe.zcard(zkey)
        ready, raw_top, rank, score, count = pipe.execute()
        if ready:
            break
        redis_rebuild(contest_id)
    pairs = [(int(m), int(-s)) for m, s in raw_top] if n else []
    names = _names(contest_id, [u for u, _k in pairs])
    mine = (int(rank) + 1, int(-score)) if rank is not None and score is not None else None
    return Board([_row(i + 1, u, k, names) for i, (u, k) in enumerate(pairs)], mine, int(count))


# --- one union's people ----------------------------------------------------------------------
# A worker's own union (where they took part: ``ContestEntry.union``) ranks its people by the same
# order as the contest board. Straight from the database through ``contests_entry_union_rank``
# (contest, union, rank_key, user): a union's entries are a short index range, so no Redis set per
# union is kept. Two queries whatever the size of the union or the contest.


def union_people_board(
    contest_id: int, union_id: int, user_id: int, n: int = 10, *, key: int | None
) -> Board:
    """The top ``n`` of one union's participants (names from the entries, same query), the user's
    (rank, key) inside that union and the union's number of participants. ``key``: the user's rank
    key when their counted result belongs to this union (their entry's), else None."""
    n = max(0, min(n, 200))
    scored = ContestEntry.objects.filter(contest_id=contest_id, union_id=union_id, rank_key__isnull=False)
    rows = list(
        scored.order_by("-rank_key", "user_id").values_list("user_id", "rank_key", "display_name")[:n]
    )
    names = {u: name for u, _k, name in rows}
    top_rows = [_row(i + 1, u, k, names) for i, (u, k, _name) in enumerate(rows) if k is not None]
    if key is None:
        return Board(top_rows, None, scored.count())
    figures = scored.aggregate(
        total=Count("id"),
        ahead=Count("id", filter=Q(rank_key__gt=key) | Q(rank_key=key, user_id__lt=user_id)),
    )
    return Board(top_rows, (int(figures["ahead"]) + 1, key), int(figures["total"]))


# --- union boards ---------------------------------------------------------------------------

LEVELS = ("children", "district", "grassroots")


@dataclass(frozen=True)
class UnionRow:
    union_id: int
    name: str
    kind: str
    participants: int
    members: int
    rate: float | None
    average: float | None


def _board_seconds() -> int:
    return int(getattr(settings, "CONTESTS_BOARD_SECONDS", 30))


@dataclass(frozen=True)
class _Rollup:
    """One generation of a contest's figures. ``stamp``: wall time computed (not monotonic: a
    board rendered from it carries it, and stamps are compared across processes with the
    contest's "fresh after" marker, see :func:`rollup_forget`). ``sums``: path → (participants,
    score sum, members) of that union's subtree. ``unions``: every active union of the organiser's
    subtree as (id, parent id, path, kind, its row for the API) **in board order** — the order
    does not depend on the board's node, so a board is the first ``limit`` unions that match it."""

    stamp: float
    organiser_path: str
    sums: dict[str, tuple[int, int, int]]
    unions: list[tuple[int, int | None, str, str, dict[str, Any]]]


_rollups: dict[int, _Rollup] = {}
_rollup_lock = threading.Lock()
_ZERO = (0, 0, 0)


def _union_row(pk: int, name: str, kind: str, figures: tuple[int, int, int]) -> dict[str, Any]:
    n, s, m = figures
    return {
        "union_id": pk,
        "name": name,
        "kind": kind,
        "participants": n,
        "members": m,
        "rate": round(n / m, 4) if m else None,
        "average": round(s / n, 2) if n else None,
    }


def _board_order(row: dict[str, Any]) -> tuple[float, float, str, int]:
    """Participation rate desc, then average score desc, then name, then id."""
    return (-(row["rate"] or 0.0), -(row["average"] or 0.0), row["name"], row["union_id"])


def _rollup(contest_id: int, organiser_path: str, *, not_before: float = 0.0) -> _Rollup:
    """The contest's current generation, kept per process for ``CONTESTS_BOARD_SECONDS`` (and
    recomputed when older than ``not_before``, the contest's "fresh after" marker). Two queries:
    the contest's union stats (summed into every ancestor's path) and the active unions of the
    organiser's subtree; every board of a node inside that subtree renders from it without one."""
    with _rollup_lock:
        hit = _rollups.get(contest_id)
    if (
        hit is not None
        and hit.organiser_path == organiser_path
        and hit.stamp > not_before
        and time.time() - hit.stamp < _board_seconds()
    ):
        return hit
    stamp = time.time()
    sums: dict[str, list[int]] = {}
    stats = ContestUnionStat.objects.filter(contest_id=contest_id).values_list(
        "union__path", "participants", "score_sum", "members"
    )
    # plain fetches, not .iterator(): on PostgreSQL a server-side cursor fetches 100 rows a round trip
    for path, n, s, m in stats:
        for up in tree.ancestor_paths(path):  # the union itself and every ancestor
            acc = sums.get(up)
            if acc is None:
                sums[up] = [n, s, m]
            else:
                acc[0] += n
                acc[1] += s
                acc[2] += m
    frozen = {p: (a[0], a[1], a[2]) for p, a in sums.items()}
    unions: list[tuple[int, int | None, str, str, dict[str, Any]]] = [
        (pk, parent_id, path, kind, _union_row(pk, name, kind, frozen.get(path, _ZERO)))
        for pk, parent_id, path, name, kind in Union.objects.filter(
            tree.in_subtrees(organiser_path, path_field="path"), status=Union.Status.ACTIVE
        ).values_list("id", "parent_id", "path", "name", "kind")
    ]
    unions.sort(key=lambda u: _board_order(u[4]))
    gen = _Rollup(stamp, organiser_path, frozen, unions)
    with _rollup_lock:
        _rollups[contest_id] = gen
    return gen


def _board_key(contest_id: int, parent_id: int, level: str, limit: int) -> str:
    return f"contests:ub:{contest_id}:{parent_id}:{level}:{limit}"


def _fresh_key(contest_id: int) -> str:
    return f"contests:ub:{contest_id}:fresh"


def rollup_forget(contest_id: int | None = None) -> None:
    """Forget the rollups (and, for one contest, its rendered boards in every process: the shared
    cache gets a "fresh after now" marker that older boards and rollups fail)."""
    with _rollup_lock:
        if contest_id is None:
            _rollups.clear()
            _name_cache.clear()
        else:
            _rollups.pop(contest_id, None)
    if contest_id is not None:
        cache.set(_fresh_key(contest_id), time.time(), _board_seconds() + 5)


def contest_changed(contest_id: int) -> None:
    """A contest row was saved (created, published, closed, edited): its boards start afresh and
    its cached names go (a new contest may reuse an id after a rolled-back transaction)."""
    rollup_forget(contest_id)
    for k in [k for k in list(_name_cache) if k[0] == contest_id]:
        _name_cache.pop(k, None)


def _normal(level: str, limit: int) -> tuple[str, int]:
    return (level if level in LEVELS else "children"), max(1, min(limit, 500))


def union_board_cached(contest_id: int, parent_id: int, *, level: str, limit: int) -> tuple[str, str] | None:
    """(the parent's path, the rendered rows as JSON) of a board rendered in the last
    ``CONTESTS_BOARD_SECONDS`` by any process — one cache call (the board and the contest's "fresh
    after" marker in one ``get_many``) — or None. The caller checks the parent path against the
    actor's scope before answering with it."""
    level, limit = _normal(level, limit)
    bk, fk = _board_key(contest_id, parent_id, level, limit), _fresh_key(contest_id)
    got = cache.get_many([bk, fk])
    hit = got.get(bk)
    if hit is None or hit[0] <= float(got.get(fk) or 0.0):
        return None
    return hit[1], hit[2]


_GRASSROOTS = (Union.Kind.GRASSROOTS, Union.Kind.JOINT)


def union_board_render(
    contest_id: int, parent: Union, *, organiser_path: str, level: str = "children", limit: int = 50
) -> str:
    """Render the board (see :func:`union_board`) as the JSON list the API sends
    (``UnionRowOut``), keep it in the shared cache for the rest of its rollup's life, return it.
    ``organiser_path``: the path of the contest's organiser."""
    level, limit = _normal(level, limit)
    fresh = float(cache.get(_fresh_key(contest_id)) or 0.0)
    gen = _rollup(contest_id, organiser_path, not_before=fresh)
    rows: list[dict[str, Any]] = []
    if tree.within(parent.path, organiser_path):
        # every target is in the rollup, already in board order: take the first that match
        prefix, pk = parent.path, parent.pk
        for _uid, parent_id, path, kind, row in gen.unions:
            if level == "children":
                wanted = parent_id == pk
            elif level == "district":
                wanted = kind == Union.Kind.DISTRICT and tree.within(path, prefix)
            else:
                wanted = kind in _GRASSROOTS and tree.within(path, prefix)
            if wanted:
                rows.append(row)
                if len(rows) == limit:
                    break
    else:  # a node above the organiser (staff of the city, a district's contest): ask the tree
        targets_qs = Union.objects.filter(status=Union.Status.ACTIVE)
        if level == "children":
            targets_qs = targets_qs.filter(parent_id=parent.pk)
        elif level == "district":
            targets_qs = targets_qs.filter(
                tree.in_subtrees(parent.path, path_field="path"), kind=Union.Kind.DISTRICT
            )
        else:
            targets_qs = targets_qs.filter(
                tree.in_subtrees(parent.path, path_field="path"), kind__in=_GRASSROOTS
            )
        rows = [
            _union_row(pk, name, kind, gen.sums.get(path, _ZERO))
            for pk, path, name, kind in targets_qs.values_list("id", "path", "name", "kind")
        ]
        rows.sort(key=_board_order)
        rows = rows[:limit]
    text = json.dumps(rows, ensure_ascii=False, separators=(",", ":"))
    left = _board_seconds() - (time.time() - gen.stamp)
    if left >= 1:
        cache.set(_board_key(contest_id, parent.pk, level, limit), (gen.stamp, parent.path, text), int(left))
    return text


def union_board(
    contest: Contest, parent: Union, *, level: str = "children", limit: int = 50
) -> list[UnionRow]:
    """Unions under ``parent`` (its children, or every district / grassroots union in its
    subtree) by participation rate desc, then average score desc, then name. Each figure is the
    union's whole subtree (from :func:`_rollup`). The caller has checked access to ``parent``.
    Rendered once per rollup generation for all processes (:func:`union_board_render`)."""
    hit = union_board_cached(contest.pk, parent.pk, level=level, limit=limit)
    if hit is not None:
        text = hit[1]
    else:
        text = union_board_render(
            contest.pk, parent, organiser_path=contest.organiser.path, level=level, limit=limit
        )
    return [UnionRow(**row) for row in json.loads(text)]
