"""The members pages read their input through forms (``members/forms.py``): a bad field answers
with its Chinese message beside the field, and nothing is written."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from yugong.members.models import Membership

from .factories import make_member, make_person
from .test_views import client_for

pytestmark = pytest.mark.django_db


def test_join_without_consent_names_the_rule_and_writes_nothing(tree: dict[str, Any]) -> None:
    url = reverse("members:join", kwargs={"code": tree["shop"].code})
    r = client_for(tree["worker"]).post(url, {"name": "李四", "phone": "13800138001", "consent": "0"})
    assert r.status_code == 422
    assert "请阅读并同意《入会须知及个人信息处理规则》。" in r.content.decode()
    assert not Membership.objects.exists()


def test_a_return_address_outside_the_console_is_not_followed(tree: dict[str, Any]) -> None:
    pending = make_member(tree["shop"], status=Membership.Status.PENDING)
    r = client_for(tree["shop_staff"]).post(
        reverse("members:reject", kwargs={"pk": pending.pk}),
        {"reason": "材料不全", "next": "https://evil.example/console/"},
    )
    assert r.status_code == 302 and r["Location"] == reverse("members:approvals")
    pending.refresh_from_db()
    assert pending.status == Membership.Status.REJECTED


def test_a_transfer_without_a_code_names_the_field(tree: dict[str, Any]) -> None:
    make_member(tree["shop"], person=make_person(user=tree["worker"]))
    r = client_for(tree["worker"]).post(reverse("members:transfer"), {"code": "", "reason": "搬家"})
    assert r.status_code == 422 and "请填写转入工会的编码" in r.content.decode()
    assert not Membership.objects.filter(status=Membership.Status.PENDING).exists()
