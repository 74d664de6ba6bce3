"""The member list's page cache (issue 19): a page's JSON, kept until list data changes.

A district office's staff open the same first pages of the member list far more often than members
change, and a page costs ~3 ms of CPU to read, shape and encode (README, "Where a list request's
time went"). So the API keeps each page's finished JSON in the shared cache and answers a repeat
with ONE small statement — the write stamp — and one cache read.

* **Key:** the page's id query exactly as the ORM compiles it for this request
  (``selectors.member_search_page``: the actor's scope from ``orgs.access``, the search, the keyset
  cursor, the limit) plus the language (status labels) — the same predicate as the uncached read,
  so two staff members with the same subtrees share entries and a changed grant (another scope,
  another SQL) can never reach an old entry.
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
import logging
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import QuerySet
from django.utils import translation

from yugong.core.timeutil import now

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


def _key(compiled: tuple[str, Any], *, descending: bool, limit: int) -> str:
    sql, params = compiled
    text = f"{translation.get_language()}|{int(descending)}|{limit}|{sql}|{params!r}"
    return "members:page:" + hashlib.sha256(text.encode()).hexdigest()


def _valid_until(page: selectors.RowPage, moment: dt.datetime) -> dt.datetime | None:
    """The first deadline on the page that has not passed yet (its row turns overdue then)."""
    dues = [
        r.due_at
        for r in page.rows
        if r.status == Membership.Status.PENDING and r.due_at is not None and r.due_at >= moment
    ]
    return min(dues) if dues else None


def page_body(page: QuerySet[Membership], limit: int, *, descending: bool, render: Render) -> bytes:
    """The page's JSON (``render`` of its :class:`~selectors.RowPage`), from the cache when the
    stamp it was made under is still the current one."""
    if not enabled():
        return render(selectors.rows_page(page, limit, descending=descending))
    compiled = selectors.page_sql(page)
    if compiled is None:
        return render(selectors.RowPage())
    gen = stamp()
    if gen is None:
        return render(selectors.rows_page(page, limit, descending=descending, compiled=compiled))
    key = _key(compiled, descending=descending, limit=limit)
    moment = now()
    try:
        entry = cache.get(key)
    except Exception:  # noqa: BLE001 - the cache is an economy: the read decides
        log.warning("member page cache unreachable", exc_info=True)
        entry = None
    if (
        isinstance(entry, tuple)
        and len(entry) == 3
        and entry[0] == gen
        and (entry[1] is None or moment < entry[1])
    ):
        return entry[2]
    rows = selectors.rows_page(page, limit, descending=descending, compiled=compiled)
    body = render(rows)
    try:
        cache.set(key, (gen, _valid_until(rows, moment), body), timeout=cache_seconds())
    except Exception:  # noqa: BLE001
        log.warning("member page cache unreachable; page not stored", exc_info=True)
    return body
