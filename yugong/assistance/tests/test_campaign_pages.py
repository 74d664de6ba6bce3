"""The campaign pages: create a campaign and a cycle, build, submit, approve, pay, download the
bank file (audited), import the results; goods signed for by the grassroots staff; scoped lists
with flat query counts."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook
from PIL import Image

from tests.helpers import assert_max_queries
from yugong.assistance import services as s
from yugong.assistance.models import Beneficiary, Campaign, CampaignCycle
from yugong.core.models import AuditEvent
from yugong.funds.models import PayoutBatch, PayoutLine

from .campaign_world import World, active_file, build_world, cycle
from .conftest import LINE, Tree


@pytest.fixture
def world(tree: Tree) -> World:
    return build_world(tree)


def login(user: object) -> Client:
    c = Client()
    c.force_login(user)  # type: ignore[arg-type]
    return c


def test_staff_creates_a_campaign_and_a_cycle_and_builds_the_list(world: World) -> None:
    t = world.tree
    active_file(t.store, income_fen=LINE - 1)
    c = login(t.yz_staff)
    r = c.post(
        reverse("assistance:campaigns"),
        {"kind": "winter_warmth", "title": "冬送温暖", "budget_line": world.line.pk},
    )
    camp = Campaign.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("assistance:campaign", args=[camp.pk])
    r = c.post(
        reverse("assistance:campaign", args=[camp.pk]),
        {
            "name": "第一批",
            "starts_on": "2026-12-01",
            "ends_on": "2027-01-31",
            "mode": "cash",
            "tiers": ["deep"],
            "deep_yuan": "1000",
            "relative_yuan": "0",
            "sudden_yuan": "0",
            "per_student_yuan": "0",
        },
    )
    y = CampaignCycle.objects.get()
    assert r.status_code == 302 and y.amounts == {"deep": 100_000}
    c.post(reverse("assistance:cycle_action", args=[y.pk, "build"]))
    page = c.get(reverse("assistance:cycle", args=[y.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('data-testid="beneficiary-row"') == 1 and "职*" in html
    c.post(reverse("assistance:cycle_action", args=[y.pk, "submit"]))
    y.refresh_from_db()
    assert y.status == CampaignCycle.Status.SUBMITTED
    # the submitter cannot approve it (a refusal answers 403, not a message and a redirect)
    assert c.post(reverse("assistance:cycle_action", args=[y.pk, "approve"])).status_code == 403
    assert (
        login(world.chair).post(reverse("assistance:cycle_action", args=[y.pk, "approve"])).status_code == 302
    )
    y.refresh_from_db()
    assert y.status == CampaignCycle.Status.FROZEN


def test_pages_are_scoped(world: World) -> None:
    y = cycle(world)
    other = login(world.tree.jb_staff)
    assert other.get(reverse("assistance:cycle", args=[y.pk])).status_code == 404
    assert other.get(reverse("assistance:campaign", args=[y.campaign_id])).status_code == 404
    assert other.post(reverse("assistance:cycle_action", args=[y.pk, "build"])).status_code == 404
    assert 'data-testid="campaigns"' in other.get(reverse("assistance:campaigns")).content.decode()
    assert y.campaign.title not in other.get(reverse("assistance:campaigns")).content.decode()


def _frozen(world: World, n: int, **kw: Any) -> CampaignCycle:
    for _ in range(n):
        active_file(world.tree.store, income_fen=LINE - 1)
    y = cycle(world, **kw)
    s.cycle_build(actor=world.tree.yz_staff, cycle=y)
    s.cycle_submit(actor=world.tree.yz_staff, cycle=y)
    return s.cycle_approve(actor=world.chair, cycle=y)


def test_finance_pays_downloads_the_bank_file_and_imports_results(world: World) -> None:
    y = _frozen(world, 2)
    fin = login(world.finance)
    r = fin.post(reverse("assistance:cycle_action", args=[y.pk, "pay"]), {"bank_format": "csv_utf8"})
    assert r.status_code == 302
    batch = PayoutBatch.objects.get()
    r = fin.get(reverse("assistance:batch_file", args=[y.pk, batch.pk]))
    assert r.status_code == 200 and r.streaming  # streamed, never built in memory
    body = b"".join(r.streaming_content).decode("utf-8-sig")
    assert body.count("\r\n") == 3  # the header and the two households
    assert "6222020012345678901" in body
    assert AuditEvent.objects.filter(action="pii.view", object_id=str(batch.pk)).exists()
    # staff of the union may see the cycle but not the clear bank file
    assert (
        login(world.tree.yz_staff).get(reverse("assistance:batch_file", args=[y.pk, batch.pk])).status_code
        == 403
    )
    text = io.StringIO()
    w = csv.writer(text)
    w.writerow(["客户流水号", "处理结果", "失败原因", "金额"])
    for line in PayoutLine.objects.filter(batch=batch):
        w.writerow([line.number, "成功", "", f"{line.amount_fen / 100:.2f}"])
    upload = SimpleUploadedFile("r.csv", text.getvalue().encode("utf-8"), content_type="text/csv")
    r = fin.post(
        reverse("assistance:cycle_action", args=[y.pk, "results"]), {"batch": batch.pk, "file": upload}
    )
    assert r.status_code == 302
    assert set(Beneficiary.objects.values_list("status", flat=True)) == {Beneficiary.Status.PAID}


def _png() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (40, 20), "white").save(out, "PNG")
    return SimpleUploadedFile("receipt.png", out.getvalue(), content_type="image/png")


def test_grassroots_staff_see_their_delivery_task_and_record_a_signed_receipt(
    world: World, tmp_path: Any, settings: Any
) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    y = _frozen(world, 1, mode="goods", goods="米面油", amounts={"deep": 20_000})
    c = login(world.tree.store_staff)
    assert 'data-testid="delivery-tasks"' in c.get(reverse("assistance:campaigns")).content.decode()
    page = c.get(reverse("assistance:cycle", args=[y.pk]))
    assert page.status_code == 200 and 'data-testid="approve"' not in page.content.decode()
    row = Beneficiary.objects.get()
    r = c.post(
        reverse("assistance:cycle_action", args=[y.pk, "deliver"]),
        {"beneficiary": row.pk, "signed_by": "职工本人", "receipt": _png()},
    )
    assert r.status_code == 302
    row.refresh_from_db()
    assert row.status == Beneficiary.Status.DELIVERED and row.receipt_image.startswith("assistance/receipts/")


@pytest.mark.parametrize("n", [3, 30])
def test_cycle_page_queries_stay_flat(world: World, n: int, settings: Any) -> None:
    settings.FUNDS_SECOND_APPROVAL_FEN = 100_000_000
    y = _frozen(world, n)
    c = login(world.tree.yz_staff)
    with assert_max_queries(14):
        assert c.get(reverse("assistance:cycle", args=[y.pk])).status_code == 200


def test_xlsx_bank_file_is_streamed_from_a_temporary_file(world: World) -> None:
    y = _frozen(world, 3)
    fin = login(world.finance)
    fin.post(reverse("assistance:cycle_action", args=[y.pk, "pay"]), {"bank_format": "xlsx"})
    batch = PayoutBatch.objects.get()
    r = fin.get(reverse("assistance:batch_file", args=[y.pk, batch.pk]))
    assert r.status_code == 200 and r.streaming
    assert r["Content-Disposition"].endswith('.xlsx"')
    sheet = load_workbook(io.BytesIO(b"".join(r.streaming_content)), read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("客户流水号", "收款账号") and len(rows) == 4
    assert {row[1] for row in rows[1:]} == {"6222020012345678901"}
    r.close()
