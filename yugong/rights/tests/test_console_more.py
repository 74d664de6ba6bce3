"""The staff console's policy and FAQ editor, the assign form, legal-aid referrals, the cached
supervisors' queue (invalidated by any appeal write) and the read-only, masked admin."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.helpers import UserFactory, grant
from yugong.core.models import AuditEvent
from yugong.rights import services
from yugong.rights.models import Appeal, AppealEvent, Faq, Policy, Referral
from yugong.rights.search import faq_search, policy_search

from .conftest import Tree
from .test_pages_api import login, make


@pytest.fixture
def chair(tree: Tree) -> Any:
    user = UserFactory(display_name="市总干部")
    grant(user, tree.city, "staff")
    return user


def test_policy_editor_creates_and_edits_with_sections(tree: Tree, chair: Any) -> None:
    c = login(chair)
    assert c.get("/rights/console/policies/").status_code == 200
    assert "新增政策" in c.get("/rights/console/policies/").content.decode()
    page = c.get("/rights/console/policies/new/")
    assert page.status_code == 200
    response = c.post(
        "/rights/console/policies/new/",
        {
            "title": "重庆市工资支付条例",
            "issuer": "重庆市人大常委会",
            "doc_number": "渝人常〔2022〕1号",
            "topic": "rights",
            "effective_on": "2022-07-01",
            "expires_on": "",
            "summary": "工资应当以货币形式按月支付。",
            "published": "on",
            "section_heading": ["第一条", "第二条", ""],
            "section_body": ["用人单位不得克扣或者无故拖欠劳动者工资。", "加班工资按规定支付。", ""],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    policy = Policy.objects.get(title="重庆市工资支付条例")
    assert [s.heading for s in policy.sections.order_by("seq")] == ["第一条", "第二条"]
    assert [h.policy.pk for h in policy_search("拖欠工资")] == [policy.pk]
    assert AuditEvent.objects.filter(action="rights.policy.create").exists()
    # edit: the new wording is searchable at once (the search cache follows the library version)
    response = c.post(
        f"/rights/console/policies/{policy.pk}/edit/",
        {
            "title": "重庆市工资支付条例（修订）",
            "issuer": "重庆市人大常委会",
            "topic": "rights",
            "effective_on": "2022-07-01",
            "published": "on",
            "section_heading": ["第一条"],
            "section_body": ["劳动者依法享有带薪年休假。"],
        },
    )
    assert response.status_code == 302
    assert policy_search("克扣") == []
    assert [h.policy.pk for h in policy_search("年休假")] == [policy.pk]
    assert AuditEvent.objects.filter(action="rights.policy.update").exists()


def test_policy_editor_names_the_bad_fields(tree: Tree, chair: Any) -> None:
    c = login(chair)
    response = c.post(
        "/rights/console/policies/new/",
        {"title": "", "issuer": "x", "topic": "rights", "effective_on": "2024-13-01", "section_body": [""]},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "日期格式应为" in body
    response = c.post(
        "/rights/console/policies/new/",
        {"title": "", "issuer": "x", "topic": "rights", "section_heading": ["a"], "section_body": [""]},
    )
    body = response.content.decode()
    assert "请填写标题" in body and "至少需要一条内容" in body
    assert not Policy.objects.exists()


def test_library_editor_needs_a_role_at_the_city_root(tree: Tree) -> None:
    c = login(tree.yz_staff)  # staff, but at a district
    assert c.get("/rights/console/policies/new/").status_code == 403
    assert c.post("/rights/console/faqs/new/", {"question": "q", "answer": "a"}).status_code == 403
    assert "新增政策" not in c.get("/rights/console/policies/").content.decode()
    assert not Faq.objects.exists()


def test_faq_editor(tree: Tree, chair: Any) -> None:
    c = login(chair)
    response = c.post(
        "/rights/console/faqs/new/",
        {
            "question": "被拖欠工资怎么办？",
            "answer": "可拨打12351热线求助。",
            "category": "wages",
            "seq": "3",
            "published": "on",
        },
    )
    assert response.status_code == 302
    faq = Faq.objects.get()
    assert (faq.category, faq.seq, faq.published) == ("wages", 3, True)
    assert [h.faq.pk for h in faq_search("拖欠工资")] == [faq.pk]
    response = c.post(
        f"/rights/console/faqs/{faq.pk}/edit/", {"question": "被拖欠工资怎么办？", "answer": "x", "seq": "x"}
    )
    assert response.status_code == 200 and "排序须为整数" in response.content.decode()
    response = c.post(
        f"/rights/console/faqs/{faq.pk}/edit/", {"question": "被拖欠工资怎么办？", "answer": "x"}
    )
    assert response.status_code == 302
    faq.refresh_from_db()
    assert not faq.published
    assert faq_search("拖欠工资") == []
    assert c.get("/rights/console/faqs/").status_code == 200
    assert AuditEvent.objects.filter(action="rights.faq.update").exists()


def test_assign_form_on_the_handling_page(tree: Tree) -> None:
    (appeal,) = make(tree, 1)
    assert appeal.union == tree.store
    c = login(tree.store_staff)
    page = c.get(f"/rights/console/appeals/{appeal.pk}/").content.decode()
    assert 'data-testid="assign-form"' in page
    outsider = UserFactory(display_name="江北干部乙")
    grant(outsider, tree.jiangbei, "staff")
    response = c.post(f"/rights/console/appeals/{appeal.pk}/", {"action": "assign", "assignee": outsider.pk})
    assert response.status_code == 200 and "请选择承办人" in response.content.decode()
    response = c.post(
        f"/rights/console/appeals/{appeal.pk}/", {"action": "assign", "assignee": tree.yz_staff.pk}
    )
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert appeal.assignee == tree.yz_staff  # a district staff member above the store may handle it
    assert AppealEvent.objects.filter(appeal=appeal, kind="assigned").exists()


def test_legal_aid_is_a_referral_with_the_designated_lawyer(tree: Tree) -> None:
    (appeal,) = make(tree, 1)
    services.appeal_accept(actor=tree.store_staff, appeal=appeal)
    c = login(tree.store_staff)
    response = c.post(
        f"/rights/console/appeals/{appeal.pk}/",
        {"action": "refer", "kind": "legal_aid", "agency": "渝中区法律援助中心", "lawyer": ""},
    )
    assert response.status_code == 302
    referral = Referral.objects.get(appeal=appeal)
    assert referral.kind == Referral.Kind.LEGAL_AID and referral.lawyer == ""
    response = c.post(
        f"/rights/console/appeals/{appeal.pk}/",
        {"action": "referral_update", "referral": referral.pk, "status": "accepted", "lawyer": "王律师"},
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert (referral.status, referral.lawyer) == ("accepted", "王律师")
    page = c.get(f"/rights/console/appeals/{appeal.pk}/").content.decode()
    assert "王律师" in page and "法律援助（指派律师）" in page
    # the API takes the lawyer too
    api = c.post(
        f"/api/v1/rights/appeals/{appeal.pk}/referrals",
        {"kind": "legal_aid", "agency": "工会法律援助站", "lawyer": "李律师"},
        content_type="application/json",
    )
    assert api.status_code == 201, api.content
    assert Referral.objects.filter(appeal=appeal, lawyer="李律师").exists()


def test_queue_cache_follows_appeal_writes(tree: Tree, settings: Any) -> None:
    import datetime as dt

    from yugong.core.timeutil import now

    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "q"}
    }
    appeals = make(tree, 2)
    past = now() - dt.timedelta(days=30)
    for a in appeals:
        type(a).objects.filter(pk=a.pk).update(due_at=past, warn_at=past)
    services.appeal_note(actor=tree.operator, appeal=appeals[0], text="x")  # a write: bumps the version
    op = login(tree.operator)
    first = op.get("/api/v1/rights/queues/overdue?limit=50").json()
    assert first["count"] == 2
    assert op.get("/api/v1/rights/queues/overdue?limit=50").json() == first  # from the cache
    services.appeal_accept(actor=tree.store_staff, appeal=appeals[0])  # new clock, not overdue
    after = op.get("/api/v1/rights/queues/overdue?limit=50").json()
    assert [i["id"] for i in after["items"]] == [appeals[1].pk]


def test_admin_is_read_only_scoped_and_masked(tree: Tree) -> None:
    make(tree, 1)
    admin = UserFactory(is_staff=True, is_superuser=True)
    c = Client()
    c.force_login(admin)
    page = c.get("/sysadmin/rights/appeal/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "13912345678" not in body and "139****5678" in body
    detail = c.get(f"/sysadmin/rights/appeal/{Appeal.objects.get().pk}/change/")
    assert detail.status_code == 200
    assert "13912345678" not in detail.content.decode()
    assert c.get("/sysadmin/rights/appeal/add/").status_code == 403
    # a system administrator without a business role sees no appeals
    sysadmin = UserFactory(is_staff=True, admin_role="system")
    c.force_login(sysadmin)
    assert "12351-" not in c.get("/sysadmin/rights/appeal/").content.decode()
