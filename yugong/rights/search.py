"""Chinese full-text search over the policy library and the FAQs (查政策).

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
import html
import logging
import re
import threading
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.core.cache import cache
from django.db import connection, transaction
from django.utils.safestring import SafeString, mark_safe

from .cache import cache_seconds
from .models import Faq, Policy, PolicySection

_lock = threading.Lock()
_jieba: Any = None

_WORD = re.compile(r"\w", re.UNICODE)
STOP_WORDS = frozenset(
    "的 了 和 与 及 或 是 在 我 我们 你 您 他 她 它 吗 呢 吧 啊 呀 么 请问 怎么 怎么办 怎样 如何 什么 哪些 哪里 "
    "为什么 能否 能不能 可以 可不 是否 应该 应当 需要 要 有 没有 被 把 给 对 就 都 也 还 又 想 该 这 那 一个".split()
)
MAX_QUERY_WORDS = 12
RANK_CANDIDATES = 500


def _seg() -> Any:
    """jieba, loaded once per process (its dictionary takes about a second to load)."""
    global _jieba
    if _jieba is None:
        with _lock:
            if _jieba is None:
                # jieba 0.42's sources have invalid escape sequences: compiling them warns
                # (SyntaxWarning/DeprecationWarning), which must not fail a run with warnings as errors.
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    import jieba

                    jieba.setLogLevel(logging.WARNING)
                    jieba.initialize()
                _jieba = jieba
    return _jieba


def _is_word(token: str) -> bool:
    return bool(token.strip()) and _WORD.search(token) is not None


def index_tokens(text: str) -> str:
    """Document text → space-joined search-mode tokens (lower case)."""
    jieba = _seg()
    return " ".join(t for t in (w.strip().lower() for w in jieba.cut_for_search(text or "")) if _is_word(t))


def query_tokens(query: str) -> list[str]:
    """Query → distinct words without question words, in order (at most 12). The query is cut in
    search mode too, and a word is dropped when it contains another of the words (拖欠工资 →
    拖欠, 工资): the finest pieces are what every indexed document also holds."""
    return list(_query_tokens((query or "")[:200]))


@lru_cache(maxsize=2048)
def _query_tokens(query: str) -> tuple[str, ...]:
    # Memoised per process: the policy and the FAQ search of one request cut the same query, and
    # people ask the same few things (拖欠工资, 工伤认定 …) all day.
    jieba = _seg()
    words: list[str] = []
    for raw in jieba.cut_for_search(query):
        token = raw.strip().lower()
        if not _is_word(token) or token in STOP_WORDS:
            continue
        # keep only word characters: the token is then safe inside tsquery / FTS5 quotes
        token = "".join(ch for ch in token if _WORD.match(ch))
        if token and token not in words:
            words.append(token)
    finest = [w for w in words if not any(o != w and o in w for o in words)]
    return tuple(finest[:MAX_QUERY_WORDS])


def engine() -> str:
    vendor = connection.vendor
    return vendor if vendor in {"postgresql", "sqlite"} else "like"


# --- Keeping the indexes in step ------------------------------------------------------------


def policy_document(policy: Policy, sections: Iterable[PolicySection]) -> str:
    parts = [policy.title, policy.doc_number, policy.issuer, policy.summary]
    for section in sections:
        parts.extend([section.heading, section.body])
    return "\n".join(p for p in parts if p)


def _fts_sync(table: str, pk: int, text: str | None) -> None:
    if engine() != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table}_fts WHERE rowid = %s", [pk])  # noqa: S608 - fixed names
        if text is not None:
            cursor.execute(f"INSERT INTO {table}_fts (rowid, body) VALUES (%s, %s)", [pk, text])  # noqa: S608


def policy_index(policy: Policy) -> None:
    """Recompute ``search_text`` from the policy and its sections and sync the engine's index."""
    policy.search_text = index_tokens(policy_document(policy, policy.sections.all()))
    Policy.objects.filter(pk=policy.pk).update(search_text=policy.search_text)
    _fts_sync(Policy._meta.db_table, policy.pk, policy.search_text)
    transaction.on_commit(search_cache_bump)
    search_cache_bump()


def policy_unindex(pk: int) -> None:
    _fts_sync(Policy._meta.db_table, pk, None)
    transaction.on_commit(search_cache_bump)
    search_cache_bump()


def faq_index(faq: Faq) -> None:
    faq.search_text = index_tokens(f"{faq.question}\n{faq.answer}")
    Faq.objects.filter(pk=faq.pk).update(search_text=faq.search_text)
    _fts_sync(Faq._meta.db_table, faq.pk, faq.search_text)
    transaction.on_commit(search_cache_bump)
    search_cache_bump()


def faq_unindex(pk: int) -> None:
    _fts_sync(Faq._meta.db_table, pk, None)
    transaction.on_commit(search_cache_bump)
    search_cache_bump()


def fts_rebuild(model: type[Policy] | type[Faq]) -> int:
    """Refill the SQLite FTS table from ``search_text`` (after bulk loads). PostgreSQL needs
    nothing: its column is generated."""
    search_cache_bump()
    if engine() != "sqlite":
        return 0
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table}_fts")  # noqa: S608
        cursor.execute(f"INSERT INTO {table}_fts (rowid, body) SELECT id, search_text FROM {table}")  # noqa: S608
        return int(cursor.rowcount or 0)


# --- Searching ------------------------------------------------------------------------------


def _ids(table: str, tokens: Sequence[str], *, any_word: bool, limit: int, offset: int) -> list[int]:
    kind = engine()
    with connection.cursor() as cursor:
        if kind == "postgresql":
            joiner = " | " if any_word else " & "
            tsquery = joiner.join("'" + t.replace("'", "''") + "'" for t in tokens)
            # Rank at most RANK_CANDIDATES matches: a broad word ("工资") matches thousands of
            # documents and ts_rank reads every one's vector; the GIN bitmap gives the candidates.
            cursor.execute(
                f"SELECT m.id FROM (SELECT t.id, t.search_vector FROM {table} t "  # noqa: S608 - fixed names
                "WHERE t.published AND t.search_vector @@ to_tsquery('simple', %s) LIMIT %s) m "
                "ORDER BY ts_rank(m.search_vector, to_tsquery('simple', %s)) DESC, m.id DESC LIMIT %s OFFSET %s",
                [tsquery, RANK_CANDIDATES, tsquery, limit, offset],
            )
        elif kind == "sqlite":
            joiner = " OR " if any_word else " "
            match = joiner.join('"' + t.replace('"', '""') + '"' for t in tokens)
            cursor.execute(
                f"SELECT t.id FROM {table}_fts f JOIN {table} t ON t.id = f.rowid "  # noqa: S608
                f"WHERE {table}_fts MATCH %s AND t.published ORDER BY f.rank, t.id DESC LIMIT %s OFFSET %s",
                [match, limit, offset],
            )
        else:
            clauses = ["(' ' || t.search_text || ' ') LIKE %s" for _t in tokens]
            cursor.execute(
                f"SELECT t.id FROM {table} t WHERE t.published AND ({(' OR ' if any_word else ' AND ').join(clauses)}) "  # noqa: S608
                "ORDER BY t.id DESC LIMIT %s OFFSET %s",
                [*[f"% {t} %" for t in tokens], limit, offset],
            )
        return [row[0] for row in cursor.fetchall()]


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
    ids = _ids(table, tokens, any_word=False, limit=limit, offset=offset)
    if not ids and len(tokens) > 1 and offset == 0:
        ids = _ids(table, tokens, any_word=True, limit=limit, offset=offset)
    cache.set(key, ids, cache_seconds(SEARCH_CACHE_SECONDS))
    return ids


def highlight(text: str, tokens: Sequence[str], *, window: int | None = None) -> SafeString:
    """``text`` HTML-escaped, with every occurrence of a token wrapped in ``<mark>``. With
    ``window``, only about that many characters around the first match (… on cut ends)."""
    text = text or ""
    words = sorted({t for t in tokens if t}, key=len, reverse=True)
    if not words:
        return mark_safe(html.escape(text[:window] if window else text))  # noqa: S308 - escaped
    return _highlight(text, _pattern(tuple(words)), window)


@lru_cache(maxsize=512)
def _pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)


def _highlight(text: str, pattern: re.Pattern[str], window: int | None) -> SafeString:
    # html.escape directly: django.utils.html.escape is the same escaping behind a lazy-string
    # wrapper that cost more than the escaping (40 calls a search).
    if window:
        first = pattern.search(text)
        start = max(0, (first.start() if first else 0) - window // 3)
        end = min(len(text), start + window)
        text = ("…" if start > 0 else "") + text[start:end] + ("…" if end < len(text) else "")
    out: list[str] = []
    last = 0
    for m in pattern.finditer(text):
        out.append(html.escape(text[last : m.start()]))
        out.append(f"<mark>{html.escape(m.group(0))}</mark>")
        last = m.end()
    out.append(html.escape(text[last:]))
    return mark_safe("".join(out))  # noqa: S308 - every piece escaped above


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
    pattern = _pattern(tuple(sorted(set(tokens), key=len, reverse=True)))
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
                title=_highlight(policy.title, pattern, None),
                snippet=_highlight(source, pattern, 120),
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
