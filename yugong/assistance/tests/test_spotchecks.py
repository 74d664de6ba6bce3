"""Spot checks of the annual reviews (a recorded, re-computable draw once a year; results recorded
by the drawing union), the 公示 of exits and removals, and the national-system export."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from tests.helpers import assert_max_queries
from yugong.assistance import services as s
from yugong.assistance.models import FileStep, HardshipFile, SpotCheck, SpotCheckDraw
from yugong.assistance.national import COLUMNS
from yugong.core.errors import Conflict, NotFound, ValidationFailed
from yugong.core.models import AuditEvent
from yugong.core.timeutil import local_today
from yugong.news.models import Article

from .campaign_world import active_file
from .conftest import LINE, Tree


def _due(tree: Tree, n: int) -> list[HardshipFile]:
    files = [active_file(tree.store, income_fen=LINE - 1) for _ in range(n)]
    HardshipFile.objects.filter(pk__in=[f.pk for f in files]).update(review_due_on=local_today())
    return files


def login(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_sample_is_a_pure_function_of_seed_population_and_share() -> None:
    population = list(range(1, 101))
    a = s.sample_of("ab" * 16, population, Decimal("0.1"))
    assert a == s.sample_of("ab" * 16, list(reversed(population)), Decimal("0.1"))
    assert len(a) == 10 and a == sorted(a) and set(a) <= set(population)
    assert s.sample_of("cd" * 16, population, Decimal("0.1")) != a
    assert len(s.sample_of("ab" * 16, population[:7], Decimal("0.1"))) == 1  # rounded up
    assert s.sample_of("ab" * 16, [], Decimal("0.5")) == []


def test_draw_samples_the_configured_share_once_a_year_and_can_be_recomputed(
    tree: Tree, settings: Any
) -> None:
    settings.ASSISTANCE_SPOT_CHECK_SHARE = "0.25"
    files = _due(tree, 8)
    active_file(tree.store, income_fen=LINE - 1)  # not due: review a year away
    draw = s.spot_check_draw(actor=tree.yz_staff, union=tree.yuzhong)
    assert sorted(draw.population) == sorted(f.pk for f in files)
    assert draw.share == Decimal("0.250") and draw.checks.count() == 2
    assert s.draw_verify(draw)
    picked = set(draw.checks.values_list("file_id", flat=True))
    assert picked == set(s.sample_of(draw.seed, draw.population, draw.share))
    with pytest.raises(Conflict):
        s.spot_check_draw(actor=tree.yz_staff, union=tree.yuzhong)
    # a tampered record no longer matches its seed
    other = next(f for f in files if f.pk not in picked)
    SpotCheck.objects.filter(pk=draw.checks.order_by("pk").values("pk")[:1]).update(file_id=other.pk)
    assert not s.draw_verify(SpotCheckDraw.objects.get(pk=draw.pk))
    audit = AuditEvent.objects.get(action="assistance.spot_check_draw")
    assert audit.extra["seed"] == draw.seed and audit.extra["due"] == 8


def test_nothing_due_or_outside_the_subtree_is_refused(tree: Tree) -> None:
    with pytest.raises(ValidationFailed):
        s.spot_check_draw(actor=tree.yz_staff, union=tree.yuzhong)
    _due(tree, 2)
    with pytest.raises(NotFound):
        s.spot_check_draw(actor=tree.jb_staff, union=tree.yuzhong)


def test_results_are_recorded_by_the_drawing_union_with_a_note_for_a_discrepancy(tree: Tree) -> None:
    _due(tree, 3)
    draw = s.spot_check_draw(actor=tree.yz_staff, union=tree.yuzhong)
    check = draw.checks.get()
    with pytest.raises(NotFound):  # the grassroots union that keeps the file does not see the draw
        s.spot_check_record(actor=tree.store_staff, check=check, result="confirmed")
    with pytest.raises(ValidationFailed):
        s.spot_check_record(actor=tree.yz_staff, check=check, result="discrepancy", note="")
    done = s.spot_check_record(
        actor=tree.yz_staff, check=check, result="discrepancy", note="家中新增务工收入"
    )
    assert done.result == "discrepancy" and done.checked_by == tree.yz_staff
    assert FileStep.objects.filter(file_id=check.file_id, kind="spot_checked").exists()
    with pytest.raises(Conflict):
        s.spot_check_record(actor=tree.yz_staff, check=check, result="confirmed")


def test_spot_check_page_draws_lists_and_records(tree: Tree) -> None:
    _due(tree, 12)
    page = login(tree.yz_staff)
    url = reverse("assistance:spot_checks")
    r = page.post(url, {"action": "draw", "union": tree.yuzhong.pk})
    assert r.status_code == 302
    draw = SpotCheckDraw.objects.get()
    assert draw.checks.count() == 2  # 10 % of 12, rounded up
    with assert_max_queries(14):
        r = page.get(url)
    assert r.status_code == 200 and r.content.count(b'data-testid="spot-row"') == 2
    assert "王小红".encode() not in r.content
    check = draw.checks.first()
    assert check is not None
    r = page.post(url, {"check": check.pk, "result": "confirmed", "note": ""})
    assert r.status_code == 302
    assert SpotCheck.objects.get(pk=check.pk).result == "confirmed"
    # the grassroots staff's record is refused (404: the draw is above them), not turned into a message
    other = draw.checks.exclude(pk=check.pk).get()
    assert login(tree.store_staff).post(url, {"check": other.pk, "result": "confirmed"}).status_code == 404


def test_exit_and_removal_are_published_masked_without_the_reason(tree: Tree) -> None:
    f = active_file(tree.store, income_fen=LINE - 1, name="赵大成")
    s.file_close(actor=tree.store_staff, file=f, kind="exit", reason="确诊尿毒症后病情好转，已复工")
    f.refresh_from_db()
    article = Article.objects.get(pk=f.exit_notice_article_id)
    assert article.kind == Article.Kind.PUBLICITY and "赵*" in article.body_html
    assert "赵大成" not in article.body_html and "尿毒症" not in article.body_html
    assert f.exit_notice_ends_at is not None and f.steps.filter(kind="exit_notice").exists()
    page = login(tree.colleague).get(reverse("assistance:h5_notices"))
    assert page.content.count(b'data-testid="exit-notice"') == 1 and "赵*".encode() in page.content
    assert (
        b'data-testid="exit-notice"' not in login(tree.outsider).get(reverse("assistance:h5_notices")).content
    )
    s.file_reenter(actor=tree.store_staff, file=f, reason="再次因病致困")
    f.refresh_from_db()
    assert f.exit_notice_article_id is None
    HardshipFile.objects.filter(pk=f.pk).update(status="active")
    s.file_close(actor=tree.store_staff, file=f, kind="remove", reason="核实有隐瞒收入")
    f.refresh_from_db()
    assert Article.objects.filter(body_html__contains="撤销档案").count() == 1
    assert f.exit_notice_article_id != article.pk


def test_national_export_layout_masked_and_clear(tree: Tree) -> None:
    files = [active_file(tree.store, income_fen=LINE - 1, students=k % 2) for k in range(3)]
    url = reverse("assistance:national_export")
    page = login(tree.yz_staff)
    with assert_max_queries(8):
        r = page.get(url)
        body = b"".join(r.streaming_content)
    rows = list(load_workbook(io.BytesIO(body), read_only=True).worksheets[0].iter_rows(values_only=True))
    assert list(rows[0]) == list(COLUMNS) and len(rows) == 4
    by_no = {row[0]: dict(zip(COLUMNS, row, strict=True)) for row in rows[1:]}
    first = by_no[f"{files[0].pk:08d}"]
    assert "*" in first["姓名"] and first["家庭月人均收入(元)"] is None
    assert first["困难类别"] == "深度困难" and first["致困原因"] == "因病"
    assert by_no[f"{files[1].pk:08d}"]["在校子女数"] == 1
    assert not AuditEvent.objects.filter(action="pii.view").exists()
    r = page.get(url + "?clear=1")
    rows = list(
        load_workbook(io.BytesIO(b"".join(r.streaming_content)), read_only=True)
        .worksheets[0]
        .iter_rows(values_only=True)
    )
    clear = dict(zip(COLUMNS, rows[1], strict=True))
    assert "*" not in clear["姓名"] and clear["家庭月人均收入(元)"] == f"{(LINE - 1) / 100:.2f}"
    assert AuditEvent.objects.filter(action="pii.view").exists()
    # outside the subtree: 404; a read-only role may not take the clear copy
    assert login(tree.jb_staff).get(url + f"?union={tree.yuzhong.pk}").status_code == 404
