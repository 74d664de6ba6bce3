"""Reconciliation of the ledger against the payment provider's daily bill, and the person who
resolves each difference (audited).

Built for a million bill lines with flat memory: the bill is streamed (never held), staged (on
PostgreSQL ``COPY`` into a temporary table; elsewhere batches into ``funds_statementline``) and
compared with the ledger in SQL — per trade number, the bill's net (payments less refunds) against the net of the ledger's
cash lines carrying that number (``LedgerEntry.external_ref``), plus every ledger movement of the
day the bill does not know. The differences are written by the same statement; the staged lines
are removed at the end."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import connection, transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.core.audit import audit_record
from yugong.core.errors import Conflict
from yugong.core.timeutil import SHANGHAI, now
from yugong.orgs.models import Union

from .. import ledger
from ..models import Difference, LedgerEntry, LedgerLine, Reconciliation, StatementLine
from ..payments.wechatpay_bill import BillRow
from .common import FINANCE_ROLES, clean_words, lock, require

STAGE_BATCH = 5000
RECONCILE_TIMEOUT = "600s"


TEMP_BILL = "funds_reconcile_bill"


def _stage(run: Reconciliation, rows: Iterable[BillRow]) -> tuple[int, int, str]:
    """Write the bill's lines (trade number, signed amount) for the run; returns (count, net, the
    SQL source of the staged lines). PostgreSQL: a temporary table (no WAL, dropped at commit)
    filled by COPY and analysed, so the planner knows it holds a million rows. Elsewhere: batches
    into ``funds_statementline``, removed at the end."""
    count = net = 0
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TEMPORARY TABLE {TEMP_BILL} (external_ref varchar(64) NOT NULL, amount_fen bigint NOT NULL) "
                "ON COMMIT DROP"
            )
            raw = cursor.cursor  # psycopg's own cursor: COPY streams rows to the server
            with raw.copy(f"COPY {TEMP_BILL} (external_ref, amount_fen) FROM STDIN") as copy:
                for row in rows:
                    amount = row.amount_fen - row.refund_fen
                    copy.write_row((row.out_trade_no[:64], amount))
                    count += 1
                    net += amount
            cursor.execute(f"ANALYZE {TEMP_BILL}")
        return count, net, TEMP_BILL
    chunk: list[StatementLine] = []
    for row in rows:
        amount = row.amount_fen - row.refund_fen
        chunk.append(StatementLine(run=run, external_ref=row.out_trade_no[:64], amount_fen=amount))
        count += 1
        net += amount
        if len(chunk) >= STAGE_BATCH:
            StatementLine.objects.bulk_create(chunk)
            chunk = []
    StatementLine.objects.bulk_create(chunk)
    source = f"(SELECT external_ref, amount_fen FROM {StatementLine._meta.db_table} WHERE run_id = %(run)s)"  # noqa: S608
    return count, net, source


def _compare_sql(source: str) -> str:
    entry, line, diff = LedgerEntry._meta.db_table, LedgerLine._meta.db_table, Difference._meta.db_table
    return f"""
WITH bill AS (
    SELECT external_ref, SUM(amount_fen) AS a FROM {source} s GROUP BY external_ref
), refs AS (
    SELECT e.id, e.external_ref FROM {entry} e JOIN bill b ON b.external_ref = e.external_ref
    WHERE e.external_ref <> ''
    UNION
    SELECT e.id, e.external_ref FROM {entry} e
    WHERE e.external_ref <> '' AND e.created_at >= %(lo)s AND e.created_at < %(hi)s
), books AS (
    SELECT r.external_ref, SUM(l.amount_fen) AS a
    FROM refs r JOIN {line} l ON l.entry_id = r.id
    WHERE l.account = %(account)s
    GROUP BY r.external_ref
)
INSERT INTO {diff} (run_id, kind, external_ref, statement_fen, ledger_fen, status, resolution)
SELECT %(run)s, CASE WHEN k.a IS NULL THEN 'missing_in_ledger' ELSE 'amount' END, b.external_ref, b.a, k.a, 'open', ''
FROM bill b LEFT JOIN books k ON k.external_ref = b.external_ref
WHERE k.a IS NULL OR k.a <> b.a
UNION ALL
SELECT %(run)s, 'missing_in_statement', k.external_ref, NULL, k.a, 'open', ''
FROM books k
WHERE k.a <> 0 AND NOT EXISTS (SELECT 1 FROM bill b WHERE b.external_ref = k.external_ref)
"""  # noqa: S608 - table names from the models, values bound


def provider_bill_reconcile(
    *,
    actor: User,
    union: Union,
    day: dt.date,
    rows: Iterable[BillRow],
    source: str = "wechatpay",
    account: str = ledger.PLATFORM_CASH,
) -> Reconciliation:
    """Compare the provider's bill of ``day`` (rows streamed, e.g. ``WeChatPayClient.trade_bill``)
    with the ledger's ``account``; the run lists every difference. Outside a locking transaction
    of its own callers: the download is network I/O, so pass a generator that downloads lazily
    only when the caller accepts holding a transaction during it, else materialise to a file."""
    require(actor, union, FINANCE_ROLES)
    lo = dt.datetime.combine(day, dt.time.min, tzinfo=SHANGHAI)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # A whole day's bill is one long job, not a request: lift the per-statement bound
            # (DB_STATEMENT_TIMEOUT_MS) for this transaction only.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL statement_timeout = %s", [RECONCILE_TIMEOUT])
        run = Reconciliation.objects.create(
            kind=Reconciliation.Kind.PROVIDER_BILL,
            source=f"{source} {day.isoformat()}"[:100],
            union=union,
            created_by=actor,
        )
        run.statement_lines, run.statement_fen, source = _stage(run, rows)
        hi = lo + dt.timedelta(days=1)
        params: dict[str, Any] = {"run": run.pk, "account": account, "lo": lo, "hi": hi}
        with connection.cursor() as cursor:
            cursor.execute(_compare_sql(source), params)
        run.differences = Difference.objects.filter(run=run).count()
        books = LedgerLine.objects.filter(
            account=account, entry__created_at__gte=lo, entry__created_at__lt=params["hi"]
        )
        run.ledger_fen = int(books.exclude(entry__external_ref="").aggregate(s=Sum("amount_fen"))["s"] or 0)
        run.save()
        if source != TEMP_BILL:
            StatementLine.objects.filter(run=run).delete()
        audit_record(
            actor=actor,
            action="funds.reconcile_provider_bill",
            obj=run,
            union_id=union.pk,
            extra={"lines": run.statement_lines, "differences": run.differences},
        )
    return run


@transaction.atomic
def difference_resolve(*, actor: User, difference: Difference | int, resolution: str) -> Difference:
    """A person explains and closes a difference (the explanation is kept and audited)."""
    text = clean_words(resolution, field="resolution", max_length=500)
    locked = lock(Difference, difference)
    run = Reconciliation.objects.select_related("union").get(pk=locked.run_id)
    require(actor, run.union, FINANCE_ROLES)
    if locked.status != Difference.Status.OPEN:
        raise Conflict(_("该差异已处理。"), code="resolved")
    locked.status = Difference.Status.RESOLVED
    locked.resolution = text
    locked.resolved_by = actor
    locked.resolved_at = now()
    locked.save(update_fields=["status", "resolution", "resolved_by", "resolved_at"])
    audit_record(
        actor=actor,
        action="funds.difference_resolve",
        obj=locked,
        union_id=run.union_id,
        changes={"status": ["open", "resolved"]},
        extra={"resolution": text},
    )
    return locked
