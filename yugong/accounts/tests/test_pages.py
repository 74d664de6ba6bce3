from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pyotp
import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from tests.helpers import UserFactory, assert_max_queries
from yugong.accounts.models import ApiToken, TotpDevice, User
from yugong.accounts.services import api_token_create, totp_confirm, totp_setup_begin
from yugong.core import sms

from .conftest import last_code

pytestmark = pytest.mark.django_db
PHONE = "13600005678"
PASSWORD = "correct horse battery"
T0 = dt.datetime(2026, 5, 6, 4, 0, 10, tzinfo=dt.UTC)


def _is_signed_in(client: Client) -> bool:
    return client.get("/api/v1/accounts/me").status_code == 200


# --- Worker SMS login ---------------------------------------------------------------------------


def test_worker_login_end_to_end(client: Client, django_capture_on_commit_callbacks: Any) -> None:
    page = client.get(reverse("accounts:login") + "?next=/h5/me/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "获取验证码" in html and 'name="phone"' in html
    assert 'value="/h5/me/"' in html

    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(
            reverse("accounts:login"), {"action": "send", "step": "phone", "phone": PHONE, "next": "/h5/me/"}
        )
    assert sent.status_code == 200
    html = sent.content.decode()
    assert "验证码已发送至 136****5678" in html
    assert 'name="code"' in html
    assert 'data-countdown="60"' in html
    assert len(sms.outbox) == 1

    done = client.post(
        reverse("accounts:login"),
        {"action": "login", "step": "code", "phone": PHONE, "code": last_code(PHONE), "next": "/h5/me/"},
    )
    assert done.status_code == 302
    assert done["Location"] == "/h5/me/"
    assert _is_signed_in(client)
    assert User.objects.get().masked_phone == "136****5678"


def test_worker_login_goes_home_and_ignores_outside_next(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:login"), {"action": "send", "phone": PHONE})
    done = client.post(
        reverse("accounts:login"),
        {"action": "login", "phone": PHONE, "code": last_code(PHONE), "next": "https://evil.example/"},
    )
    assert done.status_code == 302
    assert done["Location"] == reverse("web:home")


def test_worker_login_errors_are_shown_on_the_form(client: Client) -> None:
    bad = client.post(reverse("accounts:login"), {"action": "send", "step": "phone", "phone": "12"})
    assert bad.status_code == 422
    assert "手机号码格式不正确" in bad.content.decode()
    assert 'name="phone"' in bad.content.decode()

    wrong = client.post(
        reverse("accounts:login"), {"action": "login", "step": "code", "phone": PHONE, "code": "123"}
    )
    assert wrong.status_code == 422
    assert "请输入6位数字验证码" in wrong.content.decode()
    assert not _is_signed_in(client)


def test_rate_limit_keeps_the_code_step(client: Client, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:login"), {"action": "send", "step": "phone", "phone": PHONE})
    again = client.post(reverse("accounts:login"), {"action": "send", "step": "code", "phone": PHONE})
    assert again.status_code == 429
    html = again.content.decode()
    assert "后再重新获取" in html
    assert 'name="code"' in html
    # Coming back to the phone step within the gap leads to the code field with the countdown.
    back = client.post(reverse("accounts:login"), {"action": "send", "step": "phone", "phone": PHONE})
    assert back.status_code == 429
    assert 'name="code"' in back.content.decode()
    assert re.search(r'data-countdown="(5\d|60)"', back.content.decode())


def test_demo_hint_only_with_outbox_in_debug(client: Client, settings: Any) -> None:
    assert "演示环境" not in client.get(reverse("accounts:login")).content.decode()
    settings.DEBUG = True
    settings.SMS_BACKEND = "outbox"
    assert "/console/sms-outbox/" in client.get(reverse("accounts:login")).content.decode()


# --- Staff login (+ TOTP) ---------------------------------------------------------------------


@pytest.fixture
def staff(db: Any) -> User:
    return UserFactory(username="zhang.wei", is_staff=True)


def test_staff_login_to_console(client: Client, staff: User) -> None:
    page = client.get(reverse("accounts:staff_login"))
    assert page.status_code == 200 and 'name="password"' in page.content.decode()
    done = client.post(reverse("accounts:staff_login"), {"username": "zhang.wei", "password": PASSWORD})
    assert done.status_code == 302
    assert done["Location"] == reverse("web:console")
    assert _is_signed_in(client)


def test_staff_login_respects_safe_next(client: Client, staff: User) -> None:
    done = client.post(
        reverse("accounts:staff_login"),
        {"username": "zhang.wei", "password": PASSWORD, "next": "/console/audit/"},
    )
    assert done["Location"] == "/console/audit/"


def test_staff_login_wrong_password_and_lockout(client: Client, staff: User, settings: Any) -> None:
    settings.LOGIN_FAILURE_LIMIT = 2
    first = client.post(reverse("accounts:staff_login"), {"username": "zhang.wei", "password": "x"})
    assert first.status_code == 422
    assert "用户名或密码不正确" in first.content.decode()
    second = client.post(reverse("accounts:staff_login"), {"username": "zhang.wei", "password": "x"})
    assert second.status_code == 429
    locked = client.post(reverse("accounts:staff_login"), {"username": "zhang.wei", "password": PASSWORD})
    assert locked.status_code == 429
    assert "锁定" in locked.content.decode()
    # The 429 page says when to come back (the lockout window, in seconds).
    assert 0 < int(locked["Retry-After"]) <= settings.LOGIN_LOCKOUT_SECONDS
    assert not _is_signed_in(client)


def test_staff_login_with_totp_two_steps(client: Client, staff: User) -> None:
    with time_machine.travel(T0, tick=False) as traveller:
        device = totp_setup_begin(user=staff)
        totp_confirm(user=staff, code=pyotp.TOTP(device.secret).now())
        traveller.shift(30)
        step1 = client.post(
            reverse("accounts:staff_login"),
            {"username": "zhang.wei", "password": PASSWORD, "next": "/console/audit/"},
        )
        assert step1["Location"] == reverse("accounts:staff_login_totp")
        assert not _is_signed_in(client)  # half-authenticated: not logged in yet
        assert "动态口令" in client.get(step1["Location"]).content.decode()

        wrong = client.post(reverse("accounts:staff_login_totp"), {"code": "12345"})
        assert wrong.status_code == 422
        assert not _is_signed_in(client)
        done = client.post(reverse("accounts:staff_login_totp"), {"code": pyotp.TOTP(device.secret).now()})
        assert done.status_code == 302
        assert done["Location"] == "/console/audit/"
        assert _is_signed_in(client)
        # The pending marker is gone: the step cannot be reused.
        assert client.get(reverse("accounts:staff_login_totp"))["Location"] == reverse("accounts:staff_login")


def test_totp_step_expires(client: Client, staff: User) -> None:
    with time_machine.travel(T0, tick=False) as traveller:
        device = totp_setup_begin(user=staff)
        totp_confirm(user=staff, code=pyotp.TOTP(device.secret).now())
        client.post(reverse("accounts:staff_login"), {"username": "zhang.wei", "password": PASSWORD})
        traveller.shift(301)
        late = client.post(reverse("accounts:staff_login_totp"), {"code": pyotp.TOTP(device.secret).now()})
        assert late["Location"] == reverse("accounts:staff_login")
        assert not _is_signed_in(client)


def test_totp_step_without_password_step_redirects(client: Client) -> None:
    response = client.get(reverse("accounts:staff_login_totp"))
    assert response["Location"] == reverse("accounts:staff_login")


def test_totp_setup_page(client: Client, staff: User) -> None:
    client.force_login(staff)
    page = client.get(reverse("accounts:totp"))
    assert "开始设置" in page.content.decode()
    with time_machine.travel(T0, tick=False):
        begun = client.post(reverse("accounts:totp"), {"action": "begin"})
        html = begun.content.decode()
        assert 'src="data:image/svg+xml' in html  # drawn locally, no outside QR service
        device = TotpDevice.objects.get(user=staff)
        assert device.secret in html
        assert "console" in html  # staff see the console shell
        done = client.post(
            reverse("accounts:totp"), {"action": "confirm", "code": pyotp.TOTP(device.secret).now()}
        )
        assert done.status_code == 302
    assert "已启用" in client.get(reverse("accounts:totp")).content.decode()
    refused = client.post(reverse("accounts:totp"), {"action": "disable", "password": "nope"})
    assert refused.status_code == 422 and "密码不正确" in refused.content.decode()
    client.post(reverse("accounts:totp"), {"action": "disable", "password": PASSWORD})
    assert not TotpDevice.objects.filter(user=staff).exists()


def test_totp_setup_needs_login(client: Client) -> None:
    response = client.get(reverse("accounts:totp"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:staff_login"))


# --- Tokens page --------------------------------------------------------------------------------


def test_tokens_page_create_show_once_and_revoke(client: Client) -> None:
    user = UserFactory()
    client.force_login(user)
    created = client.post(reverse("accounts:tokens"), {"name": "打卡机同步"})
    assert created.status_code == 200
    assert "no-store" in created.get("Cache-Control", "") or "no-cache" in created.get("Cache-Control", "")
    token = ApiToken.objects.get(user=user)
    html = created.content.decode()
    plaintext = html.split('<code class="is-size-6" style="word-break: break-all;">')[1].split("</code>")[0]
    assert plaintext.startswith("yg_")
    bearer = Client()  # no session cookie: only the token speaks
    assert bearer.get("/api/v1/accounts/me", HTTP_AUTHORIZATION=f"Bearer {plaintext}").status_code == 200
    listed = client.get(reverse("accounts:tokens")).content.decode()
    assert "打卡机同步" in listed
    assert plaintext not in listed  # shown once
    assert "tabbar" in listed  # a worker sees the H5 shell
    revoked = client.post(reverse("accounts:token_revoke", args=[token.pk]))
    assert revoked.status_code == 302
    assert not ApiToken.objects.get(pk=token.pk).is_active
    assert bearer.get("/api/v1/accounts/me", HTTP_AUTHORIZATION=f"Bearer {plaintext}").status_code == 401


def test_tokens_page_empty_name(client: Client) -> None:
    client.force_login(UserFactory())
    response = client.post(reverse("accounts:tokens"), {"name": ""})
    assert response.status_code == 422
    assert "请填写令牌名称" in response.content.decode()


def test_cannot_revoke_someone_elses_token(client: Client) -> None:
    other = UserFactory()
    token, _ = api_token_create(actor=other, user=other, name="x")
    client.force_login(UserFactory())
    assert client.post(reverse("accounts:token_revoke", args=[token.pk])).status_code == 404
    assert ApiToken.objects.get(pk=token.pk).is_active
    assert client.get(reverse("accounts:token_revoke", args=[token.pk])).status_code == 405


def test_tokens_page_needs_login(client: Client) -> None:
    response = client.get(reverse("accounts:tokens"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("is_staff", [False, True])
def test_tokens_page_query_count_is_flat(client: Client, is_staff: bool) -> None:
    user = UserFactory(is_staff=is_staff)
    client.force_login(user)

    def render_with(n: int) -> int:
        for i in range(n - ApiToken.objects.filter(user=user).count()):
            api_token_create(actor=user, user=user, name=f"令牌{i}")
        with assert_max_queries(8) as ctx:
            response = client.get(reverse("accounts:tokens"))
        assert response.status_code == 200
        assert response.content.decode().count('data-testid="token-row"') == n
        return len(ctx.captured_queries)

    few = render_with(3)
    # Revoked tokens are listed too; make many, some revoked.
    ApiToken.objects.filter(user=user).update(revoked_at=T0)
    many = render_with(20 + 3)
    assert many == few
    if is_staff:
        assert "console" in client.get(reverse("accounts:tokens")).content.decode()
