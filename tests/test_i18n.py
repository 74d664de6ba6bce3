"""Chinese first, English available: the default language, the switch, and the translations."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings

ROOT = Path(__file__).resolve().parent.parent
LANG_ATTR = re.compile(r'<html[^>]*\blang="([^"]+)"')


def _lang(response: Any) -> str:
    found = LANG_ATTR.search(response.content.decode())
    assert found, "no <html lang=...>"
    return found.group(1)


@pytest.mark.django_db
def test_chinese_is_the_default(client: Any) -> None:
    response = client.get("/")
    assert _lang(response) == "zh-hans"
    assert "首页" in response.content.decode()
    assert response.get("Content-Language") == "zh-hans"


@pytest.mark.django_db
def test_a_browser_asking_for_zh_cn_gets_simplified_chinese(client: Any) -> None:
    assert _lang(client.get("/", headers={"accept-language": "zh-CN,zh;q=0.9,en;q=0.5"})) == "zh-hans"


@pytest.mark.django_db
def test_the_language_switch_to_english_and_back(client: Any) -> None:
    page = client.get("/").content.decode()
    assert 'name="language" value="en"' in page  # the switch is on the page

    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.cookies[django_settings.LANGUAGE_COOKIE_NAME].value == "en"
    english = client.get("/")
    assert _lang(english) == "en"
    assert 'name="language" value="zh-hans"' in english.content.decode()  # and the way back

    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert _lang(client.get("/")) == "zh-hans"


@pytest.mark.django_db
def test_english_strings_where_translations_exist(client: Any) -> None:
    """Where the English catalogue exists, the tab labels are English; without it the page still
    renders (in the Chinese source text) with lang="en"."""
    catalogue = ROOT / "yugong" / "locale" / "en" / "LC_MESSAGES" / "django.mo"
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get("/").content.decode()
    if not catalogue.exists():
        pytest.skip("no English catalogue yet (yugong/locale/en/LC_MESSAGES/django.mo): make messages")
    assert "Home" in html, "the English catalogue does not translate the 首页 tab"


@pytest.mark.django_db
def test_setlang_refuses_an_outside_next(client: Any) -> None:
    response = client.post("/i18n/setlang/", {"language": "en", "next": "https://evil.example.com/"})
    assert response.status_code == 302
    assert not response["Location"].startswith("https://evil")


@pytest.mark.django_db
def test_api_messages_follow_the_language_but_default_to_chinese(client: Any) -> None:
    body = client.get("/api/v1/accounts/me").json()
    assert re.search(r"[\u4e00-\u9fff]", body["message"]), body
