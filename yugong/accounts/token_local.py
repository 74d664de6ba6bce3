"""The process-local layer of the API token cache, in front of the shared one (``auth.py``).

A client's calls that land on a process which has already seen its token cost no cache round trip:
the row is kept in memory for ``API_TOKEN_LOCAL_SECONDS`` (default 30; ``0`` turns the layer off).
It exists only beside a shared Redis cache, whose publish/subscribe carries the invalidations:

* whatever writes tombstones (``auth._write_tombstones``: revocation, deletion, a user's change)
  drops the hashes here at once and publishes them on ``CHANNEL``; every process's listener thread
  (``process_thread``) drops them from its own memory on receipt (a millisecond later);
* a row is kept only while the listener is subscribed, and only if no invalidation arrived between
  the moment the request started to read it (:func:`epoch`) and the moment it is stored: a request
  that read the token just before a revocation cannot keep it;
* the listener that loses its connection empties the layer and stops it until it has subscribed
  again (a message may have been missed meanwhile); a publish that fails is retried with the
  tombstones (``auth._pending``), and the layer's short lifetime bounds anything else;
* an expired token is refused by the caller's rules (``auth.usable``) on every hit, as before.

The entries are the shared cache's rows (plain values); each request still builds its own ``User``.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.cache import cache

from .process_thread import ProcessThread

logger = logging.getLogger(__name__)

CHANNEL = "yugong:apitoken:forget"
DEFAULT_SECONDS = 30
MAX_ENTRIES = 20_000
PING_SECONDS = 5.0
_ALL = "*"

_lock = threading.Lock()
_rows: dict[str, tuple[Any, float]] = {}  # key hash -> (row, monotonic expiry)
_state: dict[str, Any] = {"epoch": 0, "listening": False}
_clock = time.monotonic  # tests move it forward


def _seconds() -> int:
    return int(getattr(settings, "API_TOKEN_LOCAL_SECONDS", DEFAULT_SECONDS))


def _redis() -> Any:
    """The shared cache's Redis client, or None when the shared cache is not Redis."""
    client = getattr(cache, "client", None)
    get_client = getattr(client, "get_client", None)
    return get_client(write=True) if get_client is not None else None


def enabled() -> bool:
    """On when configured and the shared cache is Redis; starts this process's listener (once per
    process: a forked worker starts its own)."""
    if _seconds() <= 0 or int(getattr(settings, "API_TOKEN_CACHE_SECONDS", 60)) <= 0:
        return False
    _listener.ensure()
    return bool(_state["listening"])


def epoch() -> int:
    """Read before fetching a row; :func:`put` stores it only if no invalidation came since."""
    return int(_state["epoch"])


def get(key_hash: str) -> Any | None:
    entry = _rows.get(key_hash)
    if entry is None or not _state["listening"]:
        return None
    row, expires = entry
    if expires <= _clock():
        _rows.pop(key_hash, None)
        return None
    return row


def put(key_hash: str, row: Any, seen_epoch: int) -> None:
    with _lock:
        if not _state["listening"] or _state["epoch"] != seen_epoch:
            return
        if len(_rows) >= MAX_ENTRIES:
            _rows.clear()
        _rows[key_hash] = (row, _clock() + _seconds())


def drop(hashes: Iterable[str]) -> None:
    """Forget these tokens here (and everything for ``"*"``); any read in flight may not store."""
    with _lock:
        _state["epoch"] += 1
        for key_hash in hashes:
            if key_hash == _ALL:
                _rows.clear()
            else:
                _rows.pop(key_hash, None)


def clear() -> None:
    drop([_ALL])


def publish(hashes: Iterable[str]) -> bool:
    """Tell every process to forget these tokens (this one at once). False when the message could
    not be sent (the caller retries); True when there is no Redis to tell."""
    todo = sorted(set(hashes))
    drop(todo)
    if not todo:
        return True
    try:
        client = _redis()
        if client is not None:
            client.publish(CHANNEL, ",".join(todo))
    except Exception:  # noqa: BLE001 - retried by the caller with its tombstones
        logger.error("could not publish %d API token invalidations", len(todo))
        return False
    return True


# --- the listener --------------------------------------------------------------------------------


def _begin() -> bool:
    """A new process (or a forked child): nothing kept, not listening; no listener without Redis."""
    _state["listening"] = False
    _rows.clear()
    try:
        return _redis() is not None
    except Exception:  # noqa: BLE001 - no layer without the shared cache
        return False


def _listen(gen: int) -> None:
    """Subscribe and apply every message; ping the server every ``PING_SECONDS`` (a connection that
    died without a word is found out); on any failure stop the layer, wait, subscribe again."""
    backoff = 0.5
    while _listener.current(gen):
        pubsub = None
        try:
            pubsub = _redis().pubsub()
            pubsub.subscribe(CHANNEL)
            pinged = answered = time.monotonic()
            while _listener.current(gen):
                message = pubsub.get_message(timeout=1.0)
                if message is not None:
                    answered = time.monotonic()
                    _apply(message)
                    backoff = 0.5
                if time.monotonic() - pinged >= PING_SECONDS:
                    if answered < pinged:  # nothing came back since the last ping
                        raise ConnectionError("no answer to the listener's ping")
                    pubsub.ping()
                    pinged = time.monotonic()
        except Exception:  # noqa: BLE001 - logged; the layer is off until subscribed again
            logger.warning("API token invalidation listener lost its connection", exc_info=True)
        finally:
            if _listener.current(gen):  # a replaced listener leaves the layer to its successor
                _state["listening"] = False
                clear()
            if pubsub is not None:
                with contextlib.suppress(Exception):  # closing a broken connection
                    pubsub.close()
        time.sleep(backoff)
        backoff = min(backoff * 2, 10.0)


_listener = ProcessThread("apitoken-forget", _listen, lock=_lock, begin=_begin)


def _apply(message: dict[str, Any]) -> None:
    kind = message.get("type")
    if kind == "subscribe":
        clear()  # messages may have been missed while not subscribed
        _state["listening"] = True
    elif kind == "message":
        data = message.get("data")
        text = data.decode() if isinstance(data, bytes) else str(data)
        drop(text.split(","))


def wait_listening(timeout_s: float = 5.0) -> bool:
    """Start the listener if needed and wait until it is subscribed (tests, warm-up)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if enabled():
            return True
        time.sleep(0.01)
    return False
