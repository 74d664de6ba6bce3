"""A union's finance officer, on a phone, pays two approved requests through a bank batch: builds
the batch from the payable requests, sends it, downloads the bank file, uploads the bank's result
file (first with a bad row: the error names the row), then follows up the failed line in a new
batch; the reconciliation run of the import is listed."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from e2e.helpers import assert_page_healthy
from e2e.test_funds import sign_in
from tests.helpers import UserFactory, grant, make_union
from yugong.core.timeutil import local_today
from yugong.funds import ledger, services
from yugong.funds.models import Category, PayoutBatch, PayoutLine

pytestmark = pytest.mark.django_db(transaction=True)


def _shot(page: Any, name: str) -> None:
    """Screenshots for a person to look at, when asked for (YUGONG_SCREENSHOTS=<dir>)."""
    where = os.environ.get("YUGONG_SCREENSHOTS")
    if where:
        page.screenshot(path=str(Path(where) / f"funds-batch-{name}.png"), full_page=True)


def _result_file(rows: list[tuple[str, str, str, str]]) -> dict[str, Any]:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(["客户流水号", "处理结果", "失败原因", "金额"])
    writer.writerows(rows)
    return {"name": "result.csv", "mimeType": "text/csv", "buffer": text.getvalue().encode("utf-8")}


def test_bank_batch_round_trip_on_a_phone(phone_page: Any, live_server: Any) -> None:
    city = make_union(None, name="重庆市总工会")
    shop = make_union(city, name="解放碑百货工会")
    staff, chair, finance = (UserFactory(is_staff=True) for _ in range(3))
    grant(staff, shop, "staff")
    grant(chair, shop, "chair")
    grant(finance, shop, "finance")
    budget = services.budget_create(actor=staff, union=shop, year=local_today().year)
    line = services.budget_line_add(
        actor=staff, budget=budget, category=Category.ACTIVITIES, name="困难职工慰问", amount_fen=500_000
    )
    services.budget_submit(actor=staff, budget=budget)
    services.budget_approve(actor=chair, budget=budget)
    asks = []
    for purpose, amount in (("慰问张三", 30_000), ("慰问李四", 40_000)):
        ask = services.commitment_request(actor=staff, line=line, amount_fen=amount, purpose=purpose)
        asks.append(services.commitment_approve(actor=chair, commitment=ask))
    page = phone_page
    # A long journey on a machine that may be shared: wait longer than the 10 s default per step.
    page.set_default_timeout(45_000)
    page.set_default_navigation_timeout(45_000)

    sign_in(page, live_server, finance)
    page.goto(f"{live_server.url}/console/funds/batches/")
    page.get_by_label("类型").select_option("aid")
    page.get_by_label("批次名称").fill("春节慰问金")
    page.get_by_label("银行文件格式").select_option("csv_utf8")
    page.get_by_test_id("batch-create").click()
    expect(page.get_by_test_id("batch-status")).to_contain_text("草稿")
    for ask, (name, account) in zip(
        asks, (("张三", "6222021234567801"), ("李四", "6222021234567802")), strict=True
    ):
        box = page.get_by_test_id(f"payable-{ask.pk}")
        box.get_by_label("收款户名").fill(name)
        box.get_by_label("收款账号").fill(account)
        box.get_by_label("开户行").fill("工商银行重庆分行")
        box.get_by_test_id(f"payable-add-{ask.pk}").click()
        expect(page.get_by_text("已加入批次。")).to_be_visible()
    expect(page.get_by_test_id("batch-total")).to_contain_text("¥700.00")
    assert_page_healthy(page)
    _shot(page, "draft")

    page.get_by_test_id("batch-export").click()
    expect(page.get_by_test_id("batch-status")).to_contain_text("已发送银行")
    with page.expect_download() as download:
        page.get_by_test_id("batch-file").click()
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
    assert rows[0][0] == "客户流水号" and [r[1] for r in rows[1:]] == ["6222021234567801", "6222021234567802"]
    first, second = rows[1][0], rows[2][0]

    page.get_by_label("银行回执文件").set_input_files(_result_file([(first, "成功", "", "3OO")]))
    page.get_by_test_id("results-import").click()
    expect(page.get_by_test_id("results-form").get_by_role("alert").first).to_contain_text("第2行 / 金额")
    page.get_by_label("银行回执文件").set_input_files(
        _result_file([(first, "成功", "", "300.00"), (second, "失败", "户名与账号不符", "400.00")])
    )
    page.get_by_test_id("results-import").click()
    expect(page.get_by_text("回执已导入")).to_be_visible()
    expect(page.get_by_test_id("batch-status")).to_contain_text("已完结")
    expect(page.get_by_test_id(f"payout-line-{second}")).to_contain_text("户名与账号不符")
    _shot(page, "results")

    page.get_by_test_id("batch-follow-up").click()
    expect(page.get_by_test_id("batch-status")).to_contain_text("草稿")
    expect(page.get_by_test_id("batch-total")).to_contain_text("¥400.00")
    assert_page_healthy(page)
    follow = PayoutBatch.objects.get(follow_up_of__title="春节慰问金")
    assert PayoutLine.objects.get(batch=follow).retry_of.number == second  # type: ignore[union-attr]
    assert ledger.balance(ledger.payout_suspense(shop.pk)) == -40_000

    page.goto(f"{live_server.url}/console/funds/reconciliations/")
    expect(page.get_by_test_id("runs")).to_contain_text("春节慰问金")
    assert_page_healthy(page)
