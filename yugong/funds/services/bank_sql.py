"""A whole list paid from one reservation in a few set-based statements (PostgreSQL): the lines of
a draft batch, their spending and the batch's export written with ``INSERT … SELECT`` from the
caller's rows — what :func:`.bank.batch_line_add` once per line and :func:`.bank.batch_export`
(``commitment_spend`` per line) write, row for row:

* one ``PayoutLine`` per source row, sent, spending the commitment (no debit account);
* its ``funds.batch_line_add`` audit row (the line, ``{"amount_fen": n}``);
* its spending: one balanced ``budget_spend`` ledger entry (the accounts of
  :func:`.commitments.spend_lines`, paid to ``bank_clearing``; memo :func:`.bank.line_memo`) and its
  ``funds.commitment_spend`` audit row (the commitment, ``{"amount_fen": n}``);
* the commitment's and the line's reserved money moved to spent by the total (one conditional
  UPDATE; the commitment closes when nothing is left), one ``funds.spent_fen`` fact for the total;
* the batch's totals, exported, and its ``funds.batch_export`` audit row.

The ledger stays the one append-only ledger (rows are only inserted). The rules are the line-by-line
path's: the batch a draft of the finance officer's union, the commitment reserved for that union,
each amount through ``clean_amount``, each payee through ``clean_words``, each account through
``clean_account_no`` (decrypted once, streamed: the ciphertext itself is copied, so the number never
exists in clear in the database), the total within the reservation less what draft batches queue.
``funds/tests/test_bank_sql.py`` and ``assistance/tests/test_pay_twin.py`` compare the rows of
both paths.

The caller's ``source_sql`` selects ``ref_id, payee_name, account_token, amount_fen`` (the token is
an ``EncryptedTextField`` column's stored value), ordered; :data:`SOURCE_TABLE` (a temporary table
dropped at commit) maps each ``ref_id`` to the ``line_id`` written for it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection, transaction
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.core.audit import audit_record, audit_who
from yugong.core.errors import Conflict, ValidationFailed
from yugong.core.facts import fact_record
from yugong.core.models import AuditEvent
from yugong.core.pii import decrypt, encrypt
from yugong.core.timeutil import now
from yugong.orgs.models import Union

from .. import ledger
from ..models import BudgetLine, Commitment, LedgerEntry, LedgerLine, PayoutBatch, PayoutLine
from .bank import clean_account_no, queued_fen
from .commitments import SPEND_ACTION, SPEND_KIND, _move_to_spent, spend_lines
from .common import FINANCE_ROLES, clean_amount, clean_words, lock, require

SOURCE_TABLE = "funds_pay_source"
CHUNK = 5000


def set_path_enabled() -> bool:
    return connection.vendor == "postgresql"


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _first(cursor: Any, sql: str, params: Sequence[Any] = ()) -> Any:
    cursor.execute(sql, params)
    return cursor.fetchone()


@transaction.atomic
def batch_pay_from_select(  # audited-in-sql (the lines' and the spendings' rows; export audited here)
    *,
    actor: User,
    batch: PayoutBatch | int,
    commitment: Commitment | int,
    purpose: str,
    source_sql: str,
    source_params: Sequence[Any],
) -> PayoutBatch:
    """Fill an empty draft batch from ``source_sql`` and export it, every line spending
    ``commitment``. Refuses as the line-by-line path does, before anything is written."""
    if not set_path_enabled():
        raise RuntimeError("the set-based batch runs on PostgreSQL only")
    locked = lock(PayoutBatch, batch)
    union = Union.objects.get(pk=locked.union_id)
    require(actor, union, FINANCE_ROLES)
    if locked.status != PayoutBatch.Status.DRAFT or locked.line_count:
        raise Conflict(_("批次已发送银行，不能再添加明细。"), code="not_draft")
    text = clean_words(purpose, field="purpose", max_length=100, required=False)
    spend = lock(Commitment, commitment)
    if spend.union_id != locked.union_id or spend.status != Commitment.Status.RESERVED:
        raise ValidationFailed(fields={"commitment": _("支出申请须为本工会已批准占用的申请。")})
    src = _q(SOURCE_TABLE)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute(f"DROP TABLE IF EXISTS {src}")
        # Line and entry ids drawn in the source's order, so lines, entries and audit rows follow it.
        cursor.execute(
            f"CREATE TEMPORARY TABLE {src} ON COMMIT DROP AS "  # noqa: S608 - our tables, compiled source
            f"SELECT s.ref_id, s.payee_name, s.account_token, s.amount_fen::bigint AS amount_fen, "
            f"nextval(pg_get_serial_sequence(%s, 'id')) AS line_id, "
            f"nextval(pg_get_serial_sequence(%s, 'id')) AS entry_id "
            f"FROM ({source_sql}) AS s(ref_id, payee_name, account_token, amount_fen)",
            [PayoutLine._meta.db_table, LedgerEntry._meta.db_table, *source_params],
        )
        count, total = _first(cursor, f"SELECT count(*), coalesce(sum(amount_fen), 0)::bigint FROM {src}")  # noqa: S608
        if count == 0:
            raise ValidationFailed(fields={"lines": _("批次没有明细。")})
        _check_rows(cursor, src)
        rewrite = _check_accounts(cursor, src)
        if total > spend.reserved_fen - queued_fen(spend.pk):
            raise ValidationFailed(fields={"amount_fen": _("支付金额超过占用余额。")})
        _write(cursor, actor=actor, batch=locked, commitment=spend, purpose=text, src=src)
        for line_id, account in rewrite:  # a stored number with white space: written as cleaned
            PayoutLine.objects.filter(pk=line_id).update(account_no=encrypt(account))
    _move_to_spent(spend, total)
    line = BudgetLine.objects.only("category").get(pk=spend.line_id)
    fact_record(metric="funds.spent_fen", union_id=spend.union_id, value=total, dim=line.category)
    locked.total_fen, locked.line_count = total, count
    locked.status = PayoutBatch.Status.EXPORTED
    locked.exported_at = now()
    locked.save(update_fields=["total_fen", "line_count", "status", "exported_at"])
    audit_record(
        actor=actor,
        action="funds.batch_export",
        obj=locked,
        union_id=locked.union_id,
        extra={"lines": count, "total_fen": total},
    )
    return locked


def _check_rows(cursor: Any, src: str) -> None:
    """The first amount or payee the line-by-line path would refuse: refused here by the same
    functions (``clean_amount``, ``clean_words``), with their messages."""
    bad = _first(
        cursor,
        f"SELECT amount_fen FROM {src} WHERE amount_fen <= 0 OR amount_fen > %s ORDER BY line_id LIMIT 1",  # noqa: S608
        [10**13],
    )
    if bad is not None:
        clean_amount(bad[0])
    bad = _first(
        cursor,
        f"SELECT payee_name FROM {src} WHERE payee_name IS NULL OR btrim(payee_name) = '' "  # noqa: S608
        f"OR char_length(payee_name) > 100 ORDER BY line_id LIMIT 1",
    )
    if bad is not None:
        clean_words(bad[0] or "", field="payee_name", max_length=100)


def _check_accounts(cursor: Any, src: str) -> list[tuple[int, str]]:
    """Every account through ``clean_account_no``, streamed in chunks (memory stays flat). Returns
    the lines whose stored number changes when cleaned (white space), to be written cleaned."""
    rewrite: list[tuple[int, str]] = []
    with connection.connection.cursor(name="funds_pay_accounts") as named:  # server-side cursor
        named.execute(f"SELECT line_id, account_token FROM {src}")  # noqa: S608
        while rows := named.fetchmany(CHUNK):
            for line_id, token in rows:
                raw = decrypt(token) if token else ""
                account = clean_account_no(raw)
                if account != raw:
                    rewrite.append((line_id, account))
    return rewrite


def _write(
    cursor: Any, *, actor: User, batch: PayoutBatch, commitment: Commitment, purpose: str, src: str
) -> None:
    accounts = [
        (n, account, 1 if sign > 0 else -1)
        for n, (account, sign) in enumerate(spend_lines(commitment, 1, ledger.BANK_CLEARING))
    ]
    values = ", ".join(["(%s, %s, %s)"] * len(accounts))
    at = now()
    who = audit_who(actor)
    number = "'YG' || lpad(t.line_id::text, greatest(10, length(t.line_id::text)), '0')"
    tables = {
        "line": _q(PayoutLine._meta.db_table),
        "entry": _q(LedgerEntry._meta.db_table),
        "entry_line": _q(LedgerLine._meta.db_table),
        "audit": _q(AuditEvent._meta.db_table),
    }
    cursor.execute(
        f"INSERT INTO {tables['line']} (id, batch_id, payee_name, account_no, bank_name, amount_fen, purpose, "  # noqa: S608
        "debit_account, commitment_id, status, result_message, cancel_reason, retry_of_id) "
        f"SELECT t.line_id, %s, t.payee_name, t.account_token, '', t.amount_fen, %s, '', %s, %s, '', '', NULL "
        f"FROM {src} t ORDER BY t.line_id",
        [batch.pk, purpose, commitment.pk, PayoutLine.Status.SENT],
    )
    audit_cols = (
        "at, actor_id, actor_label, action, object_type, object_id, object_repr, union_id, ip, request_id, "
        "changes, extra"
    )
    cursor.execute(
        f"INSERT INTO {tables['audit']} ({audit_cols}) "  # noqa: S608
        f"SELECT %s, %s, %s, %s, %s, t.line_id::text, left(t.payee_name || ' ' || t.amount_fen::text, 200), "
        f"%s, %s::inet, %s, '{{}}'::jsonb, jsonb_build_object('amount_fen', t.amount_fen) "
        f"FROM {src} t ORDER BY t.line_id",
        [
            at,
            who["actor_id"],
            who["actor_label"],
            "funds.batch_line_add",
            PayoutLine._meta.label_lower,
            batch.union_id,
            who["ip"],
            who["request_id"],
        ],
    )
    cursor.execute(
        f"INSERT INTO {tables['entry']} (id, kind, memo, union_id, ref_type, ref_id, refs, external_ref, "  # noqa: S608
        f"created_at) SELECT t.entry_id, %s, left(%s || ' ' || {number}, 200), %s, %s, %s, '{{}}'::jsonb, '', %s "
        f"FROM {src} t ORDER BY t.line_id",
        [SPEND_KIND, batch.title, commitment.union_id, Commitment._meta.label_lower, commitment.pk, at],
    )
    cursor.execute(
        f"INSERT INTO {tables['entry_line']} (entry_id, account, amount_fen) "  # noqa: S608
        f"SELECT t.entry_id, x.account, x.sign * t.amount_fen "
        f"FROM {src} t CROSS JOIN (VALUES {values}) AS x(n, account, sign) ORDER BY t.line_id, x.n",
        [v for row in accounts for v in row],
    )
    cursor.execute(
        f"INSERT INTO {tables['audit']} ({audit_cols}) "  # noqa: S608
        f"SELECT %s, %s, %s, %s, %s, %s, %s, %s, %s::inet, %s, '{{}}'::jsonb, "
        f"jsonb_build_object('amount_fen', t.amount_fen) FROM {src} t ORDER BY t.line_id",
        [
            at,
            who["actor_id"],
            who["actor_label"],
            SPEND_ACTION,
            Commitment._meta.label_lower,
            str(commitment.pk),
            str(commitment)[:200],
            commitment.union_id,
            who["ip"],
            who["request_id"],
        ],
    )


__all__ = ["SOURCE_TABLE", "batch_pay_from_select", "set_path_enabled"]
