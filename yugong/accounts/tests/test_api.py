from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.helpers import UserFactory
from yugong.accounts.models import ApiToken, User

from .conftest import last_code

pytestmark = pytest.mark.django_db
PHONE = "13700001234"


def _post(client: Client, path: str, body: dict[str, Any], **extra: Any) -> Any:
    return client.post(f"/api/v1/accounts{path}", body, content_type="application/json", **extra)


def test_sms_login_through_the_api(client: Client, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        sent = _post(client, "/sms-codes", {"phone": PHONE})
    assert sent.status_code == 202
    assert sent.json() == {"phone_masked": "137****1234", "expires_in": 300, "resend_after": 60}
    assert client.get("/api/v1/accounts/me").status_code == 401

    wrong = "000000" if last_code(PHONE) != "000000" else "111111"
    refused = _post(client, "/sms-login", {"phone": PHONE, "code": wrong})
    assert refused.status_code == 422
    body = refused.json()
    assert set(body) == {"code", "message", "fields"}
    assert body["code"] == "validation_error"
    assert "验证码不正确" in body["fields"]["code"][0]

    ok = _post(client, "/sms-login", {"phone": PHONE, "code": last_code(PHONE)})
    assert ok.status_code == 200
    assert ok.json()["phone_masked"] == "137****1234"
    me = client.get("/api/v1/accounts/me")
    assert me.status_code == 200
    assert me.json()["username"].startswith("w_")


def test_bad_phone_error_body(client: Client) -> None:
    response = _post(client, "/sms-codes", {"phone": "1234"})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_error"
    assert body["message"] == "提交的内容有误，请检查标出的字段。"
    assert body["fields"] == {"phone": ["手机号码格式不正确，应为11位大陆手机号。"]}


def test_missing_field_is_named(client: Client) -> None:
    response = _post(client, "/sms-login", {"phone": PHONE})
    assert response.status_code == 422
    assert response.json()["fields"] == {"code": ["此项为必填。"]}


def test_rate_limited_body(client: Client, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        assert _post(client, "/sms-codes", {"phone": PHONE}).status_code == 202
    again = _post(client, "/sms-codes", {"phone": PHONE})
    assert again.status_code == 429
    body = again.json()
    assert body["code"] == "rate_limited"
    assert "秒后再重新获取" in body["message"] or "分钟后再重新获取" in body["message"]
    assert "phone" in body["fields"]


def test_tokens_api_with_session_needs_csrf() -> None:
    user = UserFactory(username="carol")
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert _post(client, "/tokens", {"name": "x"}).status_code == 403
    client.get("/accounts/tokens/")  # sets the CSRF cookie
    csrf = client.cookies["csrftoken"].value
    created = _post(client, "/tokens", {"name": "报表同步"}, HTTP_X_CSRFTOKEN=csrf)
    assert created.status_code == 201
    body = created.json()
    assert body["token"].startswith("yg_")
    assert body["name"] == "报表同步" and body["is_active"] is True
    listed = client.get("/api/v1/accounts/tokens").json()
    assert [t["id"] for t in listed] == [body["id"]]
    assert "token" not in listed[0]  # the token itself is shown only on creation
    deleted = client.delete(f"/api/v1/accounts/tokens/{body['id']}", HTTP_X_CSRFTOKEN=csrf)
    assert deleted.status_code == 204
    assert not ApiToken.objects.get(pk=body["id"]).is_active


def test_token_name_error_body(client: Client) -> None:
    user = UserFactory()
    client.force_login(user)
    response = _post(client, "/tokens", {"name": "  "})
    assert response.status_code == 422
    assert "name" in response.json()["fields"]


def test_unknown_token_is_404(client: Client) -> None:
    client.force_login(UserFactory())
    response = client.delete("/api/v1/accounts/tokens/999999")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_tokens_need_authentication(client: Client) -> None:
    assert client.get("/api/v1/accounts/tokens").status_code == 401
    assert not User.objects.exists()


def test_odd_inputs_are_clean_errors(client: Client) -> None:
    client.force_login(UserFactory())
    assert client.delete(f"/api/v1/accounts/tokens/{2**70}").status_code == 404
    assert client.delete("/api/v1/accounts/tokens/-1").status_code == 404
    nul = _post(client, "/tokens", {"name": "a\x00b"})
    assert nul.status_code == 422 and "name" in nul.json()["fields"]
    assert _post(client, "/sms-codes", {"phone": "\x00"}).status_code == 422
    assert _post(client, "/sms-login", {"phone": PHONE, "code": "\x00" * 6}).status_code == 422
