"""How API tokens are stored on PostgreSQL (migration 0004): one index per purpose, and room on each
page so that the periodic ``last_used_at`` touch writes no index entry."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from tests.helpers import UserFactory, requires_postgres
from yugong.accounts.auth import _select_statement, hash_token
from yugong.accounts.models import ApiToken
from yugong.accounts.services import api_token_create

pytestmark = [requires_postgres, pytest.mark.django_db]

TABLE = ApiToken._meta.db_table


def _one(sql: str, params: list[Any]) -> Any:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def test_the_token_pages_keep_room_and_the_hash_has_one_unique_index() -> None:
    assert "fillfactor=80" in (
        _one("SELECT reloptions FROM pg_class WHERE oid = %s::regclass", [TABLE])[0] or []
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s", [TABLE])
        indexes = dict(cursor.fetchall())
    on_hash = [name for name, definition in indexes.items() if "(key_hash" in definition]
    assert on_hash == ["apitoken_key_hash_unique"], indexes
    assert "UNIQUE" in indexes["apitoken_key_hash_unique"]


def test_a_second_token_with_the_same_hash_is_refused() -> None:
    user = UserFactory()
    token, _secret = api_token_create(actor=user, user=user, name="脚本")
    with pytest.raises(IntegrityError), transaction.atomic():
        ApiToken.objects.create(user=user, name="副本", prefix=token.prefix, key_hash=token.key_hash)


def test_the_look_up_reads_the_unique_index() -> None:
    user = UserFactory()
    _token, secret = api_token_create(actor=user, user=user, name="脚本")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a tiny test table: show the index path
        cursor.execute("EXPLAIN " + _select_statement(), [hash_token(secret)])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "apitoken_key_hash_unique" in plan, plan


def _touch_first_rows(count: int) -> tuple[int, int]:
    """Load 200 tokens (about four full pages), touch the first ``count``: (updates, HOT updates)."""
    user = UserFactory()
    ApiToken.objects.bulk_create(
        ApiToken(user=user, name=f"脚本{i}", prefix=f"yg_{i:04d}", key_hash=hash_token(f"yg_token{i}"))
        for i in range(200)
    )
    first = list(ApiToken.objects.filter(user=user).order_by("pk").values_list("pk", flat=True)[:count])

    def counts() -> tuple[int, int]:
        row = _one(
            "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables WHERE relid = %s::regclass",
            [TABLE],
        )
        return (row[0], row[1]) if row else (0, 0)

    before = counts()
    for pk in first:
        ApiToken.objects.filter(pk=pk).update(last_used_at=timezone.now())
    updated, hot = counts()
    return updated - before[0], hot - before[1]


def test_the_touch_of_last_used_at_is_a_heap_only_update() -> None:
    assert _touch_first_rows(10) == (10, 10)


def test_control_on_full_pages_the_touch_writes_index_entries() -> None:
    """The same on pages filled to the brim (the table's setting undone in this transaction)."""
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {connection.ops.quote_name(TABLE)} SET (fillfactor = 100)")
    updated, hot = _touch_first_rows(10)
    assert updated == 10
    assert hot < 10
