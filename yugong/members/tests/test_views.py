from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.helpers import assert_max_queries
from yugong.core.models import AuditEvent
from yugong.members.card import card_token_issue
from yugong.members.models import Membership

from .factories import make_id_number, make_member, make_person

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_join_requires_sms_sign_in(tree: dict[str, Any]) -> None:
    url = reverse("members:join", kwargs={"code": tree["shop"].code})
    r = Client().get(url)
    assert r.status_code == 302
    assert r["Location"].startswith(reverse("accounts:login")) and "next=%2Fjoin%2F" in r["Location"]


def test_join_unknown_union_is_404(tree: dict[str, Any]) -> None:
    r = client_for(tree["worker"]).get(reverse("members:join", kwargs={"code": "NO-SUCH"}))
    assert r.status_code == 404


def test_join_flow_then_approve_then_card(tree: dict[str, Any]) -> None:
    worker = client_for(tree["worker"])
    url = reverse("members:join", kwargs={"code": tree["shop"].code})
    page = worker.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "解放碑百货工会" in html and 'value="13800138001"' in html and 'value="李四"' in html

    form = {
        "name": "李四",
        "id_number": make_id_number("19950505"),
        "phone": "13800138001",
        "employment_form": "regular",
        "employer_name": "解放碑百货",
        "education": "",
    }
    r = worker.post(url, form)  # no consent
    assert r.status_code == 422 and "请阅读并同意" in r.content.decode()
    r = worker.post(url, {**form, "id_number": "500103199505051230", "consent": "1"})
    assert r.status_code == 422 and "校验位" in r.content.decode()
    r = worker.post(url, {**form, "consent": "1", "migrant_worker": "1"})
    assert r.status_code == 302 and r["Location"] == reverse("members:my_union")
    m = Membership.objects.get()
    assert m.channel == "scan" and m.person.migrant_worker and m.person.user == tree["worker"]

    mine = worker.get(reverse("members:my_union")).content.decode()
    assert "待审核" in mine and "解放碑百货工会" in mine
    assert "正在审核" in worker.get(url).content.decode()

    staff = client_for(tree["shop_staff"])
    inbox = staff.get(reverse("members:approvals"))
    assert inbox.status_code == 200 and "李*" in inbox.content.decode()
    r = staff.post(reverse("members:approve", kwargs={"pk": m.pk}))
    assert r.status_code == 302
    m.refresh_from_db()
    assert m.status == "active"

    card = worker.get(reverse("members:card"))
    body = card.content.decode()
    assert card.status_code == 200 and "<svg" in body and m.member_no in body
    assert card["Cache-Control"] == "no-store"


def test_join_page_of_a_district_union_explains(tree: dict[str, Any]) -> None:
    url = reverse("members:join", kwargs={"code": tree["yz"].code})
    worker = client_for(tree["worker"])
    assert 'data-testid="join-not-accepting"' in worker.get(url).content.decode()
    worker.post(url, {"name": "x", "consent": "1"})
    assert not Membership.objects.exists()


def test_card_without_membership(tree: dict[str, Any]) -> None:
    r = client_for(tree["worker"]).get(reverse("members:card"))
    assert r.status_code == 200 and 'data-testid="no-card"' in r.content.decode()


def test_verify_page(tree: dict[str, Any]) -> None:
    m = make_member(tree["shop"], person=make_person(name="陈晓东"))
    token, _ = card_token_issue(m)
    url = reverse("members:verify", kwargs={"token": token})
    inside = client_for(tree["district_staff"]).get(url).content.decode()
    assert "有效会员" in inside and m.member_no in inside and "陈*东" in inside and "陈晓东" not in inside
    outside = client_for(tree["jb_staff"]).get(url).content.decode()
    assert "有效会员" in outside and m.member_no not in outside and "最少信息" in outside
    assert client_for(tree["worker"]).get(url).status_code == 403
    assert Client().get(url).status_code == 302
    bad = client_for(tree["jb_staff"]).get(reverse("members:verify", kwargs={"token": "abc"}))
    assert bad.status_code == 422 and "无效的会员卡二维码" in bad.content.decode()
    assert AuditEvent.objects.filter(action="membership.card_verify").count() == 2


def test_verify_scan_page_reads_the_card_url_or_the_bare_token(tree: dict[str, Any]) -> None:
    """The camera (or a scanner gun) fills the field with what the card QR holds: the verify URL.
    The page sends it on to the verify page; the token's validity is checked there."""
    m = make_member(tree["shop"], person=make_person(name="陈晓东"))
    token, _ = card_token_issue(m)
    scan = reverse("members:verify_scan")
    verify = reverse("members:verify", kwargs={"token": token})
    staff = client_for(tree["district_staff"])
    page = staff.get(scan).content.decode()
    assert 'data-testid="scan-camera"' in page and "vendor/qr-scanner/qr-scanner.umd.min.js" in page
    assert 'name="token"' in page  # the text field stays as the fallback
    for text in (f"https://gh.example.cn{verify}", verify, token, f"  {token} "):
        r = staff.get(scan, {"token": text})
        assert r.status_code == 302 and r["Location"] == verify, text
    r = staff.get(scan, {"token": "<script>"}, follow=True)
    assert "无法识别的会员卡二维码" in r.content.decode()
    assert client_for(tree["worker"]).get(scan).status_code == 403
    assert Client().get(scan).status_code == 302


def test_reject_from_inbox_needs_reason(tree: dict[str, Any]) -> None:
    m = make_member(tree["shop"], status="pending", due_at=timezone.now())
    staff = client_for(tree["shop_staff"])
    staff.post(reverse("members:reject", kwargs={"pk": m.pk}), {"reason": ""})
    m.refresh_from_db()
    assert m.status == "pending"
    staff.post(reverse("members:reject", kwargs={"pk": m.pk}), {"reason": "信息不实"})
    m.refresh_from_db()
    assert m.status == "rejected" and m.reject_reason == "信息不实"


def test_console_pages_scoped(tree: dict[str, Any]) -> None:
    m = make_member(tree["shop"])
    other = client_for(tree["jb_staff"])
    assert other.get(reverse("members:detail", kwargs={"pk": m.pk})).status_code == 404
    assert other.post(reverse("members:approve", kwargs={"pk": m.pk})).status_code == 404
    assert other.post(reverse("members:reveal", kwargs={"pk": m.pk})).status_code == 404
    assert client_for(tree["worker"]).get(reverse("members:list")).status_code == 403
    assert Client().get(reverse("members:list")).status_code == 302


def test_detail_masked_and_reveal_audited(tree: dict[str, Any]) -> None:
    idn = make_id_number("19800101")
    m = make_member(tree["shop"], person=make_person(name="孙悟空", id_number=idn, phone="13712345678"))
    staff = client_for(tree["district_staff"])
    html = staff.get(reverse("members:detail", kwargs={"pk": m.pk})).content.decode()
    assert "137****5678" in html and idn not in html and "13712345678" not in html and "孙*空" in html
    listing = staff.get(reverse("members:list")).content.decode()
    assert "137****5678" in listing and idn not in listing and "孙悟空" not in listing
    r = staff.post(reverse("members:reveal", kwargs={"pk": m.pk}))
    html = r.content.decode()
    assert idn in html and "13712345678" in html and r["Cache-Control"] == "no-store"
    assert AuditEvent.objects.filter(action="pii.view", object_id=str(m.person_id)).count() == 1
    # viewers cannot reveal
    assert client_for(tree["viewer"]).post(reverse("members:reveal", kwargs={"pk": m.pk})).status_code == 403


def test_member_actions(tree: dict[str, Any]) -> None:
    m = make_member(tree["shop"])
    staff = client_for(tree["shop_staff"])
    staff.post(reverse("members:action", kwargs={"pk": m.pk, "action": "suspend"}), {"reason": "失联"})
    m.refresh_from_db()
    assert m.status == "suspended"
    staff.post(reverse("members:action", kwargs={"pk": m.pk, "action": "resume"}))
    m.refresh_from_db()
    assert m.status == "active"
    assert staff.post(reverse("members:action", kwargs={"pk": m.pk, "action": "explode"})).status_code == 404


def test_transfer_page(tree: dict[str, Any]) -> None:
    make_member(tree["shop"], person=make_person(user=tree["worker"]))
    worker = client_for(tree["worker"])
    r = worker.post(reverse("members:transfer"), {"code": "NOPE"})
    assert r.status_code == 422 and "未找到该工会编码" in r.content.decode()
    r = worker.post(reverse("members:transfer"), {"code": tree["factory"].code, "reason": "换工作"})
    assert r.status_code == 302
    assert Membership.objects.filter(status="pending", union=tree["factory"]).exists()


def test_h5_me_tab_links(tree: dict[str, Any]) -> None:
    html = client_for(tree["worker"]).get(reverse("web:tab", kwargs={"tab": "me"})).content.decode()
    assert reverse("members:card") in html and reverse("members:transfer") in html


@pytest.mark.parametrize("rows", [3, 30])
def test_console_query_counts_flat(tree: dict[str, Any], rows: int) -> None:
    for i in range(rows):
        make_member(tree["shop"], person=make_person(name=f"会员{i}"))
        make_member(
            tree["branch"], person=make_person(name=f"申请{i}"), status="pending", due_at=timezone.now()
        )
    staff = client_for(tree["district_staff"])
    staff.get(reverse("members:list"))
    with assert_max_queries(12):
        assert staff.get(reverse("members:list")).status_code == 200
    with assert_max_queries(12):
        assert staff.get(reverse("members:approvals")).status_code == 200
