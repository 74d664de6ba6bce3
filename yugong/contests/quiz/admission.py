"""The waiting room for synchronized starts (no database work).

``CONTESTS_START_RATE`` (settings, else the environment; 0 = off) is how many starts per second
all app servers together let through to the database. Each start reserves the next free slot on
one shared clock per contest (GCRA: the slot is ``max(now, previous slot + 1/rate)``, one atomic
Redis script call; the local-memory cache of the embedded default keeps the clock per process).
A start whose slot is due within ``CONTESTS_START_BURST_MS`` (default 1,000: up to one second's
worth at once) goes in; any other gets a signed **ticket** for its slot, its place in the queue and
how long to wait (HTTP 202 + ``Retry-After``). Coming back with the ticket (header
``X-Queue-Ticket``) keeps the place: no new slot is taken, and once the slot is due the start is
admitted. So the queue is first come, first served, and the database sees at most the rate.

A ticket is bound to the contest and the user (``django.core.signing``), so it can be neither
shared nor forged; it is good for ``TICKET_MAX_AGE`` seconds after its slot.
"""

from __future__ import annotations

import math
import os
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.core import signing

from . import leaderboard

TICKET_SALT = "yugong.contests.queue"
TICKET_MAX_AGE = 600  # seconds after its slot

# KEYS[1] = the contest's clock (µs of the next free slot); ARGV = now µs, interval µs, TTL ms.
_RESERVE = """
local t = tonumber(redis.call('GET', KEYS[1]) or '0')
local now = tonumber(ARGV[1])
if t < now then t = now end
redis.call('SET', KEYS[1], t + tonumber(ARGV[2]), 'PX', tonumber(ARGV[3]))
return t
"""

_local_lock = threading.Lock()
_local_clock: dict[int, int] = {}
_script: object | None = None


def _setting_int(name: str, default: int) -> int:
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name)
    try:
        return int(str(value)) if value not in (None, "") else default
    except (TypeError, ValueError):
        return default


def start_rate() -> int:
    return max(0, _setting_int("CONTESTS_START_RATE", 0))


@dataclass(frozen=True, slots=True)
class Admission:
    admitted: bool
    retry_after: int = 0  # seconds
    position: int = 0  # about how many starts are ahead
    ticket: str = ""


def _now_us() -> int:
    return time.time_ns() // 1000


def _reserve(contest_id: int, now_us: int, interval_us: int) -> int:
    """The start time (µs) of the slot this start gets."""
    if leaderboard.redis_cache():
        global _script
        conn = leaderboard._conn()
        if _script is None:
            _script = conn.register_script(_RESERVE)
        key = f"{leaderboard.key_prefix()}:contests:queue:{contest_id}"
        return int(_script(keys=[key], args=[now_us, interval_us, 600_000]))  # type: ignore[operator]
    with _local_lock:
        slot = max(_local_clock.get(contest_id, 0), now_us)
        _local_clock[contest_id] = slot + interval_us
        return slot


def _ticket(contest_id: int, user_id: int, slot_us: int) -> str:
    return signing.dumps([contest_id, user_id, slot_us], salt=TICKET_SALT, compress=False)


def _read_ticket(ticket: str, contest_id: int, user_id: int) -> int | None:
    try:
        c, u, slot = signing.loads(ticket, salt=TICKET_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if c != contest_id or u != user_id or not isinstance(slot, int):
        return None
    return slot


def admit_start(*, contest_id: int, user_id: int, ticket: str | None = None) -> Admission:
    rate = start_rate()
    if rate <= 0:
        return Admission(True)
    interval_us = max(1, 1_000_000 // rate)
    burst_us = max(0, _setting_int("CONTESTS_START_BURST_MS", 1000)) * 1000
    now_us = _now_us()
    slot = _read_ticket(ticket, contest_id, user_id) if ticket else None
    if slot is not None and now_us - slot > TICKET_MAX_AGE * 1_000_000:
        slot = None  # stale: queue again
    kept = slot is not None
    if slot is None:
        slot = _reserve(contest_id, now_us, interval_us)
    wait_us = slot - now_us
    if wait_us <= (burst_us if not kept else 0):
        return Admission(True)
    # Come back when the slot is due (a ticket holder is let in at its slot, without the burst).
    return Admission(
        False,
        retry_after=max(1, math.ceil(wait_us / 1_000_000)),
        position=max(1, wait_us // interval_us),
        ticket=ticket if kept and ticket else _ticket(contest_id, user_id, slot),
    )


def queue_forget(contest_id: int) -> None:
    """Reset a contest's queue clock (tests; after an aborted synchronized start)."""
    if leaderboard.redis_cache():
        leaderboard._conn().delete(f"{leaderboard.key_prefix()}:contests:queue:{contest_id}")
    with _local_lock:
        _local_clock.pop(contest_id, None)
