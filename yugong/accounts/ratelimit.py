"""Counters for rate limits and lockouts, kept in the Django cache (Redis in production, so every
app server sees the same counts; local memory in the embedded default).

Only atomic cache operations are used: ``cache.add`` (set if absent, with the window as timeout)
and ``cache.incr`` (Redis ``INCRBY``, which keeps the key's expiry). No read-modify-write, so two
requests racing for the last slot cannot both win.
"""

from __future__ import annotations

import hashlib
import math
import time

from django.core.cache import cache
from django.utils.translation import gettext as _


def key(*parts: object) -> str:
    """A short cache key; identities (usernames, phone indexes) are hashed so keys stay ASCII."""
    ident = hashlib.sha256(":".join(str(p) for p in parts[1:]).encode()).hexdigest()[:32]
    return f"yg:acc:{parts[0]}:{ident}"


def now() -> float:
    return time.time()


def hit(counter: str, *, window: int) -> int:
    """Count one event in a window that starts with the first event; returns the new count."""
    cache.add(counter, 0, timeout=window)
    try:
        return int(cache.incr(counter))
    except ValueError:  # the key expired between add and incr: this event opens a new window
        cache.add(counter, 1, timeout=window)
        return 1


def count(counter: str) -> int:
    """The current count of a :func:`hit` counter (0 when absent or expired)."""
    return int(cache.get(counter) or 0)


def gap_take(name: str, *, seconds: int) -> int:
    """Claim a "once per ``seconds``" slot. Returns 0 when taken, else the seconds left to wait."""
    stamp = now()
    if cache.add(name, stamp, timeout=seconds):
        return 0
    started = cache.get(name)
    if started is None:  # expired just now
        return 0 if cache.add(name, stamp, timeout=seconds) else 1
    left = math.ceil(seconds - (stamp - float(started)))
    if left <= 0:
        # The key outlived its window by our clock (clocks of app servers differ a little): the
        # stored time decides. Two requests meeting exactly here may both pass; harmless.
        cache.set(name, stamp, timeout=seconds)
        return 0
    return left


def lock_set(name: str, *, seconds: int) -> None:
    cache.set(name, now() + seconds, timeout=seconds)


def lock_left(name: str) -> int:
    """Seconds left on a lock (0 when not locked)."""
    until = cache.get(name)
    if until is None:
        return 0
    return max(0, math.ceil(float(until) - now()))


def forget(*names: str) -> None:
    cache.delete_many(list(names))


def wait_text(seconds: int) -> str:
    """ "45 秒" / "15 分钟" / "3 小时" — for messages telling people how long to wait."""
    if seconds < 60:
        return _("%(n)s 秒") % {"n": max(1, seconds)}
    if seconds < 3600:
        return _("%(n)s 分钟") % {"n": math.ceil(seconds / 60)}
    return _("%(n)s 小时") % {"n": math.ceil(seconds / 3600)}
