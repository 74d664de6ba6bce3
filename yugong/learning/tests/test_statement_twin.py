"""The statement's two paths return the same thing: the one-statement fast path of PostgreSQL
(``bank._statement_sql``, the ORM's querysets compiled once per process) and the ORM reference
(``bank._statement_orm``, two queries; the path on SQLite) — rows, totals, waiting count and cursor,
across keyset pages with ties, expired rows, an empty account, a person without an account and a
user without a person. And the API's plain-dict body renders byte for byte what Ninja's validated
``LearningStatementOut`` would."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.db import connection

from tests.helpers import UserFactory, assert_max_queries, make_union
from yugong.accounts.system import system_actor
from yugong.learning import bank
from yugong.learning.api import _JSON, LearningStatementOut, statement_body
from yugong.learning.bank import account_for, credit_statement, outcome_deposit, outcome_review
from yugong.learning.models import ConversionRule
from yugong.members.tests.factories import make_person

pytestmark = pytest.mark.django_db
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the fast path is PostgreSQL's (SQLite takes the ORM path)"
)


def _deposit(
    person: Any, union: Any, ref: str, credits: str, source: str = "honour", *, credit: bool = True
) -> None:
    outcome, _created = outcome_deposit(
        person=person,
        source=source,
        source_ref=ref,
        title="成果",
        evidence={},
        credits=Decimal(credits),
        union_id=union.pk,
        actor=system_actor(),
    )
    if credit:
        outcome_review(actor=system_actor(), outcome_id=outcome.pk, approve=True)


def _shown(st: bank.Statement | None) -> Any:
    """Everything a reader sees, with the decimals' and times' exact forms (``==`` alone would take
    Decimal("2") for Decimal("2.0"))."""
    if st is None:
        return None
    rows = [
        (e.pk, e.source, str(e.credits), e.expires_on, e.created_at.isoformat(), str(e.get_source_display()))
        for e in st.entries
    ]
    return rows, str(st.total), st.pending, st.next_cursor


def _both(who: str, key: int, *, after: str = "", limit: int = bank.STATEMENT_PAGE) -> Any:
    position = bank._parse_cursor(after) if after else None
    orm = bank._statement_orm(who, key, position=position, limit=limit)
    fast = bank._statement_sql(who, key, position=position, limit=limit)
    assert _shown(fast) == _shown(orm)
    assert fast == orm
    return fast


def _walk(who: str, key: int, limit: int) -> list[int]:
    seen: list[int] = []
    after = ""
    for _page in range(50):
        st = _both(who, key, after=after, limit=limit)
        seen += [e.pk for e in st.entries]
        after = st.next_cursor
        if not after:
            return seen
    raise AssertionError("the pages did not end")


@postgresql_only
def test_fast_path_equals_the_orm_across_pages_ties_expiry_and_waiting() -> None:
    union, user = make_union(None), UserFactory()
    person = make_person(user=user)
    ConversionRule.objects.create(source="course", validity_days=30)
    with time_machine.travel(dt.datetime(2025, 3, 1, 10, tzinfo=dt.UTC), tick=False):
        for i in range(4):  # four rows at the same instant: ties broken by id; expired by now
            _deposit(person, union, f"old{i}", "1.5", source="course")
    with time_machine.travel(dt.datetime(2026, 6, 1, 10, tzinfo=dt.UTC), tick=False):
        _deposit(person, union, "c-now", "2.0", source="course")  # the bucket of this expiry
    for i in range(5):
        _deposit(person, union, f"h{i}", "0.5")  # never expire
    _deposit(person, union, "w1", "3.0", credit=False)  # waiting for review
    _deposit(person, union, "w2", "3.0", credit=False)
    expected = list(account_for(person).entries.order_by("-created_at", "-pk").values_list("pk", flat=True))
    for who, key in (("user_id", user.pk), ("pk", person.pk)):
        for limit in (1, 3, 4, 5, 10, 100):
            assert _walk(who, key, limit) == expected
    first = _both("user_id", user.pk)
    assert first.pending == 2 and len(first.entries) == 10 and first.next_cursor == ""
    with time_machine.travel(dt.datetime(2026, 6, 20, 10, tzinfo=dt.UTC), tick=False):
        assert _both("pk", person.pk).total == Decimal("4.5")  # 2.0 + 5 × 0.5; March's rows expired
    assert _both("pk", person.pk).total == Decimal("2.5")  # June's course row expired too
    # A cursor past the last row, and one between the tied rows.
    last = _both("pk", person.pk, limit=100).entries[-1]
    assert _both("pk", person.pk, after=bank._cursor(last)).entries == []
    tied = _both("pk", person.pk, limit=100).entries[-3]
    assert len(_both("pk", person.pk, after=bank._cursor(tied)).entries) == 2


@postgresql_only
def test_fast_path_equals_the_orm_without_ledger_account_or_person() -> None:
    union = make_union(None)
    waiting_only = make_person(user=UserFactory())
    _deposit(waiting_only, union, "w", "1.0", credit=False)  # account, nothing credited
    empty = make_person(user=UserFactory())
    account_for(empty)  # account, nothing at all
    no_account = make_person(user=UserFactory())
    nobody = UserFactory()
    for person, pending in ((waiting_only, 1), (empty, 0), (no_account, 0)):
        for who, key in (("user_id", person.user_id), ("pk", person.pk)):
            st = _both(who, key)
            assert (st.entries, st.total, st.pending, st.next_cursor) == ([], Decimal("0.0"), pending, "")
            assert _both(who, key, after="1.1").entries == []
    assert _both("user_id", nobody.pk) is None
    assert _both("pk", -1) is None


@postgresql_only
def test_fast_path_is_compiled_once_and_takes_one_statement() -> None:
    union, user = make_union(None), UserFactory()
    person = make_person(user=user)
    for i in range(3):
        _deposit(person, union, f"h{i}", "1.0")
    bank.credit_statement_for_user(user, limit=2)
    sql = bank._compiled_statements[("user_id", False, 2)][0]
    with assert_max_queries(1) as ctx:
        st = bank.credit_statement_for_user(user, limit=2)
    assert len(ctx.captured_queries) == 1 and st is not None and len(st.entries) == 2
    assert bank._compiled_statements[("user_id", False, 2)][0] is sql


def test_public_functions_agree_with_the_reference_on_any_database() -> None:
    """``credit_statement`` / ``credit_statement_for_user`` (whichever path this database takes)
    equal the ORM reference."""
    union, user = make_union(None), UserFactory()
    person = make_person(user=user)
    for i in range(4):
        _deposit(person, union, f"h{i}", "1.0")
    for after in ("", bank._cursor(credit_statement(person, limit=2).entries[-1])):
        reference = bank._statement_orm(
            "pk", person.pk, position=bank._parse_cursor(after) if after else None, limit=2
        )
        assert credit_statement(person, after=after, limit=2) == reference
        assert bank.credit_statement_for_user(user, after=after, limit=2) == reference


def test_api_body_renders_what_the_validated_schema_would(client) -> None:
    """The view returns ``statement_body`` rendered as it is; Ninja would have validated the
    statement into ``LearningStatementOut`` and rendered its dump: the same bytes."""
    union, user = make_union(None), UserFactory()
    person = make_person(user=user)
    ConversionRule.objects.create(source="course", validity_days=400)
    _deposit(person, union, "c", "2.0", source="course")  # with an expiry date
    for i in range(3):
        _deposit(person, union, f"h{i}", "0.5")  # without
    _deposit(person, union, "w", "1.0", credit=False)
    client.force_login(user)
    for limit in (2, 20):
        st = credit_statement(person, limit=limit)
        validated = LearningStatementOut.model_validate(
            {"total": st.total, "entries": st.entries, "pending": st.pending, "next_cursor": st.next_cursor}
        ).model_dump()
        expected = _JSON.render(None, validated, response_status=200)  # type: ignore[arg-type]
        assert _JSON.render(None, statement_body(st), response_status=200) == expected  # type: ignore[arg-type]
        response = client.get(f"/api/v1/learning/statement?limit={limit}")
        assert response.status_code == 200 and response["Content-Type"] == "application/json; charset=utf-8"
        assert response.content.decode() == expected
        body = json.loads(response.content)
        assert body["pending"] == 1 and body["total"] == "3.5"
        assert LearningStatementOut.model_validate(body)
