import pytest
from django.urls import reverse

from tests.helpers import UserFactory, assert_max_queries, grant, make_union
from yugong.accounts.system import system_actor
from yugong.core.audit import audit_record
from yugong.core.models import SmsMessage

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree(city):
    district = make_union(city, kind="district", name="渝中区总工会")
    other = make_union(city, kind="district", name="江北区总工会")
    shop = make_union(district, kind="grassroots", name="解放碑百货工会")
    return {"city": city, "district": district, "other": other, "shop": shop}


def test_console_requires_sign_in_and_staff(client):
    response = client.get(reverse("web:console"))
    assert response.status_code == 302 and reverse("accounts:staff_login") in response["Location"]
    worker = UserFactory()
    client.force_login(worker)
    response = client.get(reverse("web:console"))
    assert response.status_code == 403
    assert "没有" in response.content.decode()


def test_console_shows_the_acting_union_and_switches_only_to_own_nodes(client, tree):
    user = UserFactory(is_staff=True)
    grant(user, tree["district"], "staff")
    grant(user, tree["other"], "viewer")
    client.force_login(user)
    page = client.get(reverse("web:console")).content.decode()
    assert "当前工作节点" in page and "渝中区总工会" in page
    response = client.post(reverse("web:console_acting"), {"union": tree["other"].pk})
    assert response.status_code == 302
    assert client.session["acting_union_id"] == tree["other"].pk
    # A node the user holds no role at (even inside the tree) is "not found".
    response = client.post(reverse("web:console_acting"), {"union": tree["shop"].pk})
    assert response.status_code == 404


def test_audit_page_is_scoped_to_the_subtree(client, tree):
    audit_record(actor=system_actor(), action="test.inside", union_id=tree["shop"].pk)
    audit_record(actor=system_actor(), action="test.outside", union_id=tree["other"].pk)
    chair = UserFactory(is_staff=True)
    grant(chair, tree["district"], "chair")
    client.force_login(chair)
    page = client.get(reverse("web:console_audit")).content.decode()
    assert "test.inside" in page and "test.outside" not in page
    auditor = UserFactory(is_staff=True, admin_role="audit")
    client.force_login(auditor)
    page = client.get(reverse("web:console_audit"), {"action": "test."}).content.decode()
    assert "test.inside" in page and "test.outside" in page


def test_audit_page_query_count_is_flat(client, tree):
    auditor = UserFactory(is_staff=True, admin_role="audit")
    client.force_login(auditor)
    for n in (3, 30):
        for _ in range(n):
            audit_record(actor=auditor, action="test.bulk", union_id=tree["shop"].pk)
        with assert_max_queries(8):
            assert client.get(reverse("web:console_audit")).status_code == 200


def test_sms_outbox_only_for_system_admins(client, tree):
    SmsMessage.objects.create(
        phone_masked="138****8000", phone_index="x", body="【渝工】验证码 123456", backend="outbox"
    )
    staff = UserFactory(is_staff=True)
    grant(staff, tree["city"], "chair")
    client.force_login(staff)
    assert client.get(reverse("web:console_sms_outbox")).status_code == 404
    admin = UserFactory(is_staff=True, admin_role="system")
    client.force_login(admin)
    page = client.get(reverse("web:console_sms_outbox")).content.decode()
    assert "138****8000" in page and "123456" in page


def test_audit_api_is_scoped_and_paginated(client, tree):
    audit_record(actor=system_actor(), action="api.inside", union_id=tree["shop"].pk)
    audit_record(actor=system_actor(), action="api.outside", union_id=tree["other"].pk)
    chair = UserFactory(is_staff=True)
    grant(chair, tree["district"], "chair")
    client.force_login(chair)
    body = client.get("/api/v1/audit/events", {"action": "api."}).json()
    assert [e["action"] for e in body["items"]] == ["api.inside"]
    worker = UserFactory()
    client.force_login(worker)
    response = client.get("/api/v1/audit/events")
    assert response.status_code == 403 and response.json()["code"] == "forbidden"


def test_h5_tabs_render_in_chinese(client):
    page = client.get(reverse("web:home")).content.decode()
    for label in ("首页", "服务", "成长", "帮扶", "我的"):
        assert label in page
    assert client.get(reverse("web:tab", args=["services"])).status_code == 200
    assert client.get(reverse("web:tab", args=["nope"])).status_code == 404
    assert client.get(reverse("web:tab", args=["me"])).status_code == 302


def test_sysadmin_site_is_for_the_system_administrator_only(client, tree):
    chair = UserFactory(is_staff=True)
    grant(chair, tree["city"], "chair")
    client.force_login(chair)
    assert client.get("/sysadmin/").status_code == 302  # sent to the admin login, not let in
    auditor = UserFactory(is_staff=True, admin_role="audit")
    client.force_login(auditor)
    assert client.get("/sysadmin/").status_code == 302
    sysadmin = UserFactory(is_staff=True, admin_role="system")
    client.force_login(sysadmin)
    assert client.get("/sysadmin/").status_code == 200


def test_the_h5_shell_asks_no_role_question_of_a_worker(client):
    """The tab bar needs no query: the entries behind a tab (some for console users only) are
    worked out only on that tab's page. The home's news feed asks once (the news reader's staff
    chain, for notices to staff), nothing else does."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(UserFactory())
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("web:home")).status_code == 200
    assert len([q for q in ctx.captured_queries if "orgs_roleassignment" in q["sql"]]) <= 1


def test_console_navigation_costs_a_fixed_number_of_queries(client, tree):
    user = UserFactory(is_staff=True)
    grant(user, tree["district"], "chair")
    client.force_login(user)
    client.get(reverse("web:console"))
    with assert_max_queries(5):  # session, user, grants, merchant staff rows, recruiter rows (jobs)
        page = client.get(reverse("web:console_section", args=["rights"])).content.decode()
    assert reverse("rights:intake") in page
