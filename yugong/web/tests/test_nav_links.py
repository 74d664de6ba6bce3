"""Every navigation link a user is shown opens (issue 12, item 11), and every kind of user lands on
their own work queue after signing in (item 14).

The demo data is loaded, then for each demo kind of user the shell pages are crawled: every link
marked ``data-nav`` (H5 tab bar, home tiles, tab pages, console sections and pages, the merchant
workbench) is followed and must answer 200 (after redirects) — never 403 or 404."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from yugong.accounts.models import User
from yugong.orgs.models import RoleAssignment, Union
from yugong.orgs.services import role_grant

pytestmark = pytest.mark.django_db

NAV_LINK = re.compile(r'<a data-nav [^>]*?href="([^"]+)"')


@pytest.fixture
def demo(settings: Any) -> dict[str, User]:
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    # The demo has no grassroots staff member: add one at the department store's union.
    grassroots = User.objects.create(username="jfb_staff", display_name="赵工", is_staff=True)
    shop = Union.objects.get(code="CQ-YZ-001")
    from yugong.accounts.system import system_actor

    role_grant(actor=system_actor(), user=grassroots, union=shop, role=RoleAssignment.Role.STAFF)
    users = {u.username: u for u in User.objects.filter(is_system=False)}
    return users


KINDS = [
    "w_demo_worker",  # worker (SMS sign-in)
    "jfb_staff",  # grassroots union staff
    "yuzhong_staff",  # district staff
    "city_chair",
    "hotline_op",
    "m_wulong",  # merchant owner
    "sysadmin",
    "secadmin",
    "auditadmin",
]


def _nav_links(html: str) -> set[str]:
    return {href for href in NAV_LINK.findall(html) if href.startswith("/")}


def _crawl(client: Client, start: list[str]) -> dict[str, int]:
    """Follow every nav link reachable from ``start``; the final status of each."""
    seen: dict[str, int] = {}
    todo = list(start)
    while todo:
        url = todo.pop()
        if url in seen:
            continue
        response = client.get(url, follow=True)
        seen[url] = response.status_code
        if response.status_code == 200 and "text/html" in response.get("Content-Type", ""):
            todo.extend(_nav_links(response.content.decode()) - seen.keys())
    return seen


def test_every_nav_link_each_kind_of_user_sees_opens(demo: dict[str, User]) -> None:
    broken: dict[str, dict[str, int]] = {}
    for username in KINDS:
        client = Client()
        client.force_login(demo[username])
        landing = client.get(reverse("web:whoami"))["Location"]
        seen = _crawl(client, [landing, reverse("web:home")])
        assert len(seen) >= 5, (username, seen)
        bad = {url: status for url, status in seen.items() if status != 200}
        if bad:
            broken[username] = bad
    assert broken == {}, f"links shown that do not open: {broken}"


def _console_links(client: Client, url: str) -> str:
    return client.get(url, follow=True).content.decode()


def test_a_merchant_sees_only_the_workbench_navigation(demo: dict[str, User]) -> None:
    client = Client()
    client.force_login(demo["m_wulong"])
    html = client.get(reverse("tourism:m_home"), follow=True).content.decode()
    assert 'data-testid="merchant-nav"' in html
    assert 'data-testid="console-nav"' not in html  # no union console menu
    links = _nav_links(html)
    assert not any(link.startswith("/console/") for link in links)
    assert reverse("tourism:m_home") in links and any("/orders/" in link for link in links)


def test_union_staff_do_not_see_pages_meant_for_others(demo: dict[str, User]) -> None:
    client = Client()
    client.force_login(demo["hotline_op"])
    html = client.get(reverse("web:console_section", args=["system"])).content.decode()
    assert reverse("web:console_sms_outbox") not in html
    # The 一件事 section holds only pages for union officers (chair, vice chair, staff): a hotline
    # operator has none there.
    assert client.get(reverse("web:console_section", args=["assistance"])).status_code == 404
    client.force_login(demo["yuzhong_staff"])
    assert client.get(reverse("web:console_section", args=["assistance"])).status_code == 200


LANDINGS = {
    "hotline_op": "rights:list",  # the 12351 appeal queue
    "m_wulong": "tourism:m_home",  # the merchant workbench
    "auditadmin": "web:console_audit",
    "secadmin": "web:console_audit",
    "yuzhong_staff": "members:approvals",
    "jfb_staff": "members:approvals",
    "city_chair": "web:console",
    "sysadmin": "web:console",
}


def test_each_role_lands_on_its_own_work_queue(demo: dict[str, User]) -> None:
    landed = {}
    for username in LANDINGS:
        user = demo[username]
        user.set_password("pw-for-the-test-1")
        user.save()
        client = Client()
        response = client.post(
            reverse("accounts:staff_login"), {"username": username, "password": "pw-for-the-test-1"}
        )
        assert response.status_code == 302, username
        landed[username] = response["Location"]
    assert landed == {u: reverse(name) for u, name in LANDINGS.items()}
    # A worker signed in by SMS lands on the worker home (whoami answers the same rule).
    client = Client()
    client.force_login(demo["w_demo_worker"])
    assert client.get(reverse("web:whoami"))["Location"] == reverse("web:home")


def test_a_forbidden_page_says_why_and_links_home(demo: dict[str, User]) -> None:
    client = Client()
    client.force_login(demo["m_wulong"])
    response = client.get(reverse("web:console"))
    assert response.status_code == 403
    html = response.content.decode()
    assert "没有权限" in html and "工会工作人员" in html
    assert f'href="{reverse("tourism:m_home")}" data-testid="error-home"' in html
