"""API authentication: bearer tokens (``Authorization: Bearer <token>``) or the page session
(with its CSRF check). Either way the request acts with exactly the rights of its user.

Token look-up cache (the hot path of every API client)
------------------------------------------------------
Looking a token up costs a query (token joined to its user), building the ``User`` and decrypting
its phone number: about a third of the CPU of a small API request. So each process keeps a small
cache, *token hash → (token id, the user's row)*, with these bounds:

* an entry lives at most ``API_TOKEN_CACHE_SECONDS`` (default 5; ``0`` turns the cache off) and the
  cache holds at most ``API_TOKEN_CACHE_SIZE`` entries (default 10,000; the oldest go first);
* **revoking** a token through :func:`yugong.accounts.services.api_token_revoke` drops it from the
  revoking process's cache at once (again after commit); other processes refuse it at the latest
  ``API_TOKEN_CACHE_SECONDS`` later;
* **deactivating** a user (``is_active = False`` by any path, queryset updates included) and any
  other change to the user row are seen at the latest ``API_TOKEN_CACHE_SECONDS`` later. Rights
  that come from roles (union roles, merchant staff rows) are read per request as before and are not
  cached here;
* only hashes are keys (the token itself is never kept), and every request gets its own copy of the
  ``User``: services may memoise things on ``request.user`` and nothing leaks between requests or
  threads.

``last_used_at`` is still touched at most once a minute per token and process.

A miss (a client's first call, or its first after ``API_TOKEN_CACHE_SECONDS``: with many clients
calling now and then, most calls) cost ~1.2 ms of CPU, of which ~0.6 ms was the ORM building the
token ⨝ user queryset and ~0.35 ms compiling it. On PostgreSQL the statement is now the ORM's own,
compiled once per process with the hash as its only parameter, and the user is built with
``User.from_db`` after each field's ``from_db_value`` (the phone's decryption): ~0.35 ms. The
predicate (this hash, not revoked) is the ORM's in both paths; a twin test checks that both give
the same token and user (``tests/test_token_cache.py``).
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import threading
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import APIKeyCookie, HttpBearer

from .models import ApiToken, User

TOKEN_PREFIX = "yg_"  # noqa: S105 - a public prefix, not a secret
DEFAULT_CACHE_SECONDS = 5.0
DEFAULT_CACHE_SIZE = 10_000
TOUCH_EVERY_S = 60


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(slots=True)
class _Entry:
    expires: float  # on the monotonic clock
    token_id: int
    last_used_at: dt.datetime | None
    user: User  # the pristine instance; requests get copies


_cache: dict[str, _Entry] = {}
_lock = threading.Lock()
_clock = time.monotonic  # tests move it forward


def forget_token(key_hash: str) -> None:
    """Drop one token from this process's cache (revocation)."""
    with _lock:
        _cache.pop(key_hash, None)


def forget_all_tokens() -> None:
    with _lock:
        _cache.clear()


def _cache_seconds() -> float:
    return float(getattr(settings, "API_TOKEN_CACHE_SECONDS", DEFAULT_CACHE_SECONDS))


def _remember(key_hash: str, entry: _Entry) -> None:
    limit = max(1, int(getattr(settings, "API_TOKEN_CACHE_SIZE", DEFAULT_CACHE_SIZE)))
    with _lock:
        while len(_cache) >= limit:
            _cache.pop(next(iter(_cache)))  # dicts keep insertion order: the oldest goes
        _cache[key_hash] = entry


def _token_queryset(key_hash: str) -> Any:
    """The one predicate of a usable token: this hash, not revoked (``key_hash`` is unique: no
    ORDER BY, the model's ordering would add one)."""
    return ApiToken.objects.filter(key_hash=key_hash, revoked_at__isnull=True).order_by()


def _fetch_orm(key_hash: str) -> tuple[int, dt.datetime | None, User] | None:
    found = list(_token_queryset(key_hash).select_related("user")[:1])
    if not found:
        return None
    return found[0].pk, found[0].last_used_at, found[0].user


_SENTINEL = "\x00token-hash\x00"
_compiled: dict[str, str] = {}


def _user_fields() -> list[Any]:
    return list(User._meta.concrete_fields)  # type: ignore[attr-defined]


def _token_sql() -> str:
    """The ORM's statement for the token and its user's columns, compiled once per process."""
    sql = _compiled.get("sql")
    if sql is None:
        columns = [f"user__{f.attname}" for f in _user_fields()]
        qs = _token_queryset(_SENTINEL).values_list("pk", "last_used_at", *columns)[:1]
        sql, params = qs.query.sql_with_params()
        if tuple(params) != (_SENTINEL,):  # the hash must be the statement's only parameter
            raise RuntimeError(f"unexpected token statement parameters: {params!r}")
        _compiled["sql"] = sql
    return sql


def _fetch(key_hash: str) -> tuple[int, dt.datetime | None, User] | None:
    if connection.vendor != "postgresql":  # raw values need the backend's converters elsewhere
        return _fetch_orm(key_hash)
    with connection.cursor() as cursor:
        cursor.execute(_token_sql(), [key_hash])
        row = cursor.fetchone()
    if row is None:
        return None
    fields = _user_fields()
    values = [
        field.from_db_value(value, None, connection) if hasattr(field, "from_db_value") else value
        for field, value in zip(fields, row[2:], strict=True)
    ]
    user = User.from_db(connection.alias, [f.attname for f in fields], values)
    return row[0], row[1], user


def _load(key_hash: str) -> _Entry | None:
    found = _fetch(key_hash)
    if found is None:
        return None
    token_id, last_used_at, user = found
    if not user.is_active or user.is_system:
        return None
    entry = _Entry(
        expires=_clock() + _cache_seconds(),
        token_id=token_id,
        last_used_at=last_used_at,
        user=user,
    )
    if _cache_seconds() > 0:
        _remember(key_hash, entry)
    return entry


def authenticate_token(token: str) -> User | None:
    """The active user of an unrevoked token, or None. A fresh ``User`` object each call."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    key_hash = hash_token(token)
    entry = _cache.get(key_hash)
    if entry is None or entry.expires <= _clock():
        entry = _load(key_hash)
        if entry is None:
            forget_token(key_hash)
            return None
    now = timezone.now()
    if entry.last_used_at is None or (now - entry.last_used_at).total_seconds() > TOUCH_EVERY_S:
        entry.last_used_at = now
        ApiToken.objects.filter(pk=entry.token_id).update(last_used_at=now)
    user: User = copy.copy(entry.user)
    return user


class TokenAuth(HttpBearer):
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
