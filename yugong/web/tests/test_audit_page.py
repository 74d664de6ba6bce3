"""The audit log reads in Chinese (issue 12, item 12): action names, union names, people's display
names masked as the viewer's rights say, links to the objects, a filter by chosen action names."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from tests.helpers import UserFactory, assert_max_queries, grant, make_union
from yugong.core.audit import audit_record
from yugong.orgs.models import Union

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree(city: Union) -> dict[str, Any]:
    district = make_union(city, kind="district", name="渝中区总工会")
    shop = make_union(district, kind="grassroots", name="解放碑百货工会")
    chair = UserFactory(is_staff=True, display_name="王主席", username="wang.chair")
    grant(chair, district, "chair")
    return {"city": city, "district": district, "shop": shop, "chair": chair}


def _cells(html: str) -> list[list[str]]:
    body = html.split('data-testid="audit-table"', 1)[1].split("</tbody>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)
    cells = [
        [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)] for r in rows
    ]
    return [row for row in cells if len(row) == 7]


def _row(html: str, name: str) -> list[str]:
    (row,) = [row for row in _cells(html) if row[2] == name]
    return row


def test_names_not_codes_and_union_names_not_numbers(client: Any, tree: dict[str, Any]) -> None:
    audit_record(actor=tree["chair"], action="membership.approve", obj=tree["shop"], union_id=tree["shop"].pk)
    client.force_login(tree["chair"])
    html = client.get(reverse("web:console_audit")).content.decode()
    row = _row(html, "审批入会")
    assert row[1] == "王主席"  # the display name, not the login name
    assert row[2] == "审批入会"
    assert row[4] == "解放碑百货工会"
    assert str(tree["shop"].pk) != row[4]
    assert "wang.chair" not in html


def test_worker_names_are_masked_unless_the_viewer_administers_the_log(
    client: Any, tree: dict[str, Any]
) -> None:
    worker = UserFactory(display_name="李小明")
    no_name = UserFactory(display_name="", username="sms_8f3a2b", phone="13800138000")
    audit_record(actor=worker, action="membership.apply", union_id=tree["shop"].pk)
    audit_record(actor=no_name, action="membership.withdraw", union_id=tree["shop"].pk)
    client.force_login(tree["chair"])
    html = client.get(reverse("web:console_audit")).content.decode()
    actors = {row[2]: row[1] for row in _cells(html)}
    assert actors["申请入会"] == "李*明"
    assert "sms_8f3a2b" not in html and "13800138000" not in html
    auditor = UserFactory(is_staff=True, admin_role="audit")
    client.force_login(auditor)
    actors = {row[2]: row[1] for row in _cells(client.get(reverse("web:console_audit")).content.decode())}
    assert actors["申请入会"] == "李小明"


def test_personal_objects_are_masked_and_system_is_named(client: Any, tree: dict[str, Any]) -> None:
    volunteer_like = UserFactory(display_name="赵六一")
    audit_record(actor=None, action="user.admin_role", obj=volunteer_like, union_id=tree["shop"].pk)
    client.force_login(tree["chair"])
    row = _row(client.get(reverse("web:console_audit")).content.decode(), "设置平台管理角色")
    assert row[1] == "系统"
    assert "赵*一" in row[3] and "赵六一" not in row[3]


def test_objects_with_a_page_are_linked(client: Any, tree: dict[str, Any]) -> None:
    audit_record(actor=tree["chair"], action="union.update", obj=tree["shop"], union_id=tree["shop"].pk)
    client.force_login(tree["chair"])
    html = client.get(reverse("web:console_audit")).content.decode()
    assert f'href="{reverse("orgs:union_detail", args=[tree["shop"].pk])}"' in html
    row = _row(html, "修改工会信息")
    assert "解放碑百货工会" in row[3]


def test_filter_by_chosen_action_names(client: Any, tree: dict[str, Any]) -> None:
    for action in ("membership.approve", "membership.reject", "union.update"):
        audit_record(actor=tree["chair"], action=action, union_id=tree["shop"].pk)
    client.force_login(tree["chair"])
    html = client.get(reverse("web:console_audit")).content.decode()
    # The filter is a select of names (grouped), not a box for codes.
    assert 'data-testid="audit-action-filter"' in html
    assert '<option value="membership.approve">审批入会</option>' in html
    assert '<optgroup label="会员">' in html
    html = client.get(
        reverse("web:console_audit"), {"action": ["membership.approve", "union.update", "not.a_code"]}
    ).content.decode()
    assert sorted(row[2] for row in _cells(html)) == sorted(["修改工会信息", "审批入会"])
    assert '<option value="membership.approve" selected>' in html


def test_changes_show_field_names(client: Any, tree: dict[str, Any]) -> None:
    audit_record(
        actor=tree["chair"],
        action="union.update",
        obj=tree["shop"],
        union_id=tree["shop"].pk,
        changes={"name": ["旧名", "解放碑百货工会"], "phone": "changed"},
    )
    client.force_login(tree["chair"])
    row = _row(client.get(reverse("web:console_audit")).content.decode(), "修改工会信息")
    assert "名称：旧名 → 解放碑百货工会" in row[6] or "工会名称：旧名 → 解放碑百货工会" in row[6]


@pytest.mark.parametrize("n", [3, 30])
def test_query_count_is_flat_with_many_actors_and_unions(client: Any, tree: dict[str, Any], n: int) -> None:
    for i in range(n):
        union = make_union(tree["district"], kind="grassroots", name=f"基层工会{i}")
        actor = UserFactory(display_name=f"干部{i}")
        grant(actor, union, "staff")
        audit_record(actor=actor, action="union.update", obj=union, union_id=union.pk)
        audit_record(actor=UserFactory(display_name=f"职工{i}"), action="membership.apply", union_id=union.pk)
    client.force_login(tree["chair"])
    client.get(reverse("web:console_audit"))
    with assert_max_queries(9):
        html = client.get(reverse("web:console_audit")).content.decode()
    assert "基层工会0" in html or n > 25


def test_the_api_gives_names_and_masks_people_alike(client: Any, tree: dict[str, Any]) -> None:
    person_like = UserFactory(display_name="赵六一")
    audit_record(actor=None, action="user.admin_role", obj=person_like, union_id=tree["shop"].pk)
    client.force_login(tree["chair"])
    items = client.get("/api/v1/audit/events", {"action": "user."}).json()["items"]
    (item,) = items
    assert item["action_name"] == "设置平台管理角色" and item["object_repr"] == "赵*一"
    auditor = UserFactory(is_staff=True, admin_role="audit")
    client.force_login(auditor)
    (item,) = client.get("/api/v1/audit/events", {"action": "user."}).json()["items"]
    assert item["object_repr"] == "赵六一"
