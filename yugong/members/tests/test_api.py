from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tests.helpers import assert_max_queries
from yugong.core.models import AuditEvent
from yugong.members import services
from yugong.members.models import Membership

from .factories import make_id_number, make_member, make_person

pytestmark = pytest.mark.django_db

API = "/api/v1/members"


def client_for(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def person(**over: Any) -> dict[str, Any]:
    return {
        "name": "赵六",
        "id_number": make_id_number("19880808", sex="F"),
        "employment_form": "regular",
        **over,
    }


def test_anonymous_is_401(tree: dict[str, Any]) -> None:
    assert Client().get(f"{API}/").status_code == 401
    assert Client().post(f"{API}/applications", {}, content_type="application/json").status_code == 401


def test_worker_flow_apply_approve_card_verify(tree: dict[str, Any]) -> None:
    worker = client_for(tree["worker"])
    r = worker.post(
        f"{API}/applications",
        {"person": person(), "union_code": tree["shop"].code, "channel": "scan"},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["status"] == "pending" and body["union_name"] == "解放碑百货工会"
    mid = body["id"]

    assert worker.get(f"{API}/card-token").status_code == 404
    staff = client_for(tree["shop_staff"])
    inbox = staff.get(f"{API}/approvals").json()
    assert [i["id"] for i in inbox["items"]] == [mid]
    assert inbox["items"][0]["person"]["name"] == "赵*"

    r = staff.post(f"{API}/{mid}/approve")
    assert r.status_code == 200 and r.json()["member_no"]
    assert staff.post(f"{API}/{mid}/approve").status_code == 409

    mine = worker.get(f"{API}/mine").json()
    assert mine[0]["status"] == "active"
    token = worker.get(f"{API}/card-token").json()
    assert token["verify_url"].endswith(f"/members/verify/{token['token']}/")

    full = staff.get(f"{API}/cards/{token['token']}").json()
    assert full["valid"] and full["full"] and full["member_no"] == r.json()["member_no"]
    outsider = client_for(tree["jb_staff"]).get(f"{API}/cards/{token['token']}").json()
    assert outsider["valid"] and not outsider["full"] and outsider["member_no"] is None
    assert outsider["union_name"] == "解放碑百货工会" and outsider["name"] == "赵*"
    assert worker.get(f"{API}/cards/{token['token']}").status_code == 403
    forged = staff.get(f"{API}/cards/{token['token']}x")
    assert forged.status_code == 422 and "无效" in forged.json()["message"]


def test_expired_card_token(tree: dict[str, Any], settings: Any) -> None:
    from yugong.members.card import card_token_issue

    m = make_member(tree["shop"])
    token, _ = card_token_issue(m)
    settings.MEMBER_CARD_TOKEN_SECONDS = -1
    r = client_for(tree["shop_staff"]).get(f"{API}/cards/{token}")
    assert r.status_code == 422 and "过期" in r.json()["message"]


def test_validation_errors_in_chinese(tree: dict[str, Any]) -> None:
    r = client_for(tree["worker"]).post(
        f"{API}/applications",
        {"person": person(id_number="500103198808081230", birth_date="1990-01-01"), "union_code": "NOPE"},
        content_type="application/json",
    )
    assert r.status_code == 422
    assert "union_code" in r.json()["fields"]
    r = client_for(tree["worker"]).post(
        f"{API}/applications",
        {"person": person(id_number="500103198808081230"), "union_code": tree["shop"].code},
        content_type="application/json",
    )
    assert r.status_code == 422 and "校验位" in r.json()["fields"]["id_number"][0]


def test_scoped_404_for_other_subtrees(tree: dict[str, Any]) -> None:
    m = make_member(tree["shop"], status="pending", due_at=timezone.now())
    other = client_for(tree["jb_staff"])
    for method, url in [
        ("get", f"{API}/{m.pk}"),
        ("post", f"{API}/{m.pk}/approve"),
        ("post", f"{API}/{m.pk}/resume"),
        ("get", f"{API}/999999"),
    ]:
        r = getattr(other, method)(url, content_type="application/json")
        assert r.status_code == 404, (url, r.content)
        assert r.json()["code"] == "not_found"
    r = other.post(f"{API}/{m.pk}/reject", {"reason": "x"}, content_type="application/json")
    assert r.status_code == 404
    assert other.get(f"{API}/", {"union_id": tree["shop"].pk}).status_code == 404
    assert other.get(f"{API}/").json()["items"] == []
    # a worker without any staff role is refused the staff endpoints, as on the console pages
    assert client_for(tree["worker"]).get(f"{API}/").status_code == 403
    # viewers may look but not decide
    viewer = client_for(tree["viewer"])
    assert viewer.get(f"{API}/{m.pk}").status_code == 200
    assert viewer.post(f"{API}/{m.pk}/approve").status_code == 403
    assert viewer.get(f"{API}/{m.pk}", {"reveal": 1}).status_code == 403


def test_detail_masked_and_reveal_audited(tree: dict[str, Any]) -> None:
    idn = make_id_number("19700102")
    m = make_member(tree["shop"], person=make_person(name="欧阳小明", id_number=idn, phone="13911112222"))
    staff = client_for(tree["district_staff"])
    body = staff.get(f"{API}/{m.pk}").json()
    assert body["person"]["name"] == "欧**明"
    assert body["person"]["phone"] == "139****2222"
    assert body["person"]["id_number"] == idn[:4] + "*" * 10 + idn[-4:]
    assert idn not in staff.get(f"{API}/{m.pk}").content.decode()
    assert not AuditEvent.objects.filter(action="pii.view").exists()
    body = staff.get(f"{API}/{m.pk}", {"reveal": 1}).json()
    assert body["person"]["id_number"] == idn and body["person"]["phone"] == "13911112222"
    event = AuditEvent.objects.get(action="pii.view")
    assert event.actor == tree["district_staff"] and event.union_id == tree["shop"].pk
    assert event.extra["fields"] == ["id_number", "phone"]


def test_search_and_filters(tree: dict[str, Any]) -> None:
    a = make_member(
        tree["shop"], person=make_person(name="张三", phone="13900001234", employer_name="解放碑百货")
    )
    b = make_member(
        tree["branch"], person=make_person(name="张三丰", migrant_worker=True, employment_form="rider")
    )
    c = make_member(tree["factory"], person=make_person(name="李四"))
    make_member(tree["shop"], person=make_person(name="王五"), status="left")
    staff = client_for(tree["district_staff"])

    def ids(**params: Any) -> list[int]:
        r = staff.get(f"{API}/", params)
        assert r.status_code == 200, r.content
        return [i["id"] for i in r.json()["items"]]

    assert ids() == [b.pk, a.pk]  # newest first, current members only, own subtree only
    assert ids(q="张") == [b.pk, a.pk]
    assert ids(q="张三") == [b.pk, a.pk]
    assert ids(q="1234") == [a.pk]
    assert ids(q="13900001234") == [a.pk]
    assert ids(q=a.member_no) == [a.pk]
    assert ids(q=a.person.id_number) == [a.pk]
    assert ids(employer="解放碑") == [a.pk]
    assert ids(migrant="true") == [b.pk]
    assert ids(employment_form="rider") == [b.pk]
    assert ids(union_id=tree["branch"].pk) == [b.pk]
    assert len(ids(status="all")) == 3
    assert ids(status="left")[0] != c.pk
    page = staff.get(f"{API}/", {"limit": 1}).json()
    assert [i["id"] for i in page["items"]] == [b.pk] and page["next_after"] == b.pk
    page = staff.get(f"{API}/", {"limit": 1, "after": page["next_after"]}).json()
    assert [i["id"] for i in page["items"]] == [a.pk] and page["next_after"] is None


def test_transfer_via_api(tree: dict[str, Any]) -> None:
    m = make_member(tree["shop"], person=make_person(user=tree["worker"]), member_since=dt.date(2010, 1, 1))
    worker = client_for(tree["worker"])
    r = worker.post(
        f"{API}/transfers", {"target_union_code": tree["factory"].code}, content_type="application/json"
    )
    assert r.status_code == 201, r.content
    new_id = r.json()["id"]
    assert client_for(tree["shop_staff"]).post(f"{API}/{new_id}/transfer-approve").status_code == 404
    r = client_for(tree["jb_staff"]).post(f"{API}/{new_id}/transfer-approve")
    assert r.status_code == 200
    assert r.json()["member_no"] == m.member_no and r.json()["member_since"] == "2010-01-01"


def test_suspend_resume_leave_and_overdue(tree: dict[str, Any]) -> None:
    m = make_member(tree["shop"])
    staff = client_for(tree["shop_staff"])
    r = staff.post(f"{API}/{m.pk}/suspend", {"reason": ""}, content_type="application/json")
    assert r.status_code == 422 and "reason" in r.json()["fields"]
    assert (
        staff.post(f"{API}/{m.pk}/suspend", {"reason": "失联"}, content_type="application/json").json()[
            "status"
        ]
        == "suspended"
    )
    assert staff.post(f"{API}/{m.pk}/resume").json()["status"] == "active"
    assert (
        staff.post(f"{API}/{m.pk}/leave", {"reason": ""}, content_type="application/json").json()["status"]
        == "left"
    )

    late = make_member(tree["shop"], status="pending", due_at=timezone.now() - dt.timedelta(days=1))
    body = client_for(tree["district_staff"]).get(f"{API}/overdue").json()
    assert [i["id"] for i in body["items"]] == [late.pk] and body["items"][0]["overdue"]
    assert client_for(tree["shop_staff"]).get(f"{API}/overdue").json()["items"] == []


def test_worker_withdraw_and_leave_own(tree: dict[str, Any]) -> None:
    worker = client_for(tree["worker"])
    m = services.membership_apply(
        actor=tree["worker"], person_data=person(), union=tree["shop"], channel="online"
    )
    assert worker.post(f"{API}/mine/{m.pk}/withdraw").json()["status"] == "withdrawn"
    other = make_member(tree["shop"])
    assert worker.post(f"{API}/mine/{other.pk}/withdraw").status_code == 404


@pytest.mark.parametrize("rows", [3, 30])
def test_list_and_inbox_query_counts_are_flat(tree: dict[str, Any], rows: int) -> None:
    for i in range(rows):
        make_member(tree["shop"], person=make_person(name=f"会员{i}"))
        make_member(
            tree["branch"], person=make_person(name=f"申请人{i}"), status="pending", due_at=timezone.now()
        )
    staff = client_for(tree["district_staff"])
    staff.get(f"{API}/")  # warm the session
    with assert_max_queries(6):
        r = staff.get(f"{API}/")
    assert len(r.json()["items"]) == rows
    with assert_max_queries(6):
        r = staff.get(f"{API}/approvals")
    assert len(r.json()["items"]) == rows
    assert Membership.objects.count() == 2 * rows
