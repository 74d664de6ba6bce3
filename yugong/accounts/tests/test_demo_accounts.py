"""The demo has two worker phones (issue 12, item 15): 张师傅 is already a member (so his join page
says so), 刘师傅 is in no union and can try scan-to-join end to end."""

from __future__ import annotations

import io
from typing import Any

import pytest

from yugong.accounts import demo as accounts_demo
from yugong.accounts.models import User
from yugong.core.pii import blind_index
from yugong.core.validators import id_check_char
from yugong.members import demo as members_demo
from yugong.members.models import Membership
from yugong.orgs import demo as orgs_demo

pytestmark = pytest.mark.django_db

JOIN_URL = "/join/CQ-YZ-001/"  # the code printed on 重庆解放碑百货有限公司工会's poster


def _seed() -> None:
    for module in (accounts_demo, orgs_demo, members_demo):
        module.seed(io.StringIO())


def _user(phone: str) -> User:
    return User.objects.get(phone_index=blind_index("phone", phone))


def test_the_demo_worker_is_a_member_and_the_second_phone_is_not(client: Any, settings: Any) -> None:
    settings.SMS_BACKEND = "locmem"
    _seed()
    _seed()  # idempotent
    member, joiner = _user(accounts_demo.DEMO_WORKER_PHONE), _user(accounts_demo.DEMO_JOINER_PHONE)
    assert Membership.objects.filter(person__user=member, status="active").exists()
    assert not Membership.objects.filter(person__user=joiner).exists()
    assert User.objects.filter(phone_index=blind_index("phone", accounts_demo.DEMO_JOINER_PHONE)).count() == 1

    client.force_login(member)
    assert "无需重复申请" in client.get(JOIN_URL).content.decode()

    client.force_login(joiner)
    page = client.get(JOIN_URL).content.decode()
    assert "无需重复申请" not in page and 'name="id_number"' in page
    body17 = "50010319900307123"
    response = client.post(
        JOIN_URL,
        {
            "name": "刘师傅",
            "id_number": body17 + id_check_char(body17),
            "phone": accounts_demo.DEMO_JOINER_PHONE,
            "employment_form": "regular",
            "consent": "1",
        },
    )
    assert response.status_code == 302
    assert Membership.objects.get(person__user=joiner).status == "pending"


def test_the_readme_names_both_phones_the_join_code_and_the_port() -> None:
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text(encoding="utf-8")
    assert accounts_demo.DEMO_WORKER_PHONE in readme and accounts_demo.DEMO_JOINER_PHONE in readme
    assert JOIN_URL in readme
    assert "make run PORT=" in readme
    makefile = (Path(__file__).resolve().parents[3] / "Makefile").read_text(encoding="utf-8")
    assert "PORT ?= " in makefile and "runserver $(HOST):$(PORT)" in makefile
