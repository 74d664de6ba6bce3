"""Smoke tests over the pages: Chinese error pages, the one API error body, large-font mode, CSP,
and no third-party URL or inline script in any page.

"Every page" is every URL pattern without parameters (found by walking the URL resolver, so pages
that later issues add are covered), opened as an anonymous visitor, a worker and a staff member.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.helpers import UserFactory, grant, make_union

CJK = re.compile(r"[\u4e00-\u9fff]")
LOCAL_HOSTS = {"127.0.0.1", "localhost", "testserver"}
# Not pages: POST-only actions, the JSON API (its own tests), the benchmark views, static/media.
SKIP_PREFIXES = (
    "/api/v1/",
    "/api/openapi.json",
    "/_bench/",
    "/i18n/",
    "/accounts/logout/",
    "/static/",
    "/media/",
)


# --- Walking the URL patterns ---------------------------------------------------------------


def _plain_paths(patterns: Any = None, prefix: str = "") -> Iterator[str]:
    """Paths of every URL pattern that takes no parameter."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        route = str(entry.pattern)
        if isinstance(entry, URLResolver):
            if "<" in route or route.startswith("^"):
                continue
            yield from _plain_paths(entry.url_patterns, prefix + route)
        elif isinstance(entry, URLPattern):
            if "<" in route or "(?P" in route or route.startswith("^") and route != "^$":
                continue
            yield "/" + (prefix + route).lstrip("^").rstrip("$")


def _pages() -> list[str]:
    paths = sorted({p for p in _plain_paths() if not p.startswith(SKIP_PREFIXES)})
    return [p for p in paths if "\\" not in p]


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[tuple[str, str]] = []
        self.inline_scripts: list[str] = []
        self.handlers: list[str] = []
        self.html_attrs: dict[str, str] | None = None
        self._in_inline_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "html":
            self.html_attrs = a
        self.handlers += [f"<{tag} {k}=…>" for k in a if k.startswith("on")]
        for attr in ("src", "href", "srcset", "data"):
            if attr in a and tag in {"script", "link", "img", "iframe", "source", "embed", "object"}:
                self.urls.append((tag, a[attr]))
        if (
            tag == "script"
            and "src" not in a
            and a.get("type", "") not in {"application/json", "application/ld+json"}
        ):
            self._in_inline_script = True

    def handle_data(self, data: str) -> None:
        if self._in_inline_script and data.strip():
            self.inline_scripts.append(data.strip()[:80])

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_inline_script = False


def _parse(html: str) -> _Tags:
    parser = _Tags()
    parser.feed(html)
    return parser


def _third_party(url: str) -> bool:
    for candidate in url.split(","):  # srcset
        candidate = candidate.strip().split(" ")[0]
        if candidate.startswith("//"):
            candidate = "http:" + candidate
        if candidate.startswith(("http://", "https://")) and urlsplit(candidate).hostname not in LOCAL_HOSTS:
            return True
    return False


# --- Identities -----------------------------------------------------------------------------


@pytest.fixture
def worker(db: Any) -> Any:
    return UserFactory(display_name="王师傅", phone="13912345678")


@pytest.fixture
def staff(db: Any) -> Any:
    city = make_union(None, name="重庆市总工会")
    user = UserFactory(is_staff=True, display_name="市总干部")
    grant(user, city, "staff")
    return user


@pytest.fixture(params=["anonymous", "worker", "staff"])
def visitor(request: pytest.FixtureRequest, client: Any) -> Any:
    if request.param != "anonymous":
        client.force_login(request.getfixturevalue(request.param))
    client.identity = request.param
    return client


# --- Every page -----------------------------------------------------------------------------


def test_the_walk_finds_the_pages() -> None:
    pages = _pages()
    assert {"/", "/console/", "/accounts/login/", "/accounts/staff-login/"} <= set(pages), pages


@pytest.mark.django_db
def test_every_page_is_local_strict_and_chinese(visitor: Any) -> None:
    """No page fails; each HTML page: lang zh-hans, the CSP header, no third-party URL in
    script/link/img tags, no inline script, no on*= handler."""
    checked, problems = [], []
    for path in _pages():
        response = visitor.get(path)
        assert response.status_code < 500, f"{path} as {visitor.identity}: {response.status_code}"
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        checked.append(path)
        tags = _parse(response.content.decode())
        where = f"{path} as {visitor.identity}"
        problems += [f"{where}: third-party {tag} {url}" for tag, url in tags.urls if _third_party(url)]
        problems += [f"{where}: inline script {s!r}" for s in tags.inline_scripts]
        problems += [f"{where}: inline handler {h}" for h in tags.handlers]
        if "Content-Security-Policy" not in response:
            problems.append(f"{where}: no Content-Security-Policy header")
        # Full documents (htmx fragments have no <html>) of our own templates (not the API docs'
        # Swagger page, not Django's admin) declare the language.
        own_document = tags.html_attrs is not None and not path.startswith(("/sysadmin/", "/api/"))
        if own_document and tags.html_attrs.get("lang") != "zh-hans":
            problems.append(f"{where}: <html lang={tags.html_attrs.get('lang')!r}>, expected zh-hans")
    assert checked, "no HTML page answered 200"
    assert not problems, "\n".join(problems)


@pytest.mark.django_db
def test_csp_forbids_inline_script(client: Any) -> None:
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    directives = {d.split()[0]: d.split()[1:] for d in csp.split(";") if d.strip()}
    assert "'self'" in directives["default-src"]
    script_src = directives.get("script-src", directives["default-src"])
    assert "'unsafe-inline'" not in script_src, csp
    assert "'unsafe-eval'" not in script_src, csp
    assert not any(s.startswith(("http:", "https:", "*")) for s in script_src), csp
    assert directives.get("object-src") == ["'none'"], csp
    assert directives.get("frame-ancestors") == ["'none'"], csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


# --- Chinese error pages --------------------------------------------------------------------


@pytest.mark.django_db
def test_404_page_is_chinese(client: Any, settings: Any) -> None:
    settings.DEBUG = False
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "页面不存在" in html
    assert (_parse(html).html_attrs or {}).get("lang") == "zh-hans"
    assert "返回首页" in html


@pytest.mark.django_db
def test_403_when_a_worker_opens_the_console(client: Any, worker: Any, settings: Any) -> None:
    settings.DEBUG = False
    client.force_login(worker)
    response = client.get("/console/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "权限" in html and CJK.search(html)
    assert (_parse(html).html_attrs or {}).get("lang") == "zh-hans"


def test_500_page_is_chinese(rf: Any) -> None:
    from yugong.web.views import error_500

    response = error_500(rf.get("/"))
    assert response.status_code == 500
    assert CJK.search(response.content.decode())


@pytest.mark.django_db
def test_console_sends_anonymous_staff_to_the_staff_login(client: Any) -> None:
    response = client.get("/console/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/staff-login/?next=/console/")


# --- The one API error body -----------------------------------------------------------------


def _assert_error_body(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert set(body) == {"code", "message", "fields"}, body
    assert isinstance(body["fields"], dict)
    assert CJK.search(body["message"]), f"message is not Chinese: {body['message']!r}"
    if code:
        assert body["code"] == code, body
    return body


@pytest.mark.django_db
def test_api_401_body(client: Any) -> None:
    _assert_error_body(client.get("/api/v1/accounts/me"), 401, "unauthenticated")


@pytest.mark.django_db
def test_api_404_body_for_a_missing_object(client: Any, staff: Any) -> None:
    client.force_login(staff)
    response = client.delete("/api/v1/accounts/tokens/987654321")
    _assert_error_body(response, 404, "not_found")


@pytest.mark.django_db
def test_api_404_body_for_an_unknown_path(client: Any, settings: Any) -> None:
    settings.DEBUG = False
    _assert_error_body(client.get("/api/v1/no-such-endpoint"), 404)


@pytest.mark.django_db
def test_api_422_body_names_the_field(client: Any, staff: Any) -> None:
    client.force_login(staff)
    body = _assert_error_body(
        client.get("/api/v1/audit/events", {"start": "不是日期"}), 422, "validation_error"
    )
    assert "start" in body["fields"], body
    assert all(CJK.search(m) for m in body["fields"]["start"]), body


@pytest.mark.django_db
def test_api_error_body_for_a_bad_json_body(client: Any) -> None:
    response = client.post("/api/v1/accounts/sms-codes", data="{not json", content_type="application/json")
    assert response.status_code in {400, 422}, response.content[:300]
    _assert_error_body(response, response.status_code)


# --- Large-font mode ------------------------------------------------------------------------


@pytest.mark.django_db
def test_large_font_toggle_sets_the_cookie_and_the_class(client: Any) -> None:
    assert 'class="yg-large"' not in client.get("/").content.decode()

    response = client.post("/prefs/large-font/", {"next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    cookie = response.cookies["yg_large_font"]
    assert cookie.value == "1" and int(cookie["max-age"]) > 86400 * 30
    html = client.get("/").content.decode()
    assert "yg-large" in (_parse(html).html_attrs or {}).get("class", "").split()
    assert 'aria-pressed="true"' in html

    client.post("/prefs/large-font/", {"next": "/"})
    assert client.cookies["yg_large_font"].value == "0"
    assert (
        "yg-large" not in (_parse(client.get("/").content.decode()).html_attrs or {}).get("class", "").split()
    )


@pytest.mark.django_db
def test_large_font_is_remembered_for_a_signed_in_worker(client: Any, worker: Any) -> None:
    client.force_login(worker)
    client.post("/prefs/large-font/", {"next": "/"})
    worker.refresh_from_db()
    assert worker.large_font is True


@pytest.mark.django_db
def test_large_font_refuses_an_outside_next(client: Any) -> None:
    response = client.post("/prefs/large-font/", {"next": "https://evil.example.com/"})
    assert response.status_code == 302
    assert not response["Location"].startswith("https://evil")


@pytest.mark.django_db
def test_api_id_beyond_the_integer_range_is_not_found(client: Any, staff: Any) -> None:
    client.force_login(staff)
    response = client.post(
        f"/api/v1/contests/{-(2**130)}/attempts/current/submit", "{}", content_type="application/json"
    )
    assert response.status_code in {404, 422}, response.content[:300]
    _assert_error_body(response, response.status_code)


def test_nothing_of_ours_needs_eval() -> None:
    """The CSP has no 'unsafe-eval' (issue 12): our scripts evaluate no strings, and no template
    uses the htmx features that would (hx-on, hx-vars, ``js:`` values, trigger filters); htmx's
    allowEval is switched off in app.js so a stray one fails closed."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "yugong"
    problems = []
    for script in root.glob("**/static/**/*.js"):
        if "vendor" in script.parts:
            continue
        text = script.read_text(encoding="utf-8")
        if re.search(r"\beval\s*\(|new\s+Function\s*\(|set(?:Timeout|Interval)\s*\(\s*[\"'`]", text):
            problems.append(str(script.relative_to(root)))
    for template in root.glob("**/templates/**/*.html"):
        text = template.read_text(encoding="utf-8")
        if re.search(r"hx-on|hx-vars|hx-vals\s*=\s*[\"']\s*js:|hx-trigger\s*=\s*[\"'][^\"']*\[", text):
            problems.append(str(template.relative_to(root)))
    assert not problems, problems
    app_js = (root / "static" / "yugong" / "app.js").read_text(encoding="utf-8")
    assert "allowEval = false" in app_js
