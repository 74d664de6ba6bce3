"""The member list's page cache (issue 19): a page's JSON, kept until list data changes.

A district office's staff open the same first pages of the member list far more often than members
change, and a page costs ~3 ms of CPU to read, shape and encode (README, "Where a list request's
time went"). So the API keeps each page's finished JSON in the shared cache and answers a repeat
with ONE small statement — the write stamp — and one cache read.

* **Key:** what the page query is made of — the actor's scope (``orgs.access.scope_paths``, which
  ``selectors.member_search_page`` filters on through ``scope_filter``), the request's filters,
  cursor and limit — plus the language (status labels) and a digest of this code (a deploy that
  changes the shape starts afresh). Compiling the query only to key on it cost ~0.3 ms, a fifth of
  a hit. Two staff members with the same subtrees share entries; a changed grant is another scope,
  another key. With ``union_id`` the key is the compiled query itself (the union's path is in it).
  Keys are HMACs (phone numbers and ID numbers may be in a search).
* **Stamp:** ``members_liststamp.gen``, raised by PostgreSQL itself when a transaction that wrote
  memberships, people or unions commits (triggers of migration 0009: ORM saves, ``QuerySet.update``,
  bulk writes, raw SQL and COPY alike; transfers, person edits, subtree moves, union renames).
  The stamp is read *before* the page, so an entry can only hold data as new as its stamp or newer;
  a reader whose snapshot shows the same stamp has seen exactly the same list writes.
* **Time:** a pending application turns "overdue" when its deadline passes without any write; an
  entry holding one that is not overdue yet is served only until that deadline.
* **Off:** SQLite (no triggers), ``MEMBERS_PAGE_CACHE_SECONDS = 0``, and inside a transaction (its
  own uncommitted writes have not moved the stamp yet). A cache failure falls back to the read.
  Entries also expire after ``MEMBERS_PAGE_CACHE_SECONDS`` (300).

The per-process cache (local memory, no Redis) is as correct as the shared one: validity is checked
against the database's stamp, not against anything a process must be told.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import QuerySet
from django.utils import translation

from yugong.core.timeutil import now
from yugong.orgs.access import scope_paths

from . import selectors
from .models import Membership

log = logging.getLogger("yugong.members")

Render = Callable[[selectors.RowPage], bytes]


def cache_seconds() -> int:
    return int(getattr(settings, "MEMBERS_PAGE_CACHE_SECONDS", 300))


def enabled() -> bool:
    return connection.vendor == "postgresql" and cache_seconds() > 0 and not connection.in_atomic_block


def stamp() -> int | None:
    """The list write stamp (None when its row is missing — a flushed database: it is made again,
    starting at the clock so that it never repeats an earlier row's values)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT gen FROM members_liststamp WHERE id = 1")
        row = cursor.fetchone()
        if row is not None:
            return int(row[0])
        cursor.execute(
            "INSERT INTO members_liststamp (id, gen) VALUES (1, %s) ON CONFLICT (id) DO NOTHING",
            [time.time_ns() // 1000],
        )
    return None


def _code_digest() -> str:
    from . import api

    digest = hashlib.sha256()
    for module in (api, selectors, sys.modules[__name__]):
        digest.update(Path(str(module.__file__)).read_bytes())
    return digest.hexdigest()[:16]


_CODE: dict[str, str] = {}


def _digest(text: str) -> str:
    code = _CODE.get("digest")
    if code is None:
        code = _CODE["digest"] = _code_digest()
    secret = hashlib.sha256(f"members-page-cache:{settings.SECRET_KEY}".encode()).digest()
    mac = hmac.new(secret, f"{code}|{translation.get_language()}|{text}".encode(), hashlib.sha256)
    return "members:page:" + mac.hexdigest()


def _key(compiled: tuple[str, Any], *, descending: bool, limit: int) -> str:
    sql, params = compiled
    return _digest(f"sql|{int(descending)}|{limit}|{sql}|{params!r}")


def _request_key(paths: list[str], filters: dict[str, Any]) -> str:
    return _digest(f"req|{paths!r}|{sorted(filters.items())!r}")


def _valid_until(page: selectors.RowPage, moment: dt.datetime) -> dt.datetime | None:
    """The first deadline on the page that has not passed yet (its row turns overdue then)."""
    dues = [
        r.due_at
        for r in page.rows
        if r.status == Membership.Status.PENDING and r.due_at is not None and r.due_at >= moment
    ]
    return min(dues) if dues else None


def member_page(user: Any, filters: dict[str, Any], *, render: Render) -> bytes:
    """The JSON of ``selectors.member_search_page(user, **filters)``, from the cache when the stamp
    it was made under is still the current one."""
    if not enabled() or filters.get("union_id") is not None:
        page, limit = selectors.member_search_page(user, **filters)
        return page_body(page, limit, descending=True, render=render)
    paths = scope_paths(user)  # the scope member_search_page's scope_filter applies
    if not paths:
        return render(selectors.RowPage())
    gen = stamp()
    key = _request_key(paths, filters)
    moment = now()
    body = _hit(key, gen, moment)
    if body is not None:
        return body
    page, limit = selectors.member_search_page(user, **filters)
    return _miss(key, gen, moment, page, limit, descending=True, render=render)


def _hit(key: str, gen: int | None, moment: dt.datetime) -> bytes | None:
    if gen is None:
        return None
    try:
        entry = cache.get(key)
    except Exception:  # noqa: BLE001 - the cache is an economy: the read decides
        log.warning("member page cache unreachable", exc_info=True)
        return None
    if (
        isinstance(entry, tuple)
        and len(entry) == 3
        and entry[0] == gen
        and (entry[1] is None or moment < entry[1])
    ):
        return entry[2]
    return None


def _miss(
    key: str,
    gen: int | None,
    moment: dt.datetime,
    page: QuerySet[Membership],
    limit: int,
    *,
    descending: bool,
    render: Render,
    compiled: tuple[str, Any] | None = None,
) -> bytes:
    rows = selectors.rows_page(page, limit, descending=descending, compiled=compiled)
    body = render(rows)
    if gen is not None:
        try:
            cache.set(key, (gen, _valid_until(rows, moment), body), timeout=cache_seconds())
        except Exception:  # noqa: BLE001
            log.warning("member page cache unreachable; page not stored", exc_info=True)
    return body


def page_body(page: QuerySet[Membership], limit: int, *, descending: bool, render: Render) -> bytes:
    """The page's JSON (``render`` of its :class:`~selectors.RowPage`), from the cache when the
    stamp it was made under is still the current one."""
    if not enabled():
        return render(selectors.rows_page(page, limit, descending=descending))
    compiled = selectors.page_sql(page)
    if compiled is None:
        return render(selectors.RowPage())
    gen = stamp()
    key = _key(compiled, descending=descending, limit=limit)
    moment = now()
    body = _hit(key, gen, moment)
    if body is not None:
        return body
    return _miss(key, gen, moment, page, limit, descending=descending, render=render, compiled=compiled)
