"""Pages: the worker's apply form and status; the staff queue and the file detail (scoped, masked,
a clear view audited)."""

from __future__ import annotations

import datetime as dt

from django.test import Client
from django.urls import reverse
from django.utils.timezone import now

from tests.helpers import assert_max_queries
from yugong.assistance.models import HardshipFile
from yugong.core.models import AuditEvent

from .conftest import Tree
from .test_services import apply

FORM = {
    "causes": ["illness"],
    "household": "王小明 子",
    "wage_yuan": "1000",
    "other_income_yuan": "0",
    "medical_yuan": "300.50",
    "education_yuan": "0",
    "employment_months": "24",
    "illness_note": "尿毒症",
    "bank_card": "6222020012345678901",
    "consent": "on",
}


def login(user: object) -> Client:
    c = Client()
    c.force_login(user)  # type: ignore[arg-type]
    return c


def test_worker_applies_and_sees_status(tree: Tree) -> None:
    c = login(tree.worker)
    assert c.get(reverse("assistance:h5_apply")).status_code == 200
    resp = c.post(reverse("assistance:h5_apply"), FORM)
    assert resp.status_code == 302 and resp["Location"] == reverse("assistance:h5_status")
    f = HardshipFile.objects.get()
    assert (f.monthly_income_fen, f.monthly_rigid_cost_fen, f.household_size) == (100_000, 30_050, 2)
    html = c.get(reverse("assistance:h5_status")).content.decode()
    assert "待基层审核" in html and "提交申请" in html and f.due_at.strftime("%Y") in html


def test_apply_form_errors_name_the_field_and_write_nothing(tree: Tree) -> None:
    c = login(tree.worker)
    resp = c.post(reverse("assistance:h5_apply"), {**FORM, "consent": "", "wage_yuan": "1.234"})
    assert resp.status_code == 200
    html = resp.content.decode()
    assert 'data-field="wage_yuan"' in html
    assert not HardshipFile.objects.exists()
    resp = c.post(reverse("assistance:h5_apply"), {**FORM, "consent": ""})
    assert 'data-field="consent"' in resp.content.decode()
    assert not HardshipFile.objects.exists()


def test_anonymous_is_sent_to_login(tree: Tree) -> None:
    assert Client().get(reverse("assistance:h5_apply")).status_code == 302


def test_queue_is_scoped_with_overdue_marks(tree: Tree) -> None:
    f = apply(tree)
    HardshipFile.objects.filter(pk=f.pk).update(due_at=now() - dt.timedelta(days=1))
    from yugong.members.models import Person

    apply(tree, actor=tree.colleague, person=Person.objects.get(user=tree.colleague))
    url = reverse("assistance:queue")
    c = login(tree.store_staff)
    c.get(url)
    with assert_max_queries(8):  # flat in the number of rows
        html = c.get(url).content.decode()
    assert html.count('data-testid="assistance-row"') == 2
    assert 'data-testid="assistance-row"' in html and 'data-testid="overdue"' in html
    assert "王*红" in html and "王小红" not in html
    assert 'data-testid="assistance-row"' in login(tree.yz_staff).get(url).content.decode()
    assert 'data-testid="assistance-row"' not in login(tree.jb_staff).get(url).content.decode()
    assert login(tree.worker).get(url).status_code == 403


def test_detail_masked_scoped_and_clear_view_audited(tree: Tree) -> None:
    f = apply(tree)
    url = reverse("assistance:detail", args=[f.pk])
    c = login(tree.store_staff)
    html = c.get(url).content.decode()
    assert "王*红" in html and "6222020012345678901" not in html and "8901" in html and "透析" not in html
    assert "提交申请" in html
    assert not AuditEvent.objects.filter(action="pii.view").exists()
    html = c.post(url, {"action": "reveal"}).content.decode()
    assert "王小红" in html and "6222020012345678901" in html and "透析" in html
    assert AuditEvent.objects.filter(action="pii.view", object_id=str(f.pk), actor=tree.store_staff).exists()
    assert login(tree.jb_staff).get(url).status_code == 404
    assert login(tree.jb_staff).post(url, {"action": "reveal"}).status_code == 404
    assert login(tree.store_staff).get(reverse("assistance:detail", args=[f.pk + 999])).status_code == 404
