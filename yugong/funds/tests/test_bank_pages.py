"""Console pages of bank batches and reconciliation runs: the round trip through the forms (a batch
from payable requests, the bank file, the result file with row-numbered errors, failed lines
cancelled with a reason or paid again in a follow-up batch), every step audited and in the ledger;
differences resolved by a person; the 经审 auditor reads and writes nothing; outside the subtree is
404; list pages keep flat query counts."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from tests.helpers import assert_max_queries
from yugong.core.audit import AuditEvent
from yugong.core.timeutil import local_today
from yugong.funds import ledger, services
from yugong.funds.models import Commitment, Difference, PayoutBatch, PayoutLine, Reconciliation
from yugong.funds.payments.wechatpay_bill import BillRow

from .factories import FundsWorld, approved_commitment, build_world

pytestmark = pytest.mark.django_db


def _csv(
    rows: list[tuple[str, ...]], header: tuple[str, ...] = ("客户流水号", "处理结果", "失败原因", "金额")
) -> Any:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(header)
    writer.writerows(rows)
    return SimpleUploadedFile("result.csv", text.getvalue().encode("gbk"), content_type="text/csv")


def _new_batch(client: Any, w: FundsWorld, fmt: str = "csv_gbk") -> PayoutBatch:
    r = client.post(
        reverse("funds:batches"),
        {"union": w.company.pk, "kind": "aid", "title": "冬季慰问金", "bank_format": fmt},
    )
    assert r.status_code == 302, r.content.decode()
    return PayoutBatch.objects.get(title="冬季慰问金")


def _add(client: Any, batch: PayoutBatch, c: Commitment, name: str, account: str, yuan: str) -> Any:
    return client.post(
        reverse("funds:batch_action", args=[batch.pk, "line"]),
        {
            "commitment": c.pk,
            "payee_name": name,
            "account_no": account,
            "bank_name": "工商银行",
            "amount_yuan": yuan,
        },
        follow=True,
    )


def test_batch_round_trip_through_the_pages(client: Any) -> None:
    w = build_world()
    aid = [approved_commitment(w, 30_000 + 10_000 * i, purpose=f"慰问{i}") for i in range(3)]
    client.force_login(w.finance)
    batch = _new_batch(client, w)
    page = client.get(reverse("funds:batch", args=[batch.pk])).content.decode()
    assert all(f'data-testid="payable-{c.pk}"' in page for c in aid)  # the payable requests
    assert "300.00" in page  # each request's amount offered
    r = _add(client, batch, aid[0], "张三", "6222 0212 3456 7801", "300")
    assert "已加入批次" in r.content.decode()
    _add(client, batch, aid[1], "李四", "6222021234567802", "400")
    _add(client, batch, aid[2], "王五", "6222021234567803", "500")
    # More than is left of a reservation is refused (lines of draft batches count).
    r = _add(client, batch, aid[0], "张三", "6222021234567801", "0.01")
    assert "支付金额超过占用余额" in r.content.decode()
    r = _add(client, batch, aid[1], "李四", "12ab", "1")
    assert "收款账号应为8至32位数字" in r.content.decode()
    batch.refresh_from_db()
    assert batch.line_count == 3 and batch.total_fen == 120_000
    page = client.get(reverse("funds:batch", args=[batch.pk])).content.decode()
    assert "6222021234567801" not in page and "************7801" in page  # masked on screen

    client.post(reverse("funds:batch_action", args=[batch.pk, "export"]))
    batch.refresh_from_db()
    assert batch.status == PayoutBatch.Status.EXPORTED
    assert ledger.balance(ledger.BANK_CLEARING) == -120_000
    r = client.get(reverse("funds:batch_file", args=[batch.pk]))
    assert r.status_code == 200 and r["Content-Disposition"].endswith('.csv"')
    rows = list(csv.reader(io.StringIO(b"".join(r.streaming_content).decode("gbk"))))
    assert rows[0][:2] == ["客户流水号", "收款账号"] and rows[1][1] == "6222021234567801"
    assert AuditEvent.objects.filter(action="pii.view", object_id=str(batch.pk)).count() == 1
    lines = list(PayoutLine.objects.filter(batch=batch).order_by("pk"))

    # A result file with bad rows: every error named by row and column, nothing imported.
    r = client.post(
        reverse("funds:batch", args=[batch.pk]),
        {
            "file": _csv(
                [(lines[0].number, "成功", "", "3o0"), ("", "成功", "", "1"), (lines[1].number, "", "", "")]
            )
        },
    )
    body = r.content.decode()
    assert r.status_code == 200
    assert "第2行 / 金额：金额格式不正确。" in body
    assert "第3行 / 客户流水号：此项为必填项。" in body
    assert "第4行 / 处理结果：此项为必填项。" in body
    assert not Reconciliation.objects.exists() and PayoutLine.objects.filter(status="sent").count() == 3

    r = client.post(
        reverse("funds:batch", args=[batch.pk]),
        {
            "file": _csv(
                [
                    (lines[0].number, "成功", "", "300.00"),
                    (lines[1].number, "失败", "账户已销户", "400.00"),
                    (lines[2].number, "失败", "户名不符", "500.00"),
                ]
            )
        },
        follow=True,
    )
    assert "回执已导入" in r.content.decode()
    run = Reconciliation.objects.get(batch=batch)
    assert run.kind == "bank" and run.differences == 0
    assert ledger.balance(ledger.payout_suspense(w.company.pk)) == -90_000

    # One failed line is given up on with a reason: its request gets the money back.
    r = client.post(
        reverse("funds:payout_line_action", args=[lines[1].pk, "cancel"]), {"reason": ""}, follow=True
    )
    assert PayoutLine.objects.get(pk=lines[1].pk).status == PayoutLine.Status.FAILED  # a reason is required
    spent_before = w.line.__class__.objects.get(pk=w.line.pk).spent_fen
    client.post(reverse("funds:payout_line_action", args=[lines[1].pk, "cancel"]), {"reason": "职工已离职"})
    cancelled = PayoutLine.objects.get(pk=lines[1].pk)
    assert cancelled.status == PayoutLine.Status.CANCELLED and cancelled.cancel_reason == "职工已离职"
    assert w.line.__class__.objects.get(pk=w.line.pk).spent_fen == spent_before - 40_000
    assert ledger.balance(ledger.payout_suspense(w.company.pk)) == -50_000
    assert AuditEvent.objects.filter(action="funds.payout_line_cancel", object_id=str(cancelled.pk)).exists()

    # The other is paid again in a follow-up batch, its account corrected.
    r = client.post(reverse("funds:batch_action", args=[batch.pk, "follow-up"]), {"title": ""})
    follow = PayoutBatch.objects.get(follow_up_of=batch)
    assert r["Location"] == reverse("funds:batch", args=[follow.pk])
    again = PayoutLine.objects.get(batch=follow)
    assert again.retry_of_id == lines[2].pk and follow.line_count == 1
    client.post(
        reverse("funds:payout_line_action", args=[again.pk, "correct"]), {"account_no": "6222021234567899"}
    )
    assert PayoutLine.objects.get(pk=again.pk).account_no == "6222021234567899"
    client.post(reverse("funds:batch_action", args=[follow.pk, "export"]))
    client.post(
        reverse("funds:batch", args=[follow.pk]), {"file": _csv([(again.number, "成功", "", "500.00")])}
    )
    assert PayoutBatch.objects.get(pk=follow.pk).status == PayoutBatch.Status.CLOSED
    assert ledger.balance(ledger.payout_suspense(w.company.pk)) == 0
    assert ledger.balance(ledger.BANK_CLEARING) == 0
    assert ledger.balance(ledger.funds_cash(w.company.pk)) == -80_000
    assert ledger.trial_balance() == 0 and ledger.unbalanced_entries() == []
    actions = set(AuditEvent.objects.filter(action__startswith="funds.").values_list("action", flat=True))
    assert {
        "funds.batch_create",
        "funds.batch_line_add",
        "funds.batch_export",
        "funds.batch_results_import",
        "funds.payout_line_cancel",
        "funds.batch_follow_up",
        "funds.payout_line_correct",
    } <= actions


def test_the_bank_file_in_xlsx(client: Any) -> None:
    w = build_world()
    c = approved_commitment(w, 12_345)
    client.force_login(w.finance)
    batch = _new_batch(client, w, fmt="xlsx")
    _add(client, batch, c, "张三", "6222021234567801", "123.45")
    client.post(reverse("funds:batch_action", args=[batch.pk, "export"]))
    r = client.get(reverse("funds:batch_file", args=[batch.pk]))
    rows = list(
        load_workbook(io.BytesIO(r.content), read_only=True).worksheets[0].iter_rows(values_only=True)
    )
    assert rows[1][1:5] == ("6222021234567801", "张三", "工商银行", "123.45")


def test_a_failed_plain_line_cancelled_restores_its_account() -> None:
    w = build_world()
    batch = services.batch_create(
        actor=w.finance, union=w.company, kind="settlement", title="结算", bank_format="csv_gbk"
    )
    line = services.batch_line_add(
        actor=w.finance,
        batch=batch,
        payee_name="某商户",
        account_no="6222021234567801",
        amount_fen=7_000,
        debit_account=ledger.merchant_payable(9),
    )
    ledger.post(kind="payment", lines=[(ledger.PLATFORM_CASH, 7_000), (ledger.merchant_payable(9), -7_000)])
    services.batch_export(actor=w.finance, batch=batch)
    data = io.BytesIO(f"客户流水号,处理结果,失败原因\n{line.number},失败,账户冻结\n".encode("gbk"))
    services.batch_results_import(actor=w.finance, batch=batch, data=data)
    services.payout_line_cancel(actor=w.finance, line=line, reason="商户改为线下结算")
    assert ledger.balance(ledger.merchant_payable(9)) == -7_000  # still owed to the merchant
    assert ledger.balance(ledger.payout_suspense(w.company.pk)) == 0
    assert ledger.trial_balance() == 0


def test_auditor_reads_everything_and_writes_nothing(client: Any) -> None:
    w = build_world()
    c = approved_commitment(w, 30_000)
    batch = services.batch_create(
        actor=w.finance, union=w.company, kind="aid", title="慰问", bank_format="csv_gbk"
    )
    line = services.batch_line_add(
        actor=w.finance,
        batch=batch,
        payee_name="张三",
        account_no="6222021234567801",
        amount_fen=30_000,
        commitment=c,
    )
    run = _run_with_differences(w)
    client.force_login(w.auditor)
    for url in (
        reverse("funds:batches"),
        reverse("funds:batch", args=[batch.pk]),
        reverse("funds:runs"),
        reverse("funds:run", args=[run.pk]),
    ):
        r = client.get(url)
        assert r.status_code == 200, url
        body = r.content.decode()  # no write form offered
        assert 'action="/console/funds' not in body and 'data-testid="batch-create"' not in body, url
    assert "慰问" in client.get(reverse("funds:batches")).content.decode()
    before = AuditEvent.objects.count()
    r = client.post(
        reverse("funds:batches"), {"union": w.company.pk, "kind": "aid", "title": "x", "bank_format": "xlsx"}
    )
    assert r.status_code == 200 and PayoutBatch.objects.count() == 1
    client.post(reverse("funds:batch_action", args=[batch.pk, "export"]))
    assert PayoutBatch.objects.get(pk=batch.pk).status == PayoutBatch.Status.DRAFT
    client.post(
        reverse("funds:payout_line_action", args=[line.pk, "correct"]), {"account_no": "6222021234567899"}
    )
    assert PayoutLine.objects.get(pk=line.pk).account_no == "6222021234567801"
    diff = Difference.objects.filter(run=run).first()
    assert diff is not None
    client.post(reverse("funds:difference_resolve", args=[diff.pk]), {"resolution": "看过了"})
    assert Difference.objects.get(pk=diff.pk).status == Difference.Status.OPEN
    services.batch_export(actor=w.finance, batch=batch)
    assert client.get(reverse("funds:batch_file", args=[batch.pk])).status_code == 403  # clear accounts
    assert AuditEvent.objects.count() == before + 2  # only finance's export (batch + commitment spend)


def test_outside_the_subtree_is_not_found(client: Any) -> None:
    w = build_world()
    batch = services.batch_create(
        actor=w.finance, union=w.company, kind="aid", title="慰问", bank_format="csv_gbk"
    )
    line = services.batch_line_add(
        actor=w.finance,
        batch=batch,
        payee_name="张三",
        account_no="6222021234567801",
        amount_fen=100,
        debit_account=ledger.funds_expense(w.line.pk),
    )
    run = _run_with_differences(w)
    diff = Difference.objects.filter(run=run).first()
    assert diff is not None
    client.force_login(w.outsider)  # the chair of a sibling union
    assert "慰问" not in client.get(reverse("funds:batches")).content.decode()
    assert client.get(reverse("funds:batch", args=[batch.pk])).status_code == 404
    assert client.get(reverse("funds:batch_file", args=[batch.pk])).status_code == 404
    assert client.post(reverse("funds:batch_action", args=[batch.pk, "export"])).status_code == 404
    assert (
        client.post(
            reverse("funds:payout_line_action", args=[line.pk, "cancel"]), {"reason": "x"}
        ).status_code
        == 404
    )
    assert client.get(reverse("funds:run", args=[run.pk])).status_code == 404
    assert (
        client.post(reverse("funds:difference_resolve", args=[diff.pk]), {"resolution": "x"}).status_code
        == 404
    )
    client.force_login(w.finance)  # a payable request of another union is not this batch's to pay
    mine = approved_commitment(w, 100)
    Commitment.objects.filter(pk=mine.pk).update(union=w.other)
    r = client.post(
        reverse("funds:batch_action", args=[batch.pk, "line"]),
        {"commitment": mine.pk, "payee_name": "x", "account_no": "6222021234567801", "amount_yuan": "1"},
    )
    assert r.status_code == 404


def _run_with_differences(w: FundsWorld) -> Reconciliation:
    ledger.post(
        kind="payment",
        lines=[(ledger.PLATFORM_CASH, 1_000), (ledger.merchant_payable(1), -1_000)],
        external_ref="T-BOOKS-ONLY",
    )
    ledger.post(
        kind="payment",
        lines=[(ledger.PLATFORM_CASH, 2_000), (ledger.merchant_payable(1), -2_000)],
        external_ref="T-AMOUNT",
    )
    rows = [
        BillRow("2026-12-05 10:00:00", "4200001", "T-AMOUNT", "SUCCESS", 2_500, "", "", 0, 15),
        BillRow("2026-12-05 10:00:00", "4200002", "T-BILL-ONLY", "SUCCESS", 700, "", "", 0, 4),
    ]
    return services.provider_bill_reconcile(actor=w.finance, union=w.company, day=local_today(), rows=rows)


def test_differences_listed_summarised_and_resolved_with_a_reason(client: Any) -> None:
    w = build_world()
    run = _run_with_differences(w)
    client.force_login(w.finance)
    r = client.get(reverse("funds:runs"))
    assert r.status_code == 200 and f'href="{reverse("funds:run", args=[run.pk])}"' in r.content.decode()
    body = client.get(reverse("funds:run", args=[run.pk])).content.decode()
    assert "金额不符" in body and "账簿无记录" in body and "对账单无记录" in body
    assert 'data-testid="run-open">3<' in body
    diff = Difference.objects.get(run=run, kind="amount")
    r = client.post(reverse("funds:difference_resolve", args=[diff.pk]), {"resolution": ""}, follow=True)
    assert Difference.objects.get(pk=diff.pk).status == Difference.Status.OPEN
    client.post(
        reverse("funds:difference_resolve", args=[diff.pk]),
        {"resolution": "渠道手续费差额已与微信支付核实"},
    )
    done = Difference.objects.get(pk=diff.pk)
    assert done.status == Difference.Status.RESOLVED and done.resolved_by_id == w.finance.pk
    event = AuditEvent.objects.get(action="funds.difference_resolve", object_id=str(diff.pk))
    assert event.extra["resolution"] == "渠道手续费差额已与微信支付核实"
    body = client.get(reverse("funds:run", args=[run.pk])).content.decode()
    assert 'data-testid="run-open">2<' in body and "渠道手续费差额" in body
    r = client.post(reverse("funds:difference_resolve", args=[diff.pk]), {"resolution": "again"}, follow=True)
    assert "该差异已处理" in r.content.decode()


@pytest.mark.parametrize("extra", [2, 20])
def test_batch_and_run_pages_have_flat_query_counts(client: Any, extra: int) -> None:
    w = build_world()
    batch = services.batch_create(
        actor=w.finance, union=w.company, kind="aid", title="慰问", bank_format="csv_gbk"
    )
    for i in range(extra):
        services.batch_create(
            actor=w.finance, union=w.company, kind="award", title=f"奖金{i}", bank_format="xlsx"
        )
        services.batch_line_add(
            actor=w.finance,
            batch=batch,
            payee_name=f"职工{i}",
            account_no=f"62220212345678{i:02d}",
            amount_fen=100,
            debit_account=ledger.funds_expense(w.line.pk),
        )
        approved_commitment(w, 100, purpose=f"慰问{i}")
    run = _run_with_differences(w)
    for i in range(extra):
        _run_with_differences(w)
        Difference.objects.create(run=run, kind="amount", external_ref=f"X{i}", statement_fen=1, ledger_fen=2)
    client.force_login(w.finance)
    client.get(reverse("funds:batches"))  # warm the navigation caches
    for url in (
        reverse("funds:batches"),
        reverse("funds:batch", args=[batch.pk]),
        reverse("funds:runs"),
        reverse("funds:run", args=[run.pk]),
    ):
        with assert_max_queries(16):
            assert client.get(url).status_code == 200
    services.batch_export(actor=w.finance, batch=batch)
    with assert_max_queries(16):
        assert client.get(reverse("funds:batch", args=[batch.pk])).status_code == 200
