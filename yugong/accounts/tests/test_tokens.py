from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from tests.helpers import UserFactory
from yugong.accounts.auth import hash_token
from yugong.accounts.models import ApiToken, User
from yugong.accounts.services import api_token_create, api_token_revoke
from yugong.core.errors import NotFound, PermissionDenied, ValidationFailed
from yugong.core.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice(db: Any) -> User:
    return UserFactory(username="alice")


@pytest.fixture
def bob(db: Any) -> User:
    return UserFactory(username="bob")


def _bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_create_stores_only_the_hash(alice: User) -> None:
    token, plaintext = api_token_create(actor=alice, user=alice, name=" 同步脚本 ")
    assert plaintext.startswith("yg_") and len(plaintext) > 40
    assert token.name == "同步脚本"
    assert token.key_hash == hash_token(plaintext)
    assert plaintext not in {token.key_hash, token.prefix}
    assert plaintext.startswith(token.prefix)
    assert AuditEvent.objects.filter(action="auth.token_created", actor=alice).count() == 1


def test_create_validates_the_name(alice: User) -> None:
    with pytest.raises(ValidationFailed) as exc:
        api_token_create(actor=alice, user=alice, name="  ")
    assert "name" in exc.value.fields
    with pytest.raises(ValidationFailed):
        api_token_create(actor=alice, user=alice, name="长" * 81)


def test_nobody_issues_tokens_for_someone_else(alice: User, bob: User) -> None:
    with pytest.raises(PermissionDenied):
        api_token_create(actor=bob, user=alice, name="x")
    token, _ = api_token_create(actor=alice, user=alice, name="x")
    with pytest.raises(NotFound):
        api_token_revoke(actor=bob, token=token)


def test_revoke_is_audited_and_idempotent(alice: User) -> None:
    token, _ = api_token_create(actor=alice, user=alice, name="x")
    api_token_revoke(actor=alice, token=token)
    first = ApiToken.objects.get(pk=token.pk).revoked_at
    assert first is not None
    api_token_revoke(actor=alice, token=token)
    assert ApiToken.objects.get(pk=token.pk).revoked_at == first
    assert AuditEvent.objects.filter(action="auth.token_revoked").count() == 1


def test_token_acts_as_exactly_its_user_and_stops_when_revoked(alice: User, bob: User) -> None:
    token, plaintext = api_token_create(actor=alice, user=alice, name="x")
    bob_token, _ = api_token_create(actor=bob, user=bob, name="bob's")
    client = Client()
    me = client.get("/api/v1/accounts/me", **_bearer(plaintext))
    assert me.status_code == 200
    assert me.json()["username"] == "alice"
    # Sees only alice's tokens; bob's token is "not found" for it.
    listed = client.get("/api/v1/accounts/tokens", **_bearer(plaintext)).json()
    assert [t["id"] for t in listed] == [token.pk]
    gone = client.delete(f"/api/v1/accounts/tokens/{bob_token.pk}", **_bearer(plaintext))
    assert gone.status_code == 404
    assert ApiToken.objects.get(pk=bob_token.pk).is_active
    # The bearer needs no CSRF token (it is not a cookie).
    assert client.delete(f"/api/v1/accounts/tokens/{token.pk}", **_bearer(plaintext)).status_code == 204
    after = client.get("/api/v1/accounts/me", **_bearer(plaintext))
    assert after.status_code == 401
    assert after.json()["code"] == "unauthenticated"


def test_bogus_and_inactive_user_tokens_fail(alice: User) -> None:
    _, plaintext = api_token_create(actor=alice, user=alice, name="x")
    client = Client()
    assert client.get("/api/v1/accounts/me", **_bearer(plaintext + "x")).status_code == 401
    assert client.get("/api/v1/accounts/me", **_bearer("not-ours")).status_code == 401
    User.objects.filter(pk=alice.pk).update(is_active=False)
    assert client.get("/api/v1/accounts/me", **_bearer(plaintext)).status_code == 401


def test_issue_token_command(alice: User) -> None:
    out, err = StringIO(), StringIO()
    call_command("issue_token", "alice", "--name", "夜间导出", stdout=out, stderr=err)
    plaintext = out.getvalue().strip()
    assert plaintext.startswith("yg_")
    assert ApiToken.objects.get(key_hash=hash_token(plaintext)).name == "夜间导出"
    assert "shown only once" in err.getvalue()
    assert Client().get("/api/v1/accounts/me", **_bearer(plaintext)).json()["username"] == "alice"
    # The operator on the command line acts as the system actor, and the audit row says so.
    assert AuditEvent.objects.get(action="auth.token_created").actor.is_system


def test_issue_token_unknown_user() -> None:
    with pytest.raises(CommandError, match="no user"):
        call_command("issue_token", "nobody", stdout=StringIO(), stderr=StringIO())


def test_the_bearer_header_is_read_as_ninja_reads_it(alice: User) -> None:
    """The scheme in any case, the token after the first space; anything else is no token (and
    another scheme, an empty token or no header falls through to the session, then 401)."""
    _, plaintext = api_token_create(actor=alice, user=alice, name="x")
    client = Client()
    for header in (f"Bearer {plaintext}", f"bearer {plaintext}", f"BEARER {plaintext}"):
        response = client.get("/api/v1/accounts/me", HTTP_AUTHORIZATION=header)
        assert response.status_code == 200 and response.json()["username"] == "alice", header
    for header in (
        f"Token {plaintext}",
        plaintext,
        "Bearer",
        "Bearer ",
        f"Bearer  {plaintext}",
        f"Basic {plaintext}",
    ):
        assert client.get("/api/v1/accounts/me", HTTP_AUTHORIZATION=header).status_code == 401, header
    assert client.get("/api/v1/accounts/me").status_code == 401


def test_authenticating_a_token_does_not_parse_every_header(alice: User) -> None:
    from django.test import RequestFactory

    from yugong.accounts.auth import TokenAuth

    _, plaintext = api_token_create(actor=alice, user=alice, name="x")
    request = RequestFactory().get("/api/v1/accounts/me", HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    assert TokenAuth()(request) == alice
    assert "headers" not in request.__dict__  # request.headers (a cached property) was never built
