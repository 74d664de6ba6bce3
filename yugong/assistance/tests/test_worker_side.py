"""The worker's side and the file's steps on pages: the 公示 with its objection form, the aid
received, the income check against its working-day deadline, and the home visit with photos and
a signature drawn on the pad (stored through core.images)."""

from __future__ import annotations

import base64
import datetime as dt
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils.timezone import now
from PIL import Image

from tests.helpers import assert_max_queries
from yugong.assistance import services as s
from yugong.assistance.models import Beneficiary, FileStep, HardshipFile, IncomeCheck, Objection
from yugong.core.errors import Conflict, ValidationFailed

from .campaign_world import active_file, build_world, cycle
from .conftest import Tree
from .test_services import apply, to_notice

Status = HardshipFile.Status


def login(user: object) -> Client:
    c = Client()
    c.force_login(user)  # type: ignore[arg-type]
    return c


def _png(w: int = 60, h: int = 30) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (w, h), "white").save(out, "PNG")
    return out.getvalue()


def test_members_of_the_union_see_the_notice_masked_and_object(tree: Tree) -> None:
    f = to_notice(tree)
    colleague = login(tree.colleague)
    page = colleague.get(reverse("assistance:h5_notices")).content.decode()
    assert 'data-testid="notice"' in page and "王*红" in page and "王小红" not in page
    assert "透析" not in page  # no sensitive details in the notice
    r = colleague.post(reverse("assistance:h5_notices"), {"file": f.pk, "reason": "申请人家中有商铺出租"})
    assert r.status_code == 302
    assert Objection.objects.get().raised_by == tree.colleague
    assert HardshipFile.objects.get(pk=f.pk).status == Status.OBJECTED
    outsider = login(tree.outsider)
    assert 'data-testid="notice"' not in outsider.get(reverse("assistance:h5_notices")).content.decode()
    assert outsider.post(reverse("assistance:h5_notices"), {"file": f.pk, "reason": "x"}).status_code == 404


def test_staff_handle_the_objection_and_activate_on_the_detail_page(tree: Tree) -> None:
    f = to_notice(tree)
    o = s.objection_raise(actor=tree.colleague, file=f, reason="有出租收入")
    staff = login(tree.store_staff)
    r = staff.post(
        reverse("assistance:file_action", args=[f.pk, "objection"]),
        {"objection": o.pk, "upheld": "0", "answer": "经核实，商铺已于去年转让"},
    )
    assert r.status_code == 302
    assert HardshipFile.objects.get(pk=f.pk).status == Status.NOTICE
    HardshipFile.objects.filter(pk=f.pk).update(notice_ends_at=now() - dt.timedelta(minutes=1))
    staff.post(reverse("assistance:file_action", args=[f.pk, "activate"]))
    f.refresh_from_db()
    assert f.status == Status.ACTIVE and f.review_due_on == s.next_review()


def test_the_worker_sees_the_aid_received(tree: Tree, settings: Any) -> None:
    world = build_world(tree)
    f = active_file(tree.store, income_fen=100)
    y = cycle(world)
    s.cycle_build(actor=tree.yz_staff, cycle=y)
    s.cycle_submit(actor=tree.yz_staff, cycle=y)
    s.cycle_approve(actor=world.chair, cycle=y)
    Beneficiary.objects.filter(cycle=y).update(status=Beneficiary.Status.PAID)
    worker = login(f.applicant.user)
    page = worker.get(reverse("assistance:h5_aid")).content.decode()
    assert page.count('data-testid="aid-row"') == 1 and "冬送温暖" in page and "1,000.00" in page
    assert (
        'data-testid="aid-row"' not in login(tree.worker).get(reverse("assistance:h5_aid")).content.decode()
    )
    with assert_max_queries(12):
        worker.get(reverse("assistance:h5_aid"))


def test_income_check_is_tracked_against_its_deadline(tree: Tree) -> None:
    f = apply(tree)
    check = s.income_check_request(actor=tree.store_staff, file=f, reference="渝民函〔2026〕12号")
    assert check.due_at > check.requested_at
    with pytest.raises(Conflict):
        s.income_check_request(actor=tree.store_staff, file=f)  # one open at a time
    with pytest.raises(ValidationFailed):
        s.income_check_answer(actor=tree.store_staff, check=check, answer="inconsistent", note="")
    IncomeCheck.objects.filter(pk=check.pk).update(due_at=now() - dt.timedelta(days=1))
    page = login(tree.store_staff).get(reverse("assistance:detail", args=[f.pk])).content.decode()
    assert 'data-testid="check-overdue"' in page
    done = s.income_check_answer(actor=tree.store_staff, check=check, answer="consistent")
    assert done.answered_at is not None
    step = f.steps.filter(kind=FileStep.Kind.INCOME_CHECK).last()
    assert step is not None and step.data["late"] is True


def test_review_and_visit_with_photos_and_a_signature_on_the_detail_page(
    tree: Tree, tmp_path: Any, settings: Any
) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    f = apply(tree)
    staff = login(tree.store_staff)
    assert (
        staff.post(reverse("assistance:file_action", args=[f.pk, "review"]), {"approve": "1"}).status_code
        == 302
    )
    assert HardshipFile.objects.get(pk=f.pk).status == Status.VISITING
    page = staff.get(reverse("assistance:detail", args=[f.pk])).content.decode()
    assert 'data-testid="signature-pad"' in page and "signature.js" in page
    signature = "data:image/png;base64," + base64.b64encode(_png(320, 160)).decode()
    r = staff.post(
        reverse("assistance:file_action", args=[f.pk, "visit"]),
        {
            "visited_at": (now() - dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
            "place": "渝中区某小区",
            "visitors": "百货工会干部",
            "findings": "情况属实",
            "photos": [
                SimpleUploadedFile("a.png", _png(), "image/png"),
                SimpleUploadedFile("b.png", _png(), "image/png"),
            ],
            "signature": signature,
        },
    )
    assert r.status_code == 302
    f.refresh_from_db()
    assert f.status == Status.APPROVING
    step = f.steps.get(kind=FileStep.Kind.VISITED)
    assert len(step.data["photos"]) == 2 and step.data["signature"].startswith("assistance/signatures/")
    assert (tmp_path / step.data["signature"]).exists()
    page = staff.get(reverse("assistance:detail", args=[f.pk])).content.decode()
    assert 'data-testid="visit-signature"' in page


def test_a_bad_signature_stores_nothing_and_names_the_field(tree: Tree, tmp_path: Any, settings: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    f = apply(tree)
    s.file_review(actor=tree.store_staff, file=f, approve=True)
    staff = login(tree.store_staff)
    r = staff.post(
        reverse("assistance:file_action", args=[f.pk, "visit"]),
        {
            "visited_at": (now() - dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
            "place": "某地",
            "visitors": "某人",
            "findings": "某情况",
            "photos": [SimpleUploadedFile("a.png", _png(), "image/png")],
            "signature": "data:image/png;base64,bm90IGEgcG5n",
        },
    )
    assert r.status_code == 302
    assert HardshipFile.objects.get(pk=f.pk).status == Status.VISITING
    assert not any(p.is_file() for p in tmp_path.rglob("*"))
    # another union's staff: 404, like missing
    assert (
        login(tree.jb_staff).post(reverse("assistance:file_action", args=[f.pk, "review"])).status_code == 404
    )
