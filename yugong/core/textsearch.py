"""Chinese full-text search, for any table with a ``search_text`` column (the policy library, news).

Chinese has no spaces, so words come from jieba: documents are cut in "search" mode (every word
and its sub-words: 中华人民共和国 → 中华 华人 人民 共和 共和国 中华人民共和国), queries in precise mode,
both lower-cased and joined by spaces into ``search_text``. The database engine then does what it
does with any space-separated text:

* PostgreSQL: ``search_vector`` is a stored generated ``tsvector`` over ``search_text`` with the
  ``'simple'`` configuration (no stemming, no stop words — jieba's words are the lexemes), GIN
  indexed (:func:`create_search_index` in the table's migration); queries are
  ``to_tsquery('simple', 'w1' & 'w2')`` ranked by ``ts_rank``.
* SQLite: an FTS5 table ``<table>_fts`` (``unicode61`` tokenizer, which splits on the spaces and keeps
  CJK runs whole), rowid = the row's id, kept in sync by :func:`fts_sync` on every write; ranked
  by ``bm25``.
* Anything else: ``LIKE`` over ``search_text`` (correct, slow; development only).

Question words (怎么办, 如何, 吗 …) are dropped from queries. Highlights are built in Python over the
shown text: every piece is HTML-escaped, matches are wrapped in ``<mark>``.
"""

from __future__ import annotations

import html
import logging
import re
import threading
import warnings
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from django.db import connection
from django.utils.safestring import SafeString, mark_safe

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


# --- Keeping an index in step -----------------------------------------------------------------


def fts_sync(table: str, pk: int, text: str | None) -> None:
    """SQLite: replace (or, with ``text`` None, drop) the row's entry in ``<table>_fts``.
    PostgreSQL needs nothing: its column is generated."""
    if engine() != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table}_fts WHERE rowid = %s", [pk])  # noqa: S608 - fixed names
        if text is not None:
            cursor.execute(f"INSERT INTO {table}_fts (rowid, body) VALUES (%s, %s)", [pk, text])  # noqa: S608


def fts_rebuild(table: str) -> int:
    """Refill the SQLite FTS table from ``search_text`` (after bulk loads)."""
    if engine() != "sqlite":
        return 0
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table}_fts")  # noqa: S608
        cursor.execute(f"INSERT INTO {table}_fts (rowid, body) SELECT id, search_text FROM {table}")  # noqa: S608
        return int(cursor.rowcount or 0)


def create_search_index(schema_editor: Any, table: str) -> None:
    """For a migration: the engine's full-text index over ``<table>.search_text``."""
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(
            f"ALTER TABLE {table} ADD COLUMN search_vector tsvector "
            "GENERATED ALWAYS AS (to_tsvector('simple', search_text)) STORED"
        )
        schema_editor.execute(f"CREATE INDEX {table}_search_gin ON {table} USING GIN (search_vector)")
    elif vendor == "sqlite":
        schema_editor.execute(f"CREATE VIRTUAL TABLE {table}_fts USING fts5(body, tokenize='unicode61')")


def drop_search_index(schema_editor: Any, table: str) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {table}_search_gin")
        schema_editor.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS search_vector")
    elif vendor == "sqlite":
        schema_editor.execute(f"DROP TABLE IF EXISTS {table}_fts")


# --- Searching ------------------------------------------------------------------------------


def ranked_ids(
    table: str,
    tokens: Sequence[str],
    *,
    any_word: bool,
    limit: int,
    offset: int,
    where: str = "t.published",
    params: Sequence[Any] = (),
) -> list[int]:
    """Ids of ``table`` rows matching all (or any) ``tokens``, best first. ``where`` is a fixed SQL
    condition over the row alias ``t`` written by the caller (never user input), with ``params``."""
    kind = engine()
    with connection.cursor() as cursor:
        if kind == "postgresql":
            joiner = " | " if any_word else " & "
            tsquery = joiner.join("'" + t.replace("'", "''") + "'" for t in tokens)
            # Rank at most RANK_CANDIDATES matches: a broad word matches thousands of documents and
            # ts_rank reads every one's vector; the GIN bitmap gives the candidates.
            cursor.execute(
                f"SELECT m.id FROM (SELECT t.id, t.search_vector FROM {table} t "  # noqa: S608 - fixed names
                f"WHERE {where} AND t.search_vector @@ to_tsquery('simple', %s) LIMIT %s) m "
                "ORDER BY ts_rank(m.search_vector, to_tsquery('simple', %s)) DESC, m.id DESC LIMIT %s OFFSET %s",
                [*params, tsquery, RANK_CANDIDATES, tsquery, limit, offset],
            )
        elif kind == "sqlite":
            joiner = " OR " if any_word else " "
            match = joiner.join('"' + t.replace('"', '""') + '"' for t in tokens)
            cursor.execute(
                f"SELECT t.id FROM {table}_fts f JOIN {table} t ON t.id = f.rowid "  # noqa: S608
                f"WHERE {table}_fts MATCH %s AND {where} ORDER BY f.rank, t.id DESC LIMIT %s OFFSET %s",
                [match, *params, limit, offset],
            )
        else:
            clauses = ["(' ' || t.search_text || ' ') LIKE %s" for _t in tokens]
            cursor.execute(
                f"SELECT t.id FROM {table} t WHERE {where} AND ({(' OR ' if any_word else ' AND ').join(clauses)}) "  # noqa: S608
                "ORDER BY t.id DESC LIMIT %s OFFSET %s",
                [*params, *[f"% {t} %" for t in tokens], limit, offset],
            )
        return [row[0] for row in cursor.fetchall()]


def highlight(text: str, tokens: Sequence[str], *, window: int | None = None) -> SafeString:
    """``text`` HTML-escaped, with every occurrence of a token wrapped in ``<mark>``. With
    ``window``, only about that many characters around the first match (… on cut ends)."""
    text = text or ""
    words = sorted({t for t in tokens if t}, key=len, reverse=True)
    if not words:
        return mark_safe(html.escape(text[:window] if window else text))  # noqa: S308 - escaped
    return highlight_with(text, words_pattern(tuple(words)), window)


@lru_cache(maxsize=512)
def words_pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)


def highlight_with(text: str, pattern: re.Pattern[str], window: int | None) -> SafeString:
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
