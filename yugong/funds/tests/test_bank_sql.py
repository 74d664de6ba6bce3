"""The set-based batch (``services/bank_sql.py``, PostgreSQL) against the line-by-line batch: the
same rows from the same payees — lines with their accounts in clear, one spending entry per line
with its accounts and amounts, the audit rows, the commitment and the line — and the same refusals
(outside finance, a bad account, a zero amount, over the reservation), nothing written."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import requires_postgres
from yugong.core.audit import AuditEvent
from yugong.core.errors import ApplicationError
from yugong.core.pii import encrypt
from yugong.funds import ledger, services
from yugong.funds.models import Commitment, LedgerEntry, PayoutBatch, PayoutLine
from yugong.funds.services.bank_sql import batch_pay_from_select

from .factories import FundsWorld, approved_commitment, build_world

pytestmark = [requires_postgres, pytest.mark.postgres, pytest.mark.django_db]

PAYEES = [
    ("张三", "6222021234567801", 10_000),
    ("李四", "6222 0212 3456 7802", 25_000),
    ("王五", "62220212345678", 15_000),
]
SOURCE = "SELECT * FROM (VALUES (1, %s, %s, 10000), (2, %s, %s, 25000), (3, %s, %s, 15000)) AS v ORDER BY 1"


def _params(payees: list[tuple[str, str, int]]) -> list[Any]:
    return [v for name, account, _amount in payees for v in (name, encrypt(account))]


def _batch(world: FundsWorld) -> PayoutBatch:
    return services.batch_create(
        actor=world.finance, union=world.company, kind="aid", title="慰问金", bank_format="csv_gbk"
    )


def _written(batch: PayoutBatch, c: Commitment, audit_mark: int) -> dict[str, Any]:
    lines = list(PayoutLine.objects.filter(batch=batch).order_by("pk"))
    order = {str(x.pk): k for k, x in enumerate(lines)}
    numbers = {x.number: k for k, x in enumerate(lines)}
    c.refresh_from_db()
    entries = LedgerEntry.objects.filter(
        ref_type="funds.commitment", ref_id=c.pk, kind="budget_spend"
    ).order_by("pk")
    batch.refresh_from_db()
    return {
        "batch": (batch.status, batch.total_fen, batch.line_count),
        "lines": [
            (x.payee_name, x.account_no, x.amount_fen, x.purpose, x.status, x.commitment_id == c.pk)
            for x in lines
        ],
        "entries": [
            (
                e.memo.split()[0],
                numbers[e.memo.split()[1]],
                [(x.account, x.amount_fen) for x in e.lines.order_by("pk")],
            )
            for e in entries
        ],
        "audit": sorted(
            repr((a.action, order.get(a.object_id, a.object_type), a.object_repr, a.extra, a.union_id))
            for a in AuditEvent.objects.filter(pk__gt=audit_mark).exclude(object_type="funds.payoutbatch")
        ),  # (the batch's own rows name the batch: compared by the assistance twin)
        "commitment": (c.reserved_fen, c.spent_fen, c.status),
    }


def _mark() -> int:
    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def test_the_set_based_batch_writes_what_the_line_by_line_batch_writes() -> None:
    world = build_world()
    one, two = (
        approved_commitment(world, 50_000, purpose="慰问"),
        approved_commitment(world, 50_000, purpose="慰问"),
    )
    mark = _mark()
    fast = _batch(world)
    batch_pay_from_select(
        actor=world.finance,
        batch=fast,
        commitment=one,
        purpose="帮扶款",
        source_sql=SOURCE,
        source_params=_params(PAYEES),
    )
    got = _written(fast, one, mark)
    mark = _mark()
    slow = _batch(world)
    for name, account, amount in PAYEES:
        services.batch_line_add(
            actor=world.finance,
            batch=slow,
            payee_name=name,
            account_no=account,
            amount_fen=amount,
            purpose="帮扶款",
            commitment=two,
        )
    services.batch_export(actor=world.finance, batch=slow)
    assert got == _written(slow, two, mark)
    assert got["lines"][1][1] == "6222021234567802"  # cleaned like batch_line_add cleans it
    assert got["commitment"] == (0, 50_000, Commitment.Status.CLOSED)
    world.line.refresh_from_db()
    assert (world.line.reserved_fen, world.line.spent_fen) == (0, 100_000)
    assert ledger.trial_balance() == 0 and ledger.unbalanced_entries() == []


def _refused(
    world: FundsWorld, actor: Any, params: list[Any], source: str = SOURCE, reserve: int = 50_000
) -> tuple[Any, ...]:
    c = approved_commitment(world, reserve, purpose="慰问")
    batch = _batch(world)
    before = (PayoutLine.objects.count(), LedgerEntry.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ApplicationError) as exc:
        batch_pay_from_select(
            actor=actor, batch=batch, commitment=c, purpose="帮扶款", source_sql=source, source_params=params
        )
    assert (PayoutLine.objects.count(), LedgerEntry.objects.count(), AuditEvent.objects.count()) == before
    return type(exc.value).__name__, exc.value.fields


def test_refusals_are_those_of_batch_line_add() -> None:
    world = build_world()
    assert _refused(world, world.preparer, _params(PAYEES))[0] == "PermissionDenied"
    bad = [("张三", "12ab", 10_000), *PAYEES[1:]]
    assert _refused(world, world.finance, _params(bad)) == (
        "ValidationFailed",
        {"account_no": ["收款账号应为8至32位数字。"]},
    )
    zero = SOURCE.replace("10000", "0")
    assert _refused(world, world.finance, _params(PAYEES), zero)[1] == {"amount_fen": ["金额应大于零。"]}
    assert _refused(world, world.finance, _params(PAYEES), reserve=49_999)[1] == {
        "amount_fen": ["支付金额超过占用余额。"]
    }
    empty = "SELECT * FROM (VALUES (1, %s, %s, 1)) AS v WHERE false"
    assert _refused(world, world.finance, _params(PAYEES[:1]), empty)[1] == {"lines": ["批次没有明细。"]}
