"""One-time messages are built for pages only: an API call does not pay for the message storage,
and a page keeps them (``core.middleware.PageMessageMiddleware``)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import messages
from django.contrib.messages import MessageFailure
from django.contrib.sessions.middleware import SessionMiddleware
from django.core import checks
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory

from yugong.core.middleware import PageMessageMiddleware

pytestmark = pytest.mark.django_db


def _through(path: str, view: Any) -> HttpResponse:
    request = RequestFactory().get(path)
    SessionMiddleware(lambda r: HttpResponse()).process_request(request)
    return PageMessageMiddleware(view)(request)


def test_a_page_gets_its_messages_and_an_api_call_gets_none() -> None:
    seen: dict[str, Any] = {}

    def page(request: HttpRequest) -> HttpResponse:
        messages.success(request, "已保存")
        seen["page"] = [str(m) for m in messages.get_messages(request)]
        return HttpResponse()

    def api(request: HttpRequest) -> HttpResponse:
        seen["api_storage"] = hasattr(request, "_messages")
        with pytest.raises(MessageFailure):  # loud, as without the middleware
            messages.success(request, "不该出现")
        return HttpResponse()

    assert _through("/console/", page).status_code == 200
    assert seen["page"] == ["已保存"]
    assert _through("/api/v1/orgs/unions", api).status_code == 200
    assert seen["api_storage"] is False


def test_the_api_answers_through_the_whole_stack(staff_client: Any) -> None:
    response = staff_client.get("/api/v1/orgs/unions")
    assert response.status_code == 200, response.content[:300]
    assert "messages" not in response.cookies


def test_the_admin_still_finds_its_message_middleware() -> None:
    errors = [e for e in checks.run_checks() if e.id and e.id.startswith("admin.")]
    assert errors == []
