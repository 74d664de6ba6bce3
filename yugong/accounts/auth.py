"""API authentication: bearer tokens (``Authorization: Bearer <token>``) or the page session
(with its CSRF check). Either way the request acts with exactly the rights of its user.

Token look-up cache (the shared Django cache: Redis in production, local memory embedded)
-----------------------------------------------------------------------------------------
Every API request of a client authenticates its token. The token row and its user's columns are
kept in the shared cache under ``apitoken:<sha-256 of the token>`` (only hashes are keys, the token
itself is never kept; the user's password hash is not cached, its phone stays ciphertext), so that
a client's next call — on any process — costs one cache read instead of a query.

Invalidation is immediate, on every process, and cannot be undone by a request in flight:

* whatever makes a token unusable writes a **tombstone** over its key: revoking it
  (:func:`yugong.accounts.services.api_token_revoke`, and any ``save()``/``delete()`` of the row,
  the admin site included), and any ``save()``/``delete()`` of its user (deactivation included;
  ``receivers.py``), at once *and* again after commit;
* a miss stores the row it read with ``cache.add``, which never overwrites: a request that read the
  token just before a revocation committed finds the tombstone in place and stores nothing; one
  whose ``add`` came first is overwritten by the revocation's tombstone after commit. With Redis the
  add is queued and sent with others in one pipeline a few milliseconds later (``token_store``:
  same ``SET … NX``, a row that waited over a second is dropped);
* a tombstone (or a cache that fails to answer) means "ask the database", never "allowed";
* an expired token (``expires_at`` passed) is refused on the hit path too: the entry carries it;
* entries and tombstones live ``API_TOKEN_CACHE_SECONDS`` (default 60; ``0`` turns the cache off):
  the bound for a write that bypasses the hooks (``QuerySet.update`` or SQL on users or tokens —
  such code must call :func:`forget_user_tokens` / :func:`forget_token`). A tombstone that could
  not be written (cache down) is retried before this process reads the cache again.

In front of it, with Redis, each process keeps the rows it has seen for ``API_TOKEN_LOCAL_SECONDS``
(``token_local``): tombstones are also published on Redis and every process drops the hashes on
receipt, a row read before an invalidation arrived is never kept, and a process whose subscription
is down keeps nothing. A client's repeated calls then cost no cache round trip at all.

Every request gets its own ``User`` (``User.from_db``): services may memoise things on
``request.user`` and nothing leaks between requests or threads. The password hash is deferred
(loaded by a query if something asks for it, which the API never does).

``last_used_at`` is written at most once per ``API_TOKEN_TOUCH_SECONDS`` (default 300) per token,
by a conditional UPDATE (``… WHERE last_used_at IS NULL OR last_used_at < now - N``), so several
processes serving one client write the row once; each process also skips the statement for a token
it touched in the last N seconds. On PostgreSQL, outside a caller's transaction, a due touch is
queued and written within a second by the process's touch thread, batched (``token_touch``): a
token's first call is then a plain read. Otherwise (switched off, inside a transaction) a miss reads
the token and its user and touches ``last_used_at`` in ONE statement (a data-modifying CTE over the
ORM's own compiled SELECT): a client's first call costs one round trip instead of two. The statement
is prepared once per pooled connection (``core.db.prepared_cursor``), and when it is its own
transaction (no caller's transaction around it) it commits without waiting for the WAL flush:
``last_used_at`` is a hint for the token's owner, not a record, and a flushed commit cost a token's
first call 10-15 ms on a busy disk. The usable-token rules live in :func:`usable`; the statement's
touch condition restates them and ``tests/test_token_cache.py`` checks both paths agree.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import APIKeyCookie, HttpBearer

from yugong.core.db import prepared_cursor

from . import token_local, token_store, token_touch
from .models import ApiToken, User

logger = logging.getLogger(__name__)

TOKEN_PREFIX = "yg_"  # noqa: S105 - a public prefix, not a secret
DEFAULT_CACHE_SECONDS = 60
DEFAULT_TOUCH_SECONDS = 300
CACHE_PREFIX = "apitoken"
_TOMBSTONE = "x"  # "ask the database" (revoked, deactivated, changed)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _cache_seconds() -> int:
    return int(getattr(settings, "API_TOKEN_CACHE_SECONDS", DEFAULT_CACHE_SECONDS))


def _touch_seconds() -> int:
    return int(getattr(settings, "API_TOKEN_TOUCH_SECONDS", DEFAULT_TOUCH_SECONDS))


def _key(key_hash: str) -> str:
    return f"{CACHE_PREFIX}:{key_hash}"


# --- The row: which columns, and the rules of a usable token ----------------------------------------

# The user's columns kept (everything but the password hash, which the request never needs).
_SKIPPED = frozenset({"password"})
_ENCRYPTED = "phone"  # read as ciphertext (Cast to text) and decrypted per request


_names: list[list[str]] = []


def _user_attnames() -> list[str]:
    if not _names:
        _names.append(
            [f.attname for f in User._meta.concrete_fields if f.attname not in _SKIPPED]  # type: ignore[attr-defined]
        )
    return _names[0]


@dataclass(slots=True)
class Row:
    """What a token look-up yields and the cache keeps (plain values, the phone still encrypted)."""

    token_id: int
    last_used_at: dt.datetime | None
    expires_at: dt.datetime | None
    user_values: tuple[Any, ...]  # in _user_attnames() order

    def value(self, attname: str) -> Any:
        return self.user_values[_user_attnames().index(attname)]

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        """The cache's format: datetimes as integer microseconds since the epoch (exact; read back
        in UTC, the same instants). Pickling the aware datetimes was 16 µs of a first call's store;
        this is 7 (a hit's unpickling stays ~7 µs: the instants are rebuilt)."""
        stamps = tuple(i for i, v in enumerate(self.user_values) if isinstance(v, dt.datetime))
        values = tuple(_micros(v) if i in stamps else v for i, v in enumerate(self.user_values))
        return _row_loaded, (
            self.token_id,
            _micros(self.last_used_at),
            _micros(self.expires_at),
            values,
            stamps,
        )


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MICROSECOND = dt.timedelta(microseconds=1)


def _micros(at: dt.datetime | None) -> int | None:
    return None if at is None else (at - _EPOCH) // _MICROSECOND


def _instant(micros: int | None) -> dt.datetime | None:
    return None if micros is None else _EPOCH + dt.timedelta(microseconds=micros)


def _row_loaded(
    token_id: int,
    last_used: int | None,
    expires: int | None,
    values: tuple[Any, ...],
    stamps: tuple[int, ...],
) -> Row:
    if stamps:
        values = tuple(_instant(v) if i in stamps else v for i, v in enumerate(values))
    return Row(token_id, _instant(last_used), _instant(expires), values)


def usable(row: Row, at: dt.datetime) -> bool:
    """The rules of a usable token beyond "this hash, not revoked" (the query's predicate): not
    expired, and its user active and not the system actor."""
    if row.expires_at is not None and row.expires_at <= at:
        return False
    return bool(row.value("is_active")) and not bool(row.value("is_system"))


def _token_queryset(key_hash: str) -> Any:
    """This hash, not revoked (``key_hash`` is unique: no ORDER BY, the model's ordering would add
    one), with the user's columns; the phone as stored (ciphertext)."""
    columns = [f"user__{name}" for name in _user_attnames() if name != _ENCRYPTED]
    return (
        ApiToken.objects.filter(key_hash=key_hash, revoked_at__isnull=True)
        .order_by()
        .annotate(_phone_stored=Cast("user__phone", output_field=TextField()))
        .values_list("pk", "last_used_at", "expires_at", *columns, "_phone_stored")[:1]
    )


def _row_from(values: tuple[Any, ...]) -> Row:
    token_id, last_used_at, expires_at, *rest = values
    names = [n for n in _user_attnames() if n != _ENCRYPTED]
    by_name = dict(zip(names, rest[:-1], strict=True))
    by_name[_ENCRYPTED] = rest[-1] or ""
    return Row(token_id, last_used_at, expires_at, tuple(by_name[n] for n in _user_attnames()))


def _fetch_orm(key_hash: str, at: dt.datetime) -> Row | None:
    found = list(_token_queryset(key_hash))
    if not found:
        return None
    row = _row_from(found[0])
    if usable(row, at):
        row.last_used_at = _touch(row.token_id, row.last_used_at, at)
    return row


_SENTINEL = "\x00token-hash\x00"
_compiled: dict[str, str] = {}  # "touch", "touch-async", "select"
# ``last_used_at`` is a hint shown to the token's owner, not a record: the statement's own transaction
# commits without waiting for the WAL flush (a crash may forget the last moments' touches). On the
# loaded machine a flushed commit cost 10-15 ms of a token's first request; the read does not wait.
_ASYNC_COMMIT = "cfg AS (SELECT set_config('synchronous_commit', 'off', true) AS off), "


def _one_statement(async_commit: bool = False) -> str:
    """The ORM's SELECT for the token and its user (compiled once per process, the hash its only
    parameter) and the conditional touch of ``last_used_at``, in one statement. The touch applies
    :func:`usable` in SQL (twin-tested). ``async_commit`` only for a statement that is its own
    transaction: ``set_config(..., true)`` lasts to the end of the transaction it runs in."""
    name = "touch-async" if async_commit else "touch"
    sql = _compiled.get(name)
    if sql is None:
        select, params = _token_queryset(_SENTINEL).query.sql_with_params()
        if tuple(params) != (_SENTINEL,):  # the hash must be the statement's only parameter
            raise RuntimeError(f"unexpected token statement parameters: {params!r}")
        names = ["token_id", "last_used_at", "expires_at"]
        names += [f"u_{n}" for n in _user_attnames() if n != _ENCRYPTED] + ["u_phone_stored"]
        table = connection.ops.quote_name(ApiToken._meta.db_table)
        # Names and the SELECT come from the model and the ORM; the values are all parameters.
        sql = (
            f"WITH {_ASYNC_COMMIT if async_commit else ''}"  # noqa: S608
            f"t({', '.join(names)}) AS ({select}), "
            f"touch AS (UPDATE {table} SET last_used_at = %s{' FROM cfg' if async_commit else ''}"
            " WHERE id = (SELECT token_id FROM t WHERE u_is_active AND NOT u_is_system"
            " AND (expires_at IS NULL OR expires_at > %s))"
            " AND (last_used_at IS NULL OR last_used_at < %s) RETURNING last_used_at) "
            "SELECT t.*, (SELECT last_used_at FROM touch) FROM t"
        )
        _compiled[name] = sql
    return sql


def _select_statement() -> str:
    """The ORM's SELECT for the token and its user, compiled once per process (the hash its only
    parameter)."""
    sql = _compiled.get("select")
    if sql is None:
        sql, params = _token_queryset(_SENTINEL).query.sql_with_params()
        if tuple(params) != (_SENTINEL,):
            raise RuntimeError(f"unexpected token statement parameters: {params!r}")
        _compiled["select"] = sql
    return sql


def _fetch(key_hash: str, at: dt.datetime) -> Row | None:
    """The token's row, ``last_used_at`` touched when due. PostgreSQL: one statement prepared once
    per pooled connection — a plain read with the touch queued (``token_touch``), or the read and the
    touch together."""
    if connection.vendor != "postgresql":  # raw values need the backend's converters elsewhere
        return _fetch_orm(key_hash, at)
    if token_touch.applies():  # a plain read; the touch, when due, is queued (``token_touch``)
        with prepared_cursor() as cursor:
            cursor.execute(_select_statement(), [key_hash])
            found = cursor.fetchone()
        if found is None:
            return None
        row = _row_from(tuple(found))
        if usable(row, at):
            row.last_used_at = _touch(row.token_id, row.last_used_at, at, behind=True)
        return row
    stale = at - dt.timedelta(seconds=_touch_seconds())
    sql = _one_statement(async_commit=not connection.in_atomic_block)
    with prepared_cursor() as cursor:
        cursor.execute(sql, [key_hash, at, at, stale])
        found = cursor.fetchone()
    if found is None:
        return None
    row = _row_from(tuple(found[:-1]))
    if found[-1] is not None:
        row.last_used_at = found[-1]
        _touched_now(row.token_id)
    return row


# --- last_used_at ---------------------------------------------------------------------------------

# Tokens this process touched, and when (monotonic): skip the statement inside the period.
_touched: dict[int, float] = {}
_touched_lock = threading.Lock()
_TOUCHED_MAX = 10_000
_clock = time.monotonic  # tests move it forward


def _touched_now(token_id: int) -> None:
    with _touched_lock:
        if len(_touched) >= _TOUCHED_MAX:
            _touched.clear()
        _touched[token_id] = _clock()


def _touch(
    token_id: int, last_used_at: dt.datetime | None, at: dt.datetime, behind: bool | None = None
) -> dt.datetime | None:
    """Write ``last_used_at`` when it is older than the period (one conditional UPDATE), or queue it
    (``token_touch``). ``behind``: the caller's answer of ``token_touch.applies()`` (asked only when
    the touch is due otherwise)."""
    period = _touch_seconds()
    if last_used_at is not None and (at - last_used_at).total_seconds() < period:
        return last_used_at
    mine = _touched.get(token_id)
    if mine is not None and _clock() - mine < period:
        return last_used_at
    if behind is None:
        behind = token_touch.applies()
    if behind and token_touch.queue(token_id, at):
        _touched_now(token_id)
        return at  # written within a second (``token_touch``)
    stale = at - dt.timedelta(seconds=period)
    written = (
        ApiToken.objects.filter(pk=token_id)
        .filter(Q(last_used_at__isnull=True) | Q(last_used_at__lt=stale))
        .update(last_used_at=at)
    )
    _touched_now(token_id)
    return at if written else last_used_at


# --- The shared cache -------------------------------------------------------------------------------

# Tombstones this process failed to write (cache unreachable): written before its next cache read.
_pending: set[str] = set()
_pending_lock = threading.Lock()


def _write_tombstones(hashes: Iterable[str]) -> bool:
    seconds = _cache_seconds()
    with _pending_lock:
        todo = _pending | set(hashes)
        if not todo:
            return True
        if seconds <= 0:
            _pending.clear()
            return True
        try:
            cache.set_many({_key(h): _TOMBSTONE for h in sorted(todo)}, timeout=seconds)
        except Exception:  # noqa: BLE001 - retried before this process's next read; logged loudly
            token_local.drop(todo)
            _pending.update(todo)
            logger.error("could not write %d API token tombstones; retried on the next read", len(todo))
            return False
        if not token_local.publish(todo):  # every process's local layer (this one's already dropped)
            _pending.update(todo)
            return False
        _pending.clear()
        return True


def forget_token(*key_hashes: str) -> None:
    """These tokens changed (revoked, deleted, expired by hand): every process asks the database
    on their next use — now, and again when the current transaction commits."""
    hashes = sorted({h for h in key_hashes if h})
    if not hashes:
        return
    _write_tombstones(hashes)
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(lambda: _write_tombstones(hashes))


def forget_user_tokens(user_id: int | None) -> None:
    """The user row changed (deactivated, renamed, deleted): all its tokens ask the database."""
    if user_id is None or _cache_seconds() <= 0:
        return
    forget_token(*ApiToken.objects.filter(user_id=user_id).values_list("key_hash", flat=True))


def _cache_get(key_hash: str) -> Row | None:
    if _pending and not _write_tombstones(()):
        return None
    try:
        found = cache.get(_key(key_hash))
    except Exception:  # noqa: BLE001 - any cache failure: the database decides, never the cache
        token_local.clear()
        logger.warning("token cache unreachable; reading the token from the database", exc_info=True)
        return None
    return found if isinstance(found, Row) else None


def _store(key_hash: str, row: Row, seen: int | None) -> None:
    """Store a row read from the database in the shared cache, and then (``seen`` given: the local
    layer is on) in this process's layer. With Redis the store is queued (``token_store``: sent
    with others in one pipeline, off the request's path), else it is made here."""

    def then(stored: bool) -> None:
        if stored and seen is not None:  # kept locally only where the shared cache took it
            token_local.put(key_hash, row, seen)

    if not token_store.add_behind(_key(key_hash), row, _cache_seconds(), then):
        then(_cache_add(key_hash, row))


def _cache_add(key_hash: str, row: Row) -> bool:
    """Store the row unless an entry (a tombstone, or another process's row) is there; True when
    stored."""
    try:
        return bool(cache.add(_key(key_hash), row, timeout=_cache_seconds()))
    except Exception:  # noqa: BLE001
        logger.warning("token cache unreachable; token not stored", exc_info=True)
        return False


def _user(row: Row) -> User:
    values = list(row.user_values)
    names = _user_attnames()
    at = names.index(_ENCRYPTED)
    values[at] = User._meta.get_field(_ENCRYPTED).from_db_value(values[at], None, connection)  # type: ignore[union-attr]
    return User.from_db(connection.alias, names, values)


def authenticate_token(token: str) -> User | None:
    """The active user of an unrevoked, unexpired token, or None. A fresh ``User`` each call."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    key_hash = hash_token(token)
    at = timezone.now()
    caching = _cache_seconds() > 0
    local = caching and token_local.enabled()
    seen = token_local.epoch()  # before any read: an invalidation after it forbids keeping the row
    row = token_local.get(key_hash) if local else None
    shared = row is None and caching
    if shared:
        row = _cache_get(key_hash)
    if row is None:
        row = _fetch(key_hash, at)
        if row is None or not usable(row, at):
            return None
        if caching:  # a tombstone there means "changed": it is kept nowhere then
            _store(key_hash, row, seen if local else None)
        return _user(row)
    if not usable(row, at):  # expired since it was cached
        return None
    if shared and local:
        token_local.put(key_hash, row, seen)
    row.last_used_at = _touch(row.token_id, row.last_used_at, at)
    return _user(row)


class TokenAuth(HttpBearer):
    def __call__(self, request: HttpRequest) -> Any:
        """``Authorization: Bearer <token>`` read straight from the WSGI environ: ninja's reads
        ``request.headers``, which parses every header of the request into a new mapping — ~2 % of a
        sign-up's worker CPU, for one header. Same rule: the scheme in any case, the token after the
        first space."""
        scheme, _, token = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
        if scheme.lower() != self.openapi_scheme or not token:
            return None
        return self.authenticate(request, token)

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = authenticate_token(token)
        if user is None:
            return None
        request.user = user
        return user


class SessionAuth(APIKeyCookie):
    """The logged-in page session; unsafe methods must carry the CSRF token."""

    param_name = "sessionid"

    def __init__(self) -> None:
        super().__init__(csrf=True)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return user
        return None


api_auth = [TokenAuth(), SessionAuth()]
