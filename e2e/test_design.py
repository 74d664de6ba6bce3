"""The product at phone size (390×844): the worker home shows the banner, the news of the worker's
union chain and a grid of real icons, every tile of which opens a working page; screenshots of the
worker home, the tourism list, the console home and the station map are saved under
var/screenshots/ (git-ignored) for a reviewer to look at."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as dj_settings
from django.test import Client
from playwright.sync_api import expect

from e2e.helpers import assert_page_healthy, assert_styled

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = Path(__file__).resolve().parent.parent / "var" / "screenshots"


def _sign_in(page: Any, live_server: Any, user: Any) -> None:
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [
            {
                "name": dj_settings.SESSION_COOKIE_NAME,
                "value": client.cookies[dj_settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


def _shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
def world(transactional_db: Any, settings: Any, tmp_path: Path) -> dict[str, Any]:
    from tests.helpers import UserFactory, grant, make_union
    from yugong.core.facts import fact_record
    from yugong.members.tests.factories import make_member, make_person
    from yugong.news import services as news
    from yugong.news.demo import _banner
    from yugong.tourism.tests.factories import make_merchant, make_product, make_session

    settings.MEDIA_ROOT = str(tmp_path)
    settings.ROOT_URLCONF = "e2e.media_urls"
    city = make_union(None, name="重庆市总工会")
    district = make_union(city, kind="district", name="渝中区总工会")
    shop = make_union(district, name="解放碑商圈工会")
    staff = UserFactory(is_staff=True, display_name="区总干事")
    grant(staff, district, "chair")
    for title, pinned in [("渝中区职工春游报名开始啦", True), ("2026年度困难职工帮扶名单公示", False)]:
        article = news.article_create(
            actor=staff, union=district, title=title, body_html="正文", pinned=pinned
        )
        if pinned:
            news.article_set_cover(actor=staff, article=article, upload=_banner((200, 22, 29)))
        news.article_publish(actor=staff, article=article)
    worker = UserFactory(display_name="张师傅")
    make_member(shop, make_person(user=worker))
    merchant, _owner = make_merchant(city, name="重庆红岩剧团")
    for title in ("话剧《江姐》", "武隆天生三桥一日游"):
        make_session(make_product(merchant, title=title))
    for metric, value in [("members.approved", 12), ("tourism.orders", 30), ("tourism.paid_fen", 456_700)]:
        fact_record(metric=metric, union_id=shop.pk, value=value)
    return {"staff": staff, "worker": worker, "district": district}


def test_the_worker_home_has_banner_news_and_tiles_that_all_open(
    phone_page: Any, live_server: Any, world: dict[str, Any]
) -> None:
    page = phone_page
    _sign_in(page, live_server, world["worker"])
    page.goto("/")
    banner = page.get_by_test_id("home-banners")
    expect(banner.get_by_text("渝中区职工春游报名开始啦")).to_be_visible()
    assert banner.locator("img").evaluate("img => img.complete && img.naturalWidth > 0")
    expect(page.get_by_test_id("home-news").get_by_text("2026年度困难职工帮扶名单公示")).to_be_visible()
    tiles = page.get_by_test_id("home-tiles").get_by_role("link")
    expect(tiles.first).to_be_visible()
    assert tiles.count() >= 6
    # real icons: every tile draws an SVG from the sprite, no text glyph
    assert page.get_by_test_id("home-tiles").locator("svg use").count() == tiles.count()
    assert page.locator(".yg-tabbar svg use").count() == page.locator(".yg-tabbar a").count()
    assert_styled(page)
    assert_page_healthy(page)
    _shot(page, "worker-home")

    hrefs = [t.get_attribute("href") for t in tiles.all()]
    for href in hrefs:
        response = page.goto(href)
        assert response is not None and response.status < 400, href
        expect(page.locator("body")).not_to_contain_text("没有权限")
        expect(page.locator("body")).not_to_contain_text("页面不存在")
        assert_page_healthy(page)

    page.goto("/h5/services/")
    _shot(page, "worker-tab-services")


def test_screenshots_of_the_tourism_list_console_home_and_station_map(
    phone_page: Any, live_server: Any, world: dict[str, Any], settings: Any
) -> None:
    settings.MAP_TILE_URL = ""
    page = phone_page
    _sign_in(page, live_server, world["worker"])
    page.goto("/tourism/")
    expect(page.get_by_text("话剧《江姐》").first).to_be_visible()
    assert_page_healthy(page)
    _shot(page, "tourism-list")
    page.goto("/stations/map/?lat=29.5575&lng=106.5775")
    expect(page.locator(".leaflet-container")).to_be_visible()
    assert_page_healthy(page)
    _shot(page, "station-map")

    page.context.clear_cookies()
    _sign_in(page, live_server, world["staff"])
    page.goto("/console/")
    expect(page.get_by_test_id("acting-in")).to_contain_text("渝中区总工会")
    flows = page.get_by_test_id("console-flows")
    expect(flows.get_by_text("新发展会员")).to_be_visible()
    expect(
        flows.locator(".yg-spark canvas").first
    ).to_be_attached()  # the simple ECharts build draws on canvas
    assert_page_healthy(page)
    _shot(page, "console-home-phone")
    # Nothing in the console's bar runs past the phone's edge, in either language: a long working-node
    # line wraps (the longest: a system administrator without a union position, in English).
    from tests.helpers import UserFactory
    from yugong.accounts.models import User

    admin = UserFactory(is_staff=True, admin_role=User.AdminRole.SYSTEM, display_name="系统管理员")
    for user in (world["staff"], admin):
        page.context.clear_cookies()
        _sign_in(page, live_server, user)
        for language in ("zh-hans", "en"):
            page.context.add_cookies(
                [{"name": dj_settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}]
            )
            page.goto("/console/")
            expect(page.get_by_test_id("acting-in")).to_be_visible()
            # (the phone's width, not innerWidth: a phone zooms out to show what runs past its edge)
            past = page.evaluate(
                "width => Array.from(document.querySelectorAll('.yg-console-bar *'))"
                ".filter(e => e.getBoundingClientRect().right > width + 1)"
                ".map(e => e.outerHTML.slice(0, 80))",
                page.viewport_size["width"],
            )
            assert not past, (user, language, past)
    page.context.clear_cookies()
    _sign_in(page, live_server, world["staff"])
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto("/console/")
    expect(page.get_by_test_id("console-states")).to_be_visible()
    _shot(page, "console-home-desk")
    acting = page.get_by_test_id("acting-in")
    colour = acting.evaluate("el => getComputedStyle(el).color")
    assert re.match(r"rgb\(255, 255, 255\)", colour), colour  # light on the dark bar
