from __future__ import annotations

import pytest
from django.test import Client

from tests.helpers import UserFactory
from yugong.accounts.models import ApiToken, User
from yugong.accounts.services import api_token_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client: Client) -> Client:
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_user_admin_shows_the_phone_masked_only(admin_client: Client) -> None:
    worker = UserFactory(username="w_abc")
    worker.phone = "13812345678"
    worker.save()
    listing = admin_client.get("/sysadmin/accounts/user/").content.decode()
    assert "138****5678" in listing
    assert "13812345678" not in listing
    detail = admin_client.get(f"/sysadmin/accounts/user/{worker.pk}/change/").content.decode()
    assert "138****5678" in detail
    assert "13812345678" not in detail
    # A full number is found through the blind index.
    found = admin_client.get("/sysadmin/accounts/user/", {"q": "138 1234 5678"}).content.decode()
    assert "w_abc" in found


def test_token_admin_revokes_through_the_service(admin_client: Client) -> None:
    owner = UserFactory()
    token, plaintext = api_token_create(actor=owner, user=owner, name="x")
    page = admin_client.get("/sysadmin/accounts/apitoken/").content.decode()
    assert token.prefix in page and plaintext not in page and token.key_hash not in page
    admin_client.post("/sysadmin/accounts/apitoken/", {"action": "revoke", "_selected_action": [token.pk]})
    assert not ApiToken.objects.get(pk=token.pk).is_active


def test_other_admin_pages_render(admin_client: Client) -> None:
    for path in (
        "/sysadmin/accounts/smscode/",
        "/sysadmin/accounts/totpdevice/",
        "/sysadmin/accounts/user/add/",
    ):
        assert admin_client.get(path).status_code == 200, path
    assert User.objects.count() == 1
