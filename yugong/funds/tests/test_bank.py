"""Bank batches: the round trip (file out, results back, failed lines followed up), each step a
ledger movement; reconciliation of the provider's bill finds planted differences."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from yugong.core.audit import AuditEvent
from yugong.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from yugong.core.timeutil import local_today
from yugong.funds import bankfiles, ledger, services
from yugong.funds.models import Difference, PayoutBatch, PayoutLine, StatementLine
from yugong.funds.payments.wechatpay_bill import BillRow

from .factories import FundsWorld, approved_commitment, build_world

pytestmark = pytest.mark.django_db


def _batch(world: FundsWorld, fmt: str = "csv_gbk") -> tuple[PayoutBatch, list[PayoutLine]]:
    batch = services.batch_create(
        actor=world.finance, union=world.company, kind="award", title="劳动竞赛奖金", bank_format=fmt
    )
    lines = [
        services.batch_line_add(
            actor=world.finance,
            batch=batch,
            payee_name=f"职工{i}",
            account_no=f"6222 0212 3456 78{i:02d}",
            amount_fen=10_000 * (i + 1),
            bank_name="工商银行重庆分行",
            purpose="奖金",
            debit_account=ledger.funds_expense(world.line.pk),
        )
        for i in range(3)
    ]
    return batch, lines


def _results(fmt: bankfiles.BankFormat, rows: list[tuple[str, str, str, str]]) -> io.BytesIO:
    header = ["客户流水号", "处理结果", "失败原因", "金额"]
    if fmt.file == "xlsx":
        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.append(header)
        for row in rows:
            sheet.append(list(row))
        out = io.BytesIO()
        book.save(out)
        out.seek(0)
        return out
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(header)
    writer.writerows(rows)
    return io.BytesIO(text.getvalue().encode(fmt.encoding))


@pytest.mark.parametrize("fmt_name", ["csv_gbk", "xlsx"])
def test_bank_batch_round_trip(fmt_name: str) -> None:
    world = build_world()
    batch, lines = _batch(world, fmt_name)
    fmt = bankfiles.get_format(fmt_name)
    services.batch_export(actor=world.finance, batch=batch)
    assert ledger.balance(ledger.BANK_CLEARING) == -60_000
    # The file: every line with its number, account and amount.
    if fmt.file == "xlsx":
        out = io.BytesIO()
        bankfiles.write_xlsx(fmt, services.batch_lines_for_file(batch), out)
        out.seek(0)
        rows = [list(r) for r in load_workbook(out, read_only=True).worksheets[0].iter_rows(values_only=True)]
    else:
        data = b"".join(bankfiles.csv_chunks(fmt, services.batch_lines_for_file(batch)))
        rows = list(csv.reader(io.StringIO(data.decode("gbk"))))
    assert rows[0] == ["客户流水号", "收款账号", "收款户名", "开户行", "金额", "用途"]
    assert rows[1][:5] == [lines[0].number, "6222021234567800", "职工0", "工商银行重庆分行", "100.00"]
    # The bank: first paid, second failed, third paid; plus a line the bank made up.
    result = _results(
        fmt,
        [
            (lines[0].number, "成功", "", "100.00"),
            (lines[1].number, "失败", "账户已销户", "200.00"),
            (lines[2].number, "成功", "", "300.00"),
            ("YG9999999999", "成功", "", "1.00"),
        ],
    )
    run = services.batch_results_import(actor=world.finance, batch=batch, data=result)
    assert run.differences == 1
    assert Difference.objects.get(run=run).kind == "unknown_line"
    batch.refresh_from_db()
    assert batch.status == PayoutBatch.Status.CLOSED
    assert ledger.balance(ledger.BANK_CLEARING) == 0
    assert ledger.balance(ledger.funds_cash(world.company.pk)) == -40_000
    assert ledger.balance(ledger.payout_suspense(world.company.pk)) == -20_000
    # Imported again: nothing moves twice.
    services.batch_results_import(
        actor=world.finance, batch=batch, data=_results(fmt, [(lines[0].number, "成功", "", "100.00")])
    )
    assert ledger.balance(ledger.funds_cash(world.company.pk)) == -40_000
    # Follow-up: the failed line in a new batch, account corrected, paid.
    follow = services.batch_follow_up(actor=world.finance, batch=batch)
    assert follow.line_count == 1 and follow.total_fen == 20_000
    with pytest.raises(Conflict):  # followed up once only
        services.batch_follow_up(actor=world.finance, batch=batch)
    again = PayoutLine.objects.get(batch=follow)
    assert again.retry_of_id == lines[1].pk
    services.payout_line_correct(actor=world.finance, line=again, account_no="6222021234567899")
    services.batch_export(actor=world.finance, batch=follow)
    assert ledger.balance(ledger.payout_suspense(world.company.pk)) == 0
    services.batch_results_import(
        actor=world.finance, batch=follow, data=_results(fmt, [(again.number, "成功", "", "200.00")])
    )
    assert ledger.balance(ledger.funds_cash(world.company.pk)) == -60_000
    assert ledger.balance(ledger.funds_expense(world.line.pk)) == 60_000
    assert ledger.trial_balance() == 0 and ledger.unbalanced_entries() == []


def test_batch_paid_from_a_commitment_spends_it() -> None:
    world = build_world()
    c = approved_commitment(world, 50_000, purpose="困难职工慰问")
    batch = services.batch_create(
        actor=world.finance, union=world.company, kind="aid", title="慰问金", bank_format="csv_utf8"
    )
    line = services.batch_line_add(
        actor=world.finance,
        batch=batch,
        payee_name="张三",
        account_no="6222021234567801",
        amount_fen=50_000,
        commitment=c,
    )
    services.batch_export(actor=world.finance, batch=batch)
    world.line.refresh_from_db()
    assert world.line.spent_fen == 50_000 and world.line.reserved_fen == 0
    fmt = bankfiles.get_format("csv_utf8")
    services.batch_results_import(
        actor=world.finance, batch=batch, data=_results(fmt, [(line.number, "成功", "", "500.00")])
    )
    assert ledger.balance(ledger.funds_cash(world.company.pk)) == -50_000
    assert ledger.trial_balance() == 0


def test_batch_rules_and_amount_difference() -> None:
    world = build_world()
    with pytest.raises(ValidationFailed) as err:
        services.batch_create(
            actor=world.finance, union=world.company, kind="award", title="x", bank_format="nope"
        )
    assert "bank_format" in err.value.fields
    batch, lines = _batch(world)
    with pytest.raises(ValidationFailed) as err:
        services.batch_line_add(
            actor=world.finance,
            batch=batch,
            payee_name="x",
            account_no="12ab",
            amount_fen=1,
            debit_account="a",
        )
    assert "account_no" in err.value.fields
    with pytest.raises(PermissionDenied):
        services.batch_export(actor=world.auditor, batch=batch)
    with pytest.raises(Conflict):
        services.batch_results_import(actor=world.finance, batch=batch, data=io.BytesIO(b""))
    services.batch_export(actor=world.finance, batch=batch)
    fmt = bankfiles.get_format("csv_gbk")
    run = services.batch_results_import(
        actor=world.finance, batch=batch, data=_results(fmt, [(lines[0].number, "成功", "", "99.00")])
    )
    diff = Difference.objects.get(run=run)
    assert diff.kind == "amount" and diff.statement_fen == 9_900 and diff.ledger_fen == 10_000
    assert PayoutLine.objects.get(pk=lines[0].pk).status == PayoutLine.Status.SENT  # left for a person
    with pytest.raises(ValidationFailed) as err:
        services.batch_results_import(
            actor=world.finance, batch=batch, data=io.BytesIO("a,b\n1,2\n".encode("gbk"))
        )
    assert "file" in err.value.fields


def _cash_payment(ref: str, amount: int, *, when: Any = None) -> None:
    ledger.post(
        kind="payment",
        lines=[(ledger.PLATFORM_CASH, amount), (ledger.merchant_payable(1), -amount)],
        external_ref=ref,
    )


def test_reconciliation_finds_planted_differences() -> None:
    world = build_world()
    grant_city_finance = world.finance
    from tests.helpers import grant

    grant(grant_city_finance, world.city, "finance")
    day = local_today()
    for i in range(20):
        _cash_payment(f"T{i}", 1000 + i)
    ledger.post(
        kind="refund",
        lines=[(ledger.PLATFORM_CASH, -500), (ledger.merchant_payable(1), 500)],
        external_ref="T3",
    )
    _cash_payment("ONLY-IN-BOOKS", 777)
    rows = [BillRow("", f"42{i}", f"T{i}", "SUCCESS", 1000 + i, "", "", 0, 6) for i in range(20)]
    rows.append(BillRow("", "4203", "T3", "REFUND", 0, "503", "R3", 500, 0))
    rows[5] = BillRow("", "425", "T5", "SUCCESS", 1999, "", "", 0, 6)  # the provider says another amount
    rows.append(BillRow("", "4299", "ONLY-IN-BILL", "SUCCESS", 300, "", "", 0, 1))
    run = services.provider_bill_reconcile(actor=world.finance, union=world.city, day=day, rows=iter(rows))
    found = {
        (d.kind, d.external_ref, d.statement_fen, d.ledger_fen) for d in Difference.objects.filter(run=run)
    }
    assert found == {
        ("amount", "T5", 1999, 1005),
        ("missing_in_ledger", "ONLY-IN-BILL", 300, None),
        ("missing_in_statement", "ONLY-IN-BOOKS", None, 777),
    }
    assert run.statement_lines == 22 and not StatementLine.objects.exists()
    diff = Difference.objects.get(run=run, external_ref="T5")
    with pytest.raises(NotFound):  # the district auditor does not see the city's books
        services.difference_resolve(actor=world.auditor, difference=diff, resolution="x")
    services.difference_resolve(
        actor=world.finance, difference=diff, resolution="渠道手续费调整，已与微信支付核实"
    )
    assert AuditEvent.objects.filter(action="funds.difference_resolve").count() == 1
    with pytest.raises(Conflict):
        services.difference_resolve(actor=world.finance, difference=diff, resolution="again")
