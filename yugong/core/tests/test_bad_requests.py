"""Bad requests that fail before a view answers keep the API's JSON error body under /api/
(issue 12: an over-long query string got an HTML 400)."""

from __future__ import annotations

import json
import runpy
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

pytestmark = pytest.mark.django_db


def _api_error(response: Any, status: int = 400) -> dict[str, Any]:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = json.loads(response.content)
    assert set(body) == {"code", "message", "fields"} and "请求有误" in body["message"]
    return body


def test_an_over_long_query_string_is_a_json_400_under_the_api(staff_client: Any) -> None:
    long_query = "q=" + "渝" * (settings.MAX_QUERY_STRING_BYTES // 2)
    for url in ("/api/v1/orgs/unions", "/api/v1/contests/open", "/api/v1/no-such-thing"):
        _api_error(staff_client.get(f"{url}?{long_query}"))
    # Anonymous too: refused before authentication.
    _api_error(Client().get(f"/api/v1/orgs/unions?{long_query}"))


def test_an_over_long_query_string_on_a_page_is_the_error_page(staff_client: Any) -> None:
    response = staff_client.get("/console/?q=" + "x" * (settings.MAX_QUERY_STRING_BYTES + 1))
    assert response.status_code == 400 and response["Content-Type"].startswith("text/html")


def test_too_many_query_fields_is_a_json_400_not_a_500(staff_client: Any) -> None:
    fields = "&".join("a=1" for _ in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1))
    assert len(fields) < settings.MAX_QUERY_STRING_BYTES
    _api_error(staff_client.get(f"/api/v1/orgs/unions?{fields}"))


def test_a_suspicious_operation_outside_the_api_handlers_keeps_the_json_body(rf: Any) -> None:
    # Django's handler400 answers a SuspiciousOperation raised before a view (a middleware reading
    # too many form fields, a bad cookie): under /api/ it is the API's body too.
    from django.core.exceptions import SuspiciousOperation
    from django.urls import get_resolver

    handler = get_resolver().resolve_error_handler(400)
    _api_error(handler(rf.get("/api/v1/orgs/unions"), SuspiciousOperation("too many fields")))
    page = handler(rf.get("/console/"), SuspiciousOperation("too many fields"))
    assert page.status_code == 400 and page["Content-Type"].startswith("text/html")


def test_gunicorn_lets_the_app_answer_long_request_lines() -> None:
    config = runpy.run_path(str(Path(settings.BASE_DIR) / "gunicorn.conf.py"))
    assert config["limit_request_line"] > settings.MAX_QUERY_STRING_BYTES + 1000
