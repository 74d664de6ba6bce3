"""Chinese full-text search over the policy library and the FAQs (查政策), on the engine-neutral
machinery of ``yugong.core.textsearch``.

Chinese has no spaces, so words come from jieba: documents are cut in "search" mode (every word
and its sub-words: 中华人民共和国 → 中华 华人 人民 共和 共和国 中华人民共和国), queries in precise mode,
both lower-cased and joined by spaces into ``search_text``. The database engine then does what it
does with any space-separated text:

* PostgreSQL: ``search_vector`` is a stored generated ``tsvector`` over ``search_text`` with the
  ``'simple'`` configuration (no stemming, no stop words — jieba's words are the lexemes), GIN
  indexed (migration 0002); queries are ``to_tsquery('simple', 'w1' & 'w2')`` ranked by ``ts_rank``.
* SQLite: FTS5 tables ``rights_policy_fts`` / ``rights_faq_fts`` (``unicode61`` tokenizer, which
  splits on the spaces and keeps CJK runs whole), rowid = the row's id, kept in sync by
  :func:`policy_index` / :func:`faq_index` (every write of a policy or FAQ goes through them);
  ranked by ``bm25``.
* Anything else: ``LIKE`` over ``search_text`` (correct, slow; development only).

All words must match (AND); when that finds nothing the words are OR-ed, so "公司拖欠工资怎么办"
still finds the wage rules. Question words (怎么办, 如何, 吗 …) are dropped from queries.
Highlights are built in Python over the shown text: every piece is HTML-escaped, matches are
wrapped in ``<mark>``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import transaction
from django.utils.safestring import SafeString

from yugong.core.textsearch import (
    engine,
    fts_sync,
    highlight,
    highlight_with,
    index_tokens,
    query_tokens,
    ranked_ids,
    words_pattern,
)
from yugong.core.textsearch import fts_rebuild as _fts_rebuild

from .cache import cache_seconds
from .models import Faq, Policy, PolicySection

# --- Keeping the indexes in step ------------------------------------------------------------


def policy_document(policy: Policy, sections: Iterable[PolicySection]) -> str:
    parts = [policy.title, policy.doc_number, policy.issuer, policy.summary]
    for section in sections:
        parts.extend([section.heading, section.body])
    return "\n".join(p for p in parts if p)


def policy_index(policy: Policy) -> None:
    """Recompute ``search_text`` from the policy and its sections and sync the engine's index."""
    policy.search_text = index_tokens(policy_document(policy, policy.sections.all()))
    Policy.objects.filter(pk=policy.pk).update(search_text=policy.search_text)
    fts_sync(Policy._meta.db_table, policy.pk, policy.search_text)
    transaction.on_commit(search_cache_bump)
    search_cache_bump()


def policy_unindex(pk: int) -> None:
    fts_sync(Policy._meta.db_table, pk, None)
    transaction.on_commit(search_cache_bump)
    search_cache_bump()


def faq_index(faq: Faq) -> None:
    faq.search_text = index_tokens(f"{faq.question}\n{faq.answer}")
    Faq.objects.filter(pk=faq.pk).update(search_text=faq.search_text)
    fts_sync(Faq._meta.db_table, faq.pk, faq.search_text)
    transaction.on_commit(search_cache_bump)
    search_cache_bump()


def faq_unindex(pk: int) -> None:
    fts_sync(Faq._meta.db_table, pk, None)
    transaction.on_commit(search_cache_bump)
    search_cache_bump()


def fts_rebuild(model: type[Policy] | type[Faq]) -> int:
    """Refill the SQLite FTS table from ``search_text`` (after bulk loads). PostgreSQL needs
    nothing: its column is generated."""
    search_cache_bump()
    return _fts_rebuild(model._meta.db_table)


# --- Searching ------------------------------------------------------------------------------


# The ranked ids of a (table, words, page) are cached this long. Every write of a policy or FAQ
# goes through policy_index / faq_index (or the bench seed), which bump the library's version: the
# cache keys carry it, so an edit shows at once, and stale keys just expire.
SEARCH_CACHE_SECONDS = 600
_VERSION_KEY = "rights:search:version"


def search_cache_bump() -> None:
    """Invalidate every cached search (a new version number in the keys)."""
    try:
        cache.incr(_VERSION_KEY)
    except ValueError:  # not there yet (or evicted)
        cache.set(_VERSION_KEY, 2, None)


def _search_version() -> int:
    version = cache.get(_VERSION_KEY)
    if not isinstance(version, int):
        version = 1
        cache.add(_VERSION_KEY, version, None)
    return version


def search_page_key(query: str, *, limit: int) -> str:
    """Cache key of a whole rendered 查政策 answer (the API caches it per library version)."""
    digest = hashlib.sha1(query.encode(), usedforsecurity=False).hexdigest()[:20]
    return f"rights:search-page:{_search_version()}:{engine()}:{limit}:{digest}"


def _search_ids(table: str, tokens: Sequence[str], *, limit: int, offset: int) -> list[int]:
    """Ranked matching ids: all words, else (first page only) any word. Cached per library
    version: ranking reads each candidate's tsvector (~5 ms of database time for a broad word)."""
    if not tokens:
        return []
    digest = hashlib.sha1(" ".join(tokens).encode(), usedforsecurity=False).hexdigest()[:20]
    key = f"rights:search:{_search_version()}:{engine()}:{table}:{limit}:{offset}:{digest}"
    cached = cache.get(key)
    if isinstance(cached, list):
        return cached
    ids = ranked_ids(table, tokens, any_word=False, limit=limit, offset=offset)
    if not ids and len(tokens) > 1 and offset == 0:
        ids = ranked_ids(table, tokens, any_word=True, limit=limit, offset=offset)
    cache.set(key, ids, cache_seconds(SEARCH_CACHE_SECONDS))
    return ids


@dataclass
class PolicyHit:
    policy: Policy
    title: SafeString
    snippet: SafeString
    section: PolicySection | None = None
    tokens: list[str] = field(default_factory=list)


def policy_search(query: str, *, limit: int = 20, offset: int = 0) -> list[PolicyHit]:
    """Published policies matching ``query``, best first, with highlighted title and snippet.
    Two queries whatever the number of hits (ids, then policies with their sections)."""
    tokens = query_tokens(query)
    ids = _search_ids(Policy._meta.db_table, tokens, limit=min(max(limit, 1), 50), offset=max(offset, 0))
    if not ids:
        return []
    by_id = Policy.objects.defer("search_text", "created_at", "updated_at").in_bulk(ids)
    # Sections as plain rows, ordered by (policy_id, seq): no prefetch machinery, and no join (the
    # model's ordering ("policy", "seq") follows the key to Policy's ordering and joined
    # rights_policy into the query: 28 ms at 10,000 policies).
    sections: dict[int, list[tuple[int, int, str, str]]] = {}
    for row in (
        PolicySection.objects.filter(policy_id__in=ids)
        .order_by("policy_id", "seq")
        .values_list("policy_id", "id", "seq", "heading", "body")
    ):
        sections.setdefault(row[0], []).append(row[1:])
    pattern = words_pattern(tuple(sorted(set(tokens), key=len, reverse=True)))
    hits = []
    for pk in ids:
        policy = by_id.get(pk)
        if policy is None:
            continue
        rows = sections.get(pk, [])
        match = next((r for r in rows if pattern.search(r[2]) or pattern.search(r[3])), None)
        section = (
            PolicySection(id=match[0], policy_id=pk, seq=match[1], heading=match[2], body=match[3])
            if match
            else None
        )
        source = match[3] if match else (policy.summary or (rows[0][3] if rows else ""))
        hits.append(
            PolicyHit(
                policy=policy,
                title=highlight_with(policy.title, pattern, None),
                snippet=highlight_with(source, pattern, 120),
                section=section,
                tokens=tokens,
            )
        )
    return hits


@dataclass
class FaqHit:
    faq: Faq
    question: SafeString
    answer: SafeString


def faq_search(query: str, *, limit: int = 5) -> list[FaqHit]:
    tokens = query_tokens(query)
    ids = _search_ids(Faq._meta.db_table, tokens, limit=limit, offset=0)
    if not ids:
        return []
    by_id = Faq.objects.defer("search_text").in_bulk(ids)
    return [
        FaqHit(
            faq=by_id[pk],
            question=highlight(by_id[pk].question, tokens),
            answer=highlight(by_id[pk].answer, tokens, window=160),
        )
        for pk in ids
        if pk in by_id
    ]
