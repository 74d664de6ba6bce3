"""Browser-test harness: Playwright (sync API) driving Debian's chromium against the live server.

* ``live_server`` (pytest-django) serves the app from a thread of this process on 127.0.0.1 and a
  free port; static files come through ``django.contrib.staticfiles``' handler (pytest-django picks
  StaticFilesHandler when staticfiles is installed), so CSS/JS are served from the finders exactly
  as ``make run`` does. The tests check that they load (``assert_page_healthy``).
* ``browser`` (session): one chromium for the whole run. ``phone_page`` (390×844, touch, zh-CN, 3×)
  and ``desk_page`` (1366×900): a fresh context per test, 10 s default timeout.
* Every request that would leave 127.0.0.1/localhost is sent to a dead proxy and recorded
  (principle 7: no outside calls); console errors, page errors (CSP violations included) and failed same-site responses are
  recorded too. ``assert_page_healthy(page)`` fails on any of them.
* On failure a full-page screenshot and the HTML are saved under ``test-results/`` (git-ignored).
* Without /usr/bin/chromium every test here is skipped with the reason (``make test`` installs it
  from Debian when it runs as root with apt).
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

# Playwright's sync API runs an asyncio event loop in *this* thread (on a greenlet that stays
# parked inside the loop between calls), so from the first browser call on, the main thread "has
# a running event loop" as far as asyncio can tell. Django's async-safety guard then refuses every
# ORM call made here (fixtures creating users, tests reading the SMS code or rows) with
# SynchronousOnlyOperation, although nothing runs concurrently: the loop is idle whenever our code
# runs. The guard protects async views, which these tests do not exercise; the live server answers
# from its own thread, which has no loop and keeps the guard. Hence, for this test process only:
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
# Only 127.0.0.1 traffic: the live server binds there (pytest-django's default is "localhost").
os.environ.setdefault("DJANGO_LIVE_TEST_SERVER_ADDRESS", "127.0.0.1")

CHROMIUM = Path(os.environ.get("YUGONG_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Principle 7 (no outside calls): everything but loopback goes to a proxy that is not there
# (127.0.0.1:9), so an outside URL fails at once instead of leaving the machine; the page's
# "request" events record it for assert_page_healthy. (Playwright's own ``proxy=`` option adds
# "<-loopback>", which would send the live server's traffic to the dead proxy too; and request
# interception through page.route would not do: its handler runs on Playwright's loop, which is
# idle while a test waits outside Playwright, e.g. for the SMS code.)
NO_OUTSIDE_TRAFFIC_ARGS = ["--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=<loopback>"]
DEFAULT_TIMEOUT_MS = 10_000
RESULTS_DIR = Path(__file__).resolve().parent.parent / "test-results"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 3,
    "locale": "zh-CN",
    "timezone_id": "Asia/Shanghai",
}
DESK = {
    "viewport": {"width": 1366, "height": 900},
    "locale": "zh-CN",
    "timezone_id": "Asia/Shanghai",
}


def _skip_reason() -> str | None:
    if not CHROMIUM.exists():
        return (
            f"browser tests need Debian's chromium at {CHROMIUM} "
            "(apt-get install -y chromium fonts-noto-cjk; make test does it when run as root)"
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "browser tests need the playwright Python package (make setup installs it)"
    return None


SKIP_REASON = _skip_reason()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.browser)
            if SKIP_REASON:
                item.add_marker(pytest.mark.skip(reason=SKIP_REASON))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    item.stash.setdefault(_REPORTS, {})[report.when] = report
    return report


_REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()


def _failed(request: pytest.FixtureRequest) -> bool:
    reports = request.node.stash.get(_REPORTS, {})
    return any(r.failed for r in reports.values())


@pytest.fixture(scope="session", autouse=True)
def _urlconf_imported() -> None:
    """Import the URLconf (every app's views and the whole API) before the first page: the first
    request would otherwise do it inside the live server, and on a loaded machine (2 cores shared
    by a whole team) that alone outlasts a navigation timeout."""
    from django.urls import get_resolver

    assert get_resolver().url_patterns


# --- Browser --------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if SKIP_REASON:
        pytest.skip(SKIP_REASON)
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=[*CHROMIUM_ARGS, *NO_OUTSIDE_TRAFFIC_ARGS],
        )
        try:
            yield browser
        finally:
            browser.close()
    finally:
        playwright.stop()


class PageLog:
    """What a page did that a healthy page does not: outside requests, JS errors, failed loads."""

    def __init__(self) -> None:
        self.blocked: list[str] = []
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        self.failed: list[str] = []

    def problems(self) -> list[str]:
        return (
            [f"outside request blocked: {u}" for u in self.blocked]
            + [f"console error: {m}" for m in self.console_errors]
            + [f"page error: {m}" for m in self.page_errors]
            + [f"failed response: {m}" for m in self.failed]
        )


def _new_page(
    browser: Any, live_server: Any, request: pytest.FixtureRequest, **options: Any
) -> Iterator[Any]:
    context = browser.new_context(base_url=live_server.url, **options)
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    context.set_default_navigation_timeout(DEFAULT_TIMEOUT_MS)
    log = PageLog()
    page = context.new_page()
    page.yg_log = log  # read by assert_page_healthy

    def on_console(message: Any) -> None:
        # "Failed to load resource" names no URL and repeats what on_response records with the
        # URL (documents answering 4xx on purpose, e.g. a form error, are the tests' business);
        # it also covers the browser's own /favicon.ico probe, which no page asked for.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            log.console_errors.append(message.text)

    def on_response(response: Any) -> None:
        # Sub-resources (CSS, JS, images, fonts, the favicon, fetches) must load. Pages asked for
        # on purpose (a 404 page) are documents and are checked by the tests themselves.
        if response.status >= 400 and response.request.resource_type != "document":
            log.failed.append(f"{response.status} {response.request.resource_type} {response.url}")

    def on_request(request_: Any) -> None:
        url = request_.url
        # chrome:// and chrome-extension:// are the browser's own built-in resources (its PDF
        # viewer, shown in a lesson's frame), never the network.
        inside = url.startswith(("data:", "blob:", "chrome:", "chrome-extension:"))
        if not inside and (urlsplit(url).hostname or "") not in LOCAL_HOSTS:
            log.blocked.append(url)

    page.on("request", on_request)
    page.on("console", on_console)
    page.on("pageerror", lambda e: log.page_errors.append(str(e)))

    page.on("response", on_response)
    # Requests still in flight when a test ends (a player's last heartbeat, sent with keepalive as
    # the page unloads; a video's range request) would reach the live server while the database is
    # flushed for the next test. Count them on the context, so the teardown can wait for them.
    in_flight: set[Any] = set()
    context.on("request", lambda r: in_flight.add(r))
    context.on("requestfinished", lambda r: in_flight.discard(r))
    context.on("requestfailed", lambda r: in_flight.discard(r))
    try:
        yield page
    finally:
        if _failed(request):
            RESULTS_DIR.mkdir(exist_ok=True)
            stem = re.sub(r"[^\w.-]+", "_", request.node.nodeid)[-150:]
            try:
                page.screenshot(path=str(RESULTS_DIR / f"{stem}.png"), full_page=True)
                (RESULTS_DIR / f"{stem}.html").write_text(page.content(), encoding="utf-8")
                print(f"\nscreenshot: {RESULTS_DIR / stem}.png  url: {page.url}")
                for problem in log.problems():
                    print(problem)
            except Exception as exc:  # noqa: BLE001 - never mask the test's own failure
                print(f"\ncould not save a screenshot: {exc!r}")
        _settle(page, in_flight)
        context.close()


def _settle(page: Any, in_flight: set[Any], seconds: float = 5.0) -> None:
    """Leave the page (its unload handlers send what they send) and wait, bounded, until no request
    of the context is in flight, so the server is idle before the database is flushed."""
    try:
        page.goto("about:blank")
        deadline = time.monotonic() + seconds
        while in_flight and time.monotonic() < deadline:
            page.wait_for_timeout(50)  # lets Playwright deliver the finished/failed events
        page.wait_for_timeout(100)  # the server thread closes its connection after the response
    except Exception:  # noqa: BLE001 - a closed or crashed page has nothing left in flight
        return


@pytest.fixture
def phone_page(browser: Any, live_server: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A worker's phone: 390×844 CSS px, touch, 3× pixels, Chinese (zh-CN)."""
    yield from _new_page(browser, live_server, request, **PHONE)


@pytest.fixture
def desk_page(browser: Any, live_server: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A staff member's desk browser: 1366×900, Chinese (zh-CN)."""
    yield from _new_page(browser, live_server, request, **DESK)


@pytest.fixture(autouse=True)
def _clean_counters(settings: Any) -> Iterator[None]:
    """SMS quotas and login lockouts count in the cache per phone, username and IP, and every
    browser test comes from 127.0.0.1: start each test with clean counters (the test cache —
    local memory, or the Redis database make test points at; the accounts tests do the same)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def sms_to_outbox(settings: Any) -> None:
    """SMS into ``yugong.core.sms.outbox``, with room in the per-IP quota.

    The live server runs in this process, so these overrides reach it. ``locmem`` is pinned
    because a bare ``pytest`` may load the settings before the root conftest sets YUGONG_TESTING.
    Every browser test comes from 127.0.0.1, like other tests of this run (and, on Redis, of
    earlier runs within the hour): the per-IP hourly quota is lifted so it cannot interfere.
    """
    settings.SMS_BACKEND = "locmem"
    settings.SMS_CODE_PER_IP_PER_HOUR = 10_000
