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
import tempfile
from collections.abc import Iterable, Iterator
from typing import IO, Any

from django.db import connection, transaction
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.core.audit import audit_record
from yugong.core.errors import Conflict, ValidationFailed
from yugong.core.timeutil import SHANGHAI, now
from yugong.orgs.models import Union

from .. import ledger
from ..models import Difference, LedgerEntry, LedgerLine, Reconciliation, StatementLine
from ..payments.base import worker_gateway
from ..payments.wechatpay import WeChatPayClient, WeChatPayConfig, WeChatPayError
from ..payments.wechatpay_bill import BillError, BillRow, read_bill
from .common import FINANCE_ROLES, clean_words, lock, require

STAGE_BATCH = 5000
COPY_CHUNK = 1 << 20  # bytes handed to COPY at a time: the bill is never held whole
RECONCILE_TIMEOUT = "600s"
# For the reconciliation's own transaction on PostgreSQL: the hash joins and aggregates over a
# day's million trade numbers fit in memory instead of spilling to temporary files (the server's
# default is 4 MB), and JIT compilation (seconds of planning for a statement run once) is off.
RECONCILE_WORK_MEM = "256MB"

TEMP_BILL = "funds_reconcile_bill"  # the bill's lines as staged (PostgreSQL)
TEMP_BILL_NET = "funds_reconcile_net"  # per trade number: the bill's net
TEMP_BOOKS = "funds_reconcile_books"  # per trade number: the ledger's net, and the day's part of it


def _copy_text(rows: Iterable[BillRow]) -> Iterator[tuple[str, int]]:
    """(COPY text lines, net) per bill line. Trade numbers are letters, digits and ``_-|*@``
    (the protocol's out_trade_no); anything COPY would read as syntax is escaped anyway."""
    for row in rows:
        ref = row.out_trade_no[:64]
        if "\\" in ref or "\t" in ref or "\n" in ref or "\r" in ref:
            ref = ref.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
        amount = row.amount_fen - row.refund_fen
        yield f"{ref}\t{amount}\n", amount


def _stage(run: Reconciliation, rows: Iterable[BillRow]) -> tuple[int, int, str]:
    """Write the bill's lines (trade number, signed amount) for the run; returns (count, net, the
    SQL source of the staged lines). PostgreSQL: a temporary table (no WAL, dropped at commit)
    filled by COPY in 1 MB chunks of text (not a call per row). Elsewhere: batches into
    ``funds_statementline``, removed at the end."""
    count = net = 0
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TEMPORARY TABLE {TEMP_BILL} (external_ref varchar(64) NOT NULL, amount_fen bigint NOT NULL) "
                "ON COMMIT DROP"
            )
            raw = cursor.cursor  # psycopg's own cursor: COPY streams rows to the server
            with raw.copy(f"COPY {TEMP_BILL} (external_ref, amount_fen) FROM STDIN") as copy:
                buffer: list[str] = []
                size = 0
                for text, amount in _copy_text(rows):
                    buffer.append(text)
                    size += len(text)
                    count += 1
                    net += amount
                    if size >= COPY_CHUNK:
                        copy.write("".join(buffer))
                        buffer, size = [], 0
                if buffer:
                    copy.write("".join(buffer))
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


def _compare_steps(source: str) -> list[str]:
    """The set-based diff, in three statements over two temporary tables (the same on PostgreSQL
    and SQLite):

    1. the bill's net per trade number;
    2. the ledger's net per trade number on ``account``: the day's entries carrying a number,
       plus older entries the bill names (two indexed look-ups, no OR), with the day's part kept
       apart (the run's ledger figure);
    3. one FULL JOIN of the two writes every difference: not in the ledger, not in the bill (and
       not zero), amounts differ."""
    entry, line, diff = LedgerEntry._meta.db_table, LedgerLine._meta.db_table, Difference._meta.db_table
    # Table names from the models and constants, values bound: nothing from outside is formatted in.
    net = f"CREATE TEMPORARY TABLE {TEMP_BILL_NET} AS SELECT s.external_ref AS external_ref, "  # noqa: S608
    net += f"SUM(s.amount_fen) AS a FROM {source} s GROUP BY s.external_ref"
    return [
        net,
        f"""CREATE TEMPORARY TABLE {TEMP_BOOKS} AS
SELECT x.external_ref AS external_ref, SUM(l.amount_fen) AS a,
    SUM(CASE WHEN x.in_day = 1 THEN l.amount_fen ELSE 0 END) AS day_a
FROM (
    SELECT e.id AS id, e.external_ref AS external_ref, 1 AS in_day FROM {entry} e
    WHERE e.external_ref <> '' AND e.created_at >= %(lo)s AND e.created_at < %(hi)s
    UNION ALL
    SELECT e.id, e.external_ref, 0 FROM {entry} e JOIN {TEMP_BILL_NET} b ON b.external_ref = e.external_ref
    WHERE e.external_ref <> '' AND (e.created_at < %(lo)s OR e.created_at >= %(hi)s)
) x JOIN {line} l ON l.entry_id = x.id
WHERE l.account = %(account)s
GROUP BY x.external_ref""",  # noqa: S608
        f"""INSERT INTO {diff} (run_id, kind, external_ref, statement_fen, ledger_fen, status, resolution)
SELECT %(run)s,
    CASE WHEN k.a IS NULL THEN 'missing_in_ledger' WHEN b.a IS NULL THEN 'missing_in_statement' ELSE 'amount' END,
    COALESCE(b.external_ref, k.external_ref), b.a, k.a, 'open', ''
FROM {TEMP_BILL_NET} b FULL JOIN {TEMP_BOOKS} k ON k.external_ref = b.external_ref
WHERE k.a IS NULL OR (b.a IS NULL AND k.a <> 0) OR (b.a IS NOT NULL AND k.a <> b.a)""",
    ]


def _drop_temporary(cursor: Any) -> None:
    """Gone at the end of the run (not only at commit: a caller's transaction may run two)."""
    for table in (TEMP_BILL, TEMP_BILL_NET, TEMP_BOOKS):
        cursor.execute(f"DROP TABLE IF EXISTS {table}")


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
    postgres = connection.vendor == "postgresql"
    with transaction.atomic():
        with connection.cursor() as cursor:
            if postgres:
                # A whole day's bill is one long job, not a request: lift the per-statement bound
                # (DB_STATEMENT_TIMEOUT_MS), give the joins memory, skip JIT — this transaction only.
                cursor.execute("SET LOCAL statement_timeout = %s", [RECONCILE_TIMEOUT])
                cursor.execute("SET LOCAL work_mem = %s", [RECONCILE_WORK_MEM])
                cursor.execute("SET LOCAL jit = off")
            _drop_temporary(cursor)
        run = Reconciliation.objects.create(
            kind=Reconciliation.Kind.PROVIDER_BILL,
            source=f"{source} {day.isoformat()}"[:100],
            union=union,
            created_by=actor,
        )
        run.statement_lines, run.statement_fen, staged = _stage(run, rows)
        params: dict[str, Any] = {
            "run": run.pk,
            "account": account,
            "lo": lo,
            "hi": lo + dt.timedelta(days=1),
        }
        with connection.cursor() as cursor:
            if postgres:
                cursor.execute(f"ANALYZE {TEMP_BILL}")  # the planner knows it holds a million rows
            make_net, make_books, insert_differences = _compare_steps(staged)
            cursor.execute(make_net, params)
            if postgres:
                cursor.execute(f"ANALYZE {TEMP_BILL_NET}")
            cursor.execute(make_books, params)
            if postgres:
                cursor.execute(f"ANALYZE {TEMP_BOOKS}")
            cursor.execute(insert_differences, params)
            run.differences = max(cursor.rowcount, 0)
            cursor.execute(f"SELECT COALESCE(SUM(day_a), 0) FROM {TEMP_BOOKS}")  # noqa: S608
            run.ledger_fen = int(cursor.fetchone()[0])
            _drop_temporary(cursor)
        run.save()
        if staged != TEMP_BILL:
            StatementLine.objects.filter(run=run).delete()
        audit_record(
            actor=actor,
            action="funds.reconcile_provider_bill",
            obj=run,
            union_id=union.pk,
            extra={"lines": run.statement_lines, "differences": run.differences},
        )
    return run


BILL_READ_CHUNK = 1 << 20


def provider_bill_reconcile_file(
    *, actor: User, union: Union, day: dt.date, data: IO[bytes], source: str = "wechatpay"
) -> Reconciliation:
    """Reconcile a bill file in WeChat Pay's trade-bill format (uploaded by finance, or downloaded
    by :func:`provider_bill_fetch`). A file that cannot be read is refused with every bad place
    named (``第N行 / 列``) and nothing is written: the run's transaction rolls back."""
    require(actor, union, FINANCE_ROLES)
    chunks = iter(lambda: data.read(BILL_READ_CHUNK), b"")
    try:
        return provider_bill_reconcile(
            actor=actor, union=union, day=day, rows=read_bill(chunks), source=source
        )
    except BillError as exc:
        raise ValidationFailed(str(exc), fields={"file": list(_problems(exc))}) from None


def _problems(exc: BillError) -> Iterator[str]:
    for where, message in exc.problems.items():
        yield (
            message if where == "file" else _("%(where)s：%(message)s") % {"where": where, "message": message}
        )


def bill_client() -> WeChatPayClient:
    """The adapter built from the environment (``WECHATPAY_*``), or a clear refusal when workers do
    not pay through WeChat Pay here (no merchant, nothing to download)."""
    try:
        if worker_gateway() != "wechatpay":
            raise ValueError("not the gateway")
        return WeChatPayClient(WeChatPayConfig.from_settings())
    except (KeyError, TypeError, ValueError, OSError):
        raise Conflict(
            _("未配置微信支付商户参数，无法下载账单，请上传账单文件。"), code="not_configured"
        ) from None


def provider_bill_fetch(
    *, actor: User, union: Union, day: dt.date, client: WeChatPayClient | None = None
) -> Reconciliation:
    """Download the day's trade bill through the WeChat Pay adapter and reconcile it. The download
    (network I/O, its SHA1 checked) finishes into a spooled file before the run's transaction
    starts, so no lock is held while the provider answers."""
    require(actor, union, FINANCE_ROLES)
    client = client or bill_client()
    with tempfile.SpooledTemporaryFile(max_size=4 * 1024 * 1024) as spool:
        try:
            client.trade_bill_download(day, spool)
        except BillError as exc:
            raise ValidationFailed(str(exc), fields={"file": list(_problems(exc))}) from None
        except WeChatPayError as exc:
            raise Conflict(
                _("微信支付账单下载失败（%(code)s），请稍后重试或上传账单文件。") % {"code": exc.code},
                code="bill_download_failed",
            ) from None
        spool.seek(0)
        return provider_bill_reconcile_file(actor=actor, union=union, day=day, data=spool)


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
