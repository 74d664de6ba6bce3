"""The credit bank (学分银行): a lifelong learning account per person, outcomes deposited →
reviewed → credited, and the append-only credit ledger with per-source caps."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import BigIntegerField, Count, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.core.audit import audit_record
from yugong.core.db import prepared_cursor
from yugong.core.errors import Conflict, ValidationFailed
from yugong.core.facts import fact_record
from yugong.core.timeutil import local_today
from yugong.core.timeutil import now as tz_now
from yugong.core.validators import is_ascii_digits
from yugong.members.models import Person
from yugong.orgs.access import MANAGE_ROLES, access_object, require_role

from .models import (
    NEVER_EXPIRES,
    ConversionRule,
    CreditBalance,
    CreditEntry,
    LearningAccount,
    Outcome,
    Source,
)


def account_for(person: Person) -> LearningAccount:
    account, _created = LearningAccount.objects.get_or_create(person=person)
    return account


@transaction.atomic
def outcome_deposit(
    *,
    person: Person,
    source: str,
    source_ref: str,
    title: str,
    evidence: dict[str, Any],
    credits: Decimal | int | None,
    union_id: int,
    actor: User | None,
) -> tuple[Outcome, bool]:
    """Deposit an outcome for review; a second deposit of the same source item returns the first
    (``created`` False), so redelivered events and repeated completions deposit once."""
    if source not in Source.values:
        raise ValidationFailed(fields={"source": _("成果来源无效")})
    account = account_for(person)
    if credits is None:
        rule = ConversionRule.objects.filter(source=source).first()
        credits = rule.default_credits if rule else Decimal(0)
    if Decimal(credits) < 0:
        raise ValidationFailed(fields={"credits": _("学分不能为负数")})
    outcome, created = Outcome.objects.get_or_create(
        account=account,
        source=source,
        source_ref=source_ref,
        defaults={
            "title": title[:200],
            "evidence": evidence,
            "credits_claimed": Decimal(credits),
            "union_id": union_id,
        },
    )
    if created:
        audit_record(actor=actor, action="learning.outcome_deposit", obj=outcome, union_id=union_id)
        fact_record(metric="learning_outcomes_deposited", union_id=union_id, dim=source)
    return outcome, created


@transaction.atomic
def outcome_review(
    *, actor: User, outcome_id: int, approve: bool, note: str = "", _unsafe_no_lock: bool = False
) -> Outcome:
    """Staff of the outcome's union subtree review it; an approved outcome is credited at once,
    within the source's cap (the account row is locked so two reviews cannot both fill it)."""
    outcome = access_object(Outcome.objects.select_related("union"), actor, outcome_id)
    require_role(actor, outcome.union, MANAGE_ROLES)
    outcome = Outcome.objects.select_for_update().get(pk=outcome.pk)
    if outcome.status != Outcome.Status.DEPOSITED:
        raise Conflict(_("该成果已审核"))
    if len(note) > 200:
        raise ValidationFailed(fields={"note": _("审核意见不能超过200字")})
    if not approve and not note.strip():
        raise ValidationFailed(fields={"note": _("不予认定须填写审核意见。")})
    outcome.reviewed_at = tz_now()
    outcome.reviewed_by = actor if getattr(actor, "pk", None) else None
    outcome.review_note = note
    outcome.status = Outcome.Status.REVIEWED if approve else Outcome.Status.REJECTED
    outcome.save(update_fields=["reviewed_at", "reviewed_by", "review_note", "status"])
    audit_record(
        actor=actor,
        action="learning.outcome_approve" if approve else "learning.outcome_reject",
        obj=outcome,
        union_id=outcome.union_id,
    )
    if approve:
        _credit(outcome=outcome, actor=actor, lock=not _unsafe_no_lock)
    return outcome


def _credit(*, outcome: Outcome, actor: User, lock: bool = True) -> CreditEntry:
    # The account row lock orders every crediting of one account: the cap read below and the balance
    # buckets written after the ledger append cannot interleave with another review's. (``lock`` is
    # off only in the race test's control.)
    if lock:
        LearningAccount.objects.select_for_update().get(pk=outcome.account_id)
    rule = ConversionRule.objects.filter(source=outcome.source).first()
    credits = outcome.credits_claimed
    if rule and rule.cap_credits is not None:
        held = CreditBalance.objects.filter(account_id=outcome.account_id, source=outcome.source).aggregate(
            s=Sum("credits")
        )["s"] or Decimal(0)
        credits = max(Decimal(0), min(credits, rule.cap_credits - held))
    expires = None
    if rule and rule.validity_days:
        expires = local_today() + dt.timedelta(days=rule.validity_days)
    entry = CreditEntry.objects.create(
        account_id=outcome.account_id,
        outcome=outcome,
        source=outcome.source,
        evidence={**outcome.evidence, "outcome_id": outcome.pk, "claimed": str(outcome.credits_claimed)},
        credits=credits,
        expires_on=expires,
    )
    _balance_add(account_id=outcome.account_id, source=outcome.source, expires_on=expires, credits=credits)
    outcome.status = Outcome.Status.CREDITED
    outcome.save(update_fields=["status"])
    audit_record(actor=actor, action="learning.credit", obj=entry, union_id=outcome.union_id)
    fact_record(metric="learning_credits_granted", union_id=outcome.union_id, value=int(credits * 10))
    return entry


def _balance_add(*, account_id: int, source: str, expires_on: dt.date | None, credits: Decimal) -> None:
    """Add a ledger row to its balance bucket. Precondition: the caller holds the account's row lock
    (``_credit``), so the bucket cannot be created twice or updated from two transactions at once;
    the unique constraint is the last judge."""
    key = {"account_id": account_id, "source": source, "expires_on": expires_on or NEVER_EXPIRES}
    if not CreditBalance.objects.filter(**key).update(
        credits=F("credits") + credits, entries=F("entries") + 1
    ):
        CreditBalance.objects.create(**key, credits=credits, entries=1)


def balance_from_ledger(account_id: int) -> dict[tuple[str, dt.date], tuple[Decimal, int]]:
    """The buckets recomputed from the ledger rows (the record): ``{(source, expiry): (credits,
    rows)}``. ``balance_check`` compares them with the maintained ones."""
    rows = (
        CreditEntry.objects.filter(account_id=account_id)
        .values("source", "expires_on")
        .annotate(s=Sum("credits"), n=Count("pk"))
        .order_by()
    )
    out: dict[tuple[str, dt.date], tuple[Decimal, int]] = {}
    for r in rows:
        key = (r["source"], r["expires_on"] or NEVER_EXPIRES)
        credits, n = out.get(key, (Decimal(0), 0))
        out[key] = (credits + r["s"], n + r["n"])
    return out


def balance_check(account_id: int) -> bool:
    """True when the maintained buckets of the account equal those recomputed from its ledger."""
    kept = {
        (b.source, b.expires_on): (b.credits, b.entries)
        for b in CreditBalance.objects.filter(account_id=account_id)
        if b.entries
    }
    return kept == balance_from_ledger(account_id)


STATEMENT_PAGE = 20
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_ROW_FIELDS = ("pk", "source", "credits", "expires_on", "created_at")


@dataclass(frozen=True, slots=True)
class StatementRow:
    """One ledger row of the statement, as plain values (what the page and the API show)."""

    pk: int
    source: str
    credits: Decimal
    expires_on: dt.date | None
    created_at: dt.datetime

    def get_source_display(self) -> str:
        return str(dict(Source.choices).get(self.source, self.source))


@dataclass(frozen=True)
class Statement:
    entries: list[StatementRow]  # one page, newest first
    total: Decimal  # credits not expired today
    pending: int  # outcomes waiting for review
    next_cursor: str  # "" on the last page


def _cursor(entry: StatementRow) -> str:
    micros = (entry.created_at - _EPOCH) // dt.timedelta(microseconds=1)  # exact, no float
    return f"{micros}.{entry.pk}"


def _parse_cursor(after: str) -> tuple[dt.datetime, int]:
    micros, _dot, pk = after.partition(".")
    if not (is_ascii_digits(micros.lstrip("-")) and is_ascii_digits(pk)) or len(after) > 40:
        raise ValidationFailed(fields={"after": _("翻页位置无效")})
    return _EPOCH + dt.timedelta(microseconds=int(micros)), int(pk)


def credit_statement(person: Person, *, after: str = "", limit: int = STATEMENT_PAGE) -> Statement:
    """The worker's statement, one page at a time: ledger rows newest first (keyset ``after`` the
    previous page's ``next_cursor``), the valid total and the number of outcomes waiting.

    Whatever the ledger holds, it reads the person with the account, the total of the balance
    buckets not yet expired (a few rows per account, not the ledger) and the waiting count
    (:func:`_header`), and the page by the (account, created_at, id) index (:func:`_page`): on
    PostgreSQL in ONE statement compiled once per process and prepared once per pooled connection
    (:func:`_statement_sql`), elsewhere as two ORM queries (:func:`_statement_orm`, the reference;
    ``tests/test_statement_twin.py``)."""
    statement = _statement("pk", person.pk, after=after, limit=limit)
    assert statement is not None  # noqa: S101 - the person exists
    return statement


def credit_statement_for_user(
    user: User, *, after: str = "", limit: int = STATEMENT_PAGE
) -> Statement | None:
    """:func:`credit_statement` of the signed-in worker's person, found in the same statement
    (the API's path); None when the user has no person."""
    return _statement("user_id", user.pk, after=after, limit=limit)


def _statement(who: str, key: int, *, after: str, limit: int) -> Statement | None:
    if not 1 <= limit <= 100:
        raise ValidationFailed(fields={"limit": _("每页条数应在1到100之间")})
    position = _parse_cursor(after) if after else None
    if connection.vendor == "postgresql":
        return _statement_sql(who, key, position=position, limit=limit)
    return _statement_orm(who, key, position=position, limit=limit)


# --- The rules of the statement (both paths take them from here) ------------------------------------


def _header(who: str, key: Any, today: dt.date) -> QuerySet[Any, tuple[Any, Any, Any]]:
    """The person (``who`` is ``pk`` or ``user_id``) with its account id, the valid total (buckets
    expiring today or later) and the number of outcomes waiting: ``(account_id, valid, waiting)``,
    at most one row."""
    account = LearningAccount.objects.filter(person=OuterRef("pk"))
    return (
        Person.objects.filter(**{who: key})
        .annotate(
            account_id=Subquery(account.values("pk")[:1]),
            valid=Subquery(
                CreditBalance.objects.filter(account__person=OuterRef("pk"), expires_on__gte=today)
                .order_by()
                .values("account")
                .annotate(s=Sum("credits"))
                .values("s")[:1]
            ),
            waiting=Subquery(
                Outcome.objects.filter(account__person=OuterRef("pk"), status=Outcome.Status.DEPOSITED)
                .order_by()
                .values("account")
                .annotate(n=Count("pk"))
                .values("n")[:1]
            ),
        )
        .values_list("account_id", "valid", "waiting")
        .order_by()[:1]
    )


def _page(
    account: Any, position: tuple[dt.datetime, int] | None, limit: int
) -> QuerySet[Any, tuple[Any, ...]]:
    """The account's ledger rows after the keyset ``position``, newest first, one more than the
    page (to know whether another follows): ``_ROW_FIELDS`` values."""
    rows = CreditEntry.objects.filter(account_id=account)
    if position is not None:
        at, pk = position
        rows = rows.filter(Q(created_at__lt=at) | Q(created_at=at, pk__lt=pk))
    return rows.order_by("-created_at", "-pk").values_list(*_ROW_FIELDS)[: limit + 1]


def _assemble(
    account_id: int | None, valid: Any, waiting: int | None, rows: list[tuple[Any, ...]], limit: int
) -> Statement:
    # One decimal place whatever the database's sum gives back (SQLite's "2", PostgreSQL's "2.0").
    total = Decimal(valid or 0).quantize(Decimal("0.1"))
    if account_id is None:
        return Statement(entries=[], total=total, pending=0, next_cursor="")
    page = [StatementRow(*row) for row in rows[:limit]]
    more = len(rows) > limit
    return Statement(
        entries=page, total=total, pending=waiting or 0, next_cursor=_cursor(page[-1]) if more else ""
    )


def _statement_orm(
    who: str, key: int, *, position: tuple[dt.datetime, int] | None, limit: int
) -> Statement | None:
    """The reference path: the header, then the page — two ORM queries."""
    header = list(_header(who, key, local_today()))
    if not header:
        return None
    account_id, valid, waiting = header[0]
    rows = list(_page(account_id, position, limit)) if account_id is not None else []
    return _assemble(account_id, valid, waiting, rows, limit)


# --- The fast path (PostgreSQL): the same querysets, compiled once per process ----------------------

# Values that stand for the run-time ones while the ORM compiles; each must come out as a parameter
# of its own (checked), every other parameter is a constant of the rules (a status) and is kept.
_KEY = -7_310_001
_TODAY = dt.date(1901, 2, 3)
_AT = dt.datetime(1901, 2, 3, 4, 5, 6, 789, tzinfo=dt.UTC)
_PK = -7_310_002
_compiled_statements: dict[tuple[str, bool, int], tuple[str, tuple[Any, ...]]] = {}


def _compile_statement(who: str, positioned: bool, limit: int) -> tuple[str, tuple[Any, ...]]:
    """``_header`` and ``_page`` as one statement: the page joined LATERAL to the header's account
    (one row with NULL row columns when the account is missing or empty; no row without the person).
    Returns the SQL and its parameter template (sentinels where the run-time values go)."""
    found = _compiled_statements.get((who, positioned, limit))
    if found is not None:
        return found
    header_sql, header_params = _header(who, _KEY, _TODAY).query.sql_with_params()
    account = RawSQL("h.account_id", (), output_field=BigIntegerField())
    page_qs = _page(account, (_AT, _PK) if positioned else None, limit)
    page_sql, page_params = page_qs.query.sql_with_params()
    params = (*header_params, *page_params)
    expected = {_KEY: 1, _TODAY: 1, _AT: 2 if positioned else 0, _PK: 1 if positioned else 0}
    for sentinel, n in expected.items():
        if sum(1 for p in params if type(p) is type(sentinel) and p == sentinel) != n:
            raise RuntimeError(f"unexpected statement parameters: {params!r}")
    cols = ", ".join(f"r_{name}" for name in _ROW_FIELDS)
    # Both SELECTs come from the ORM; the names are fixed here; the values are all parameters.
    sql = (
        f"WITH h(account_id, valid, waiting) AS ({header_sql}) "  # noqa: S608
        f"SELECT h.account_id, h.valid, h.waiting, {cols} FROM h "
        f"LEFT JOIN LATERAL ({page_sql}) AS e({cols}) ON TRUE "
        "ORDER BY r_created_at DESC, r_pk DESC"
    )
    _compiled_statements[(who, positioned, limit)] = (sql, params)
    return sql, params


def _statement_sql(
    who: str, key: int, *, position: tuple[dt.datetime, int] | None, limit: int
) -> Statement | None:
    sql, template = _compile_statement(who, position is not None, limit)
    values: dict[Any, Any] = {_KEY: key, _TODAY: local_today()}
    if position is not None:
        values[_AT], values[_PK] = position
    params = [values.get(p, p) if type(p) in (int, dt.date, dt.datetime) else p for p in template]
    with prepared_cursor() as cursor:  # parsed and planned once per pooled connection
        cursor.execute(sql, params)
        found = cursor.fetchall()
    if not found:
        return None
    account_id, valid, waiting = found[0][:3]
    rows = [tuple(r[3:]) for r in found if r[3] is not None]
    return _assemble(account_id, valid, waiting, rows, limit)
