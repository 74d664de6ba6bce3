"""The credit statement at scale: keyset pages, the valid total from the balance buckets (kept in the
crediting transaction, checked against the ledger), and two queries however long the ledger."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import connection

from tests.helpers import UserFactory, assert_max_queries, make_union
from yugong.accounts.system import system_actor
from yugong.core.errors import ValidationFailed
from yugong.learning.bank import balance_check, credit_statement, outcome_deposit, outcome_review
from yugong.learning.models import NEVER_EXPIRES, ConversionRule, CreditBalance, LearningAccount
from yugong.members.tests.factories import make_person

pytestmark = pytest.mark.django_db


def _credit(person, union, ref: str, credits: str, source: str = "honour") -> None:
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
    outcome_review(actor=system_actor(), outcome_id=outcome.pk, approve=True)


def test_pages_walk_the_whole_ledger_newest_first_without_repeats() -> None:
    union, person = make_union(None), make_person()
    for i in range(7):
        _credit(person, union, f"h{i}", "1.0")
    seen, after = [], ""
    for _page in range(4):
        st = credit_statement(person, after=after, limit=3)
        seen += [e.pk for e in st.entries]
        after = st.next_cursor
        if not after:
            break
    account = LearningAccount.objects.get(person=person)
    assert seen == list(account.entries.order_by("-created_at", "-pk").values_list("pk", flat=True))
    assert len(seen) == 7 and after == ""
    assert st.total == Decimal("7.0")


def test_total_counts_unexpired_buckets_only_and_buckets_follow_the_ledger() -> None:
    union, person = make_union(None), make_person()
    ConversionRule.objects.create(source="course", validity_days=30)
    with time_machine.travel(dt.datetime(2026, 1, 1, 10, tzinfo=dt.UTC), tick=False):
        _credit(person, union, "c1", "2.0", source="course")
        _credit(person, union, "c2", "1.5", source="course")  # the same day: the same bucket
    _credit(person, union, "c3", "1.0", source="course")
    _credit(person, union, "h1", "3.0")  # never expires
    account = LearningAccount.objects.get(person=person)
    buckets = {
        (b.source, b.expires_on): (b.credits, b.entries)
        for b in CreditBalance.objects.filter(account=account)
    }
    assert buckets[("course", dt.date(2026, 1, 31))] == (Decimal("3.5"), 2)
    assert buckets[("honour", NEVER_EXPIRES)] == (Decimal("3.0"), 1)
    assert balance_check(account.pk)
    assert credit_statement(person).total == Decimal("4.0")  # 1.0 + 3.0; January's course rows expired


def test_cap_is_read_from_the_buckets() -> None:
    union, person = make_union(None), make_person()
    ConversionRule.objects.create(source="honour", cap_credits=Decimal(5))
    for i in range(3):
        _credit(person, union, f"h{i}", "2.0")
    assert credit_statement(person).total == Decimal("5.0")
    assert balance_check(LearningAccount.objects.get(person=person).pk)


def test_bad_cursor_and_limit_are_refused() -> None:
    person = make_person()
    for after in ("x", "1.2.3", "-.5", "1" * 41):
        with pytest.raises(ValidationFailed) as exc:
            credit_statement(person, after=after)
        assert "after" in exc.value.fields
    with pytest.raises(ValidationFailed):
        credit_statement(person, limit=0)


@pytest.mark.parametrize("rows", [3, 30])
def test_statement_api_and_page_queries_stay_flat(client, rows: int) -> None:
    union, user = make_union(None), UserFactory()
    person = make_person(user=user)
    for i in range(rows):
        _credit(person, union, f"h{i}", "0.5")
    client.force_login(user)
    # the session and user (at most 2), then on PostgreSQL one statement (the person with account, total and
    # waiting, and the page); elsewhere the header (1) and the page (1)
    statement_queries = 1 if connection.vendor == "postgresql" else 2
    with assert_max_queries(2 + statement_queries) as ctx:
        body = client.get("/api/v1/learning/statement?limit=20").json()
    assert sum("learning_" in q["sql"] for q in ctx.captured_queries) == statement_queries
    with assert_max_queries(statement_queries) as ctx:
        assert credit_statement(person, limit=20).total == Decimal(rows) / 2
    assert len(ctx.captured_queries) == statement_queries
    assert len(body["entries"]) == min(rows, 20) and Decimal(body["total"]) == Decimal(rows) / 2
    assert bool(body["next_cursor"]) == (rows > 20)
    if body["next_cursor"]:
        rest = client.get(f"/api/v1/learning/statement?after={body['next_cursor']}").json()
        assert len(rest["entries"]) == rows - 20 and rest["next_cursor"] == ""
        page = client.get(f"/learning/credits/?after={body['next_cursor']}").content.decode()
        assert page.count('data-testid="credit-row"') == rows - 20
    assert client.get("/api/v1/learning/statement?after=nope").status_code == 422


def test_statement_api_without_a_person_names_the_field(client) -> None:
    client.force_login(UserFactory())
    response = client.get("/api/v1/learning/statement")
    assert response.status_code == 422 and "person" in response.json()["fields"]
