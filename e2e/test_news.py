"""通知公告 scoped to a subtree: staff of 渝中区总工会 write and publish a notice in the console; a
worker of a union inside 渝中 reads it on their phone (home page and the news list), a worker of
a union in 江北 sees neither it nor its page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.conf import settings as dj_settings
from django.test import Client
from playwright.sync_api import expect

from e2e.helpers import assert_page_healthy

pytestmark = pytest.mark.django_db(transaction=True)

TITLE = "关于开展2026年夏送清凉活动的通知"


def _sign_in(page: Any, live_server: Any, user: Any) -> None:
    page.context.clear_cookies()
    client = Client()
    client.force_login(user)
    cookie = client.cookies[dj_settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


def _worker(union: Any, name: str) -> Any:
    from tests.helpers import UserFactory
    from yugong.members.models import Membership, Person

    user = UserFactory(display_name=name)
    person = Person.objects.create(name=name, user=user)
    Membership.objects.create(person=person, union=union, status="active")
    return user


def test_a_notice_to_one_district_reaches_its_workers_only(
    desk_page: Any, phone_page: Any, live_server: Any
) -> None:
    from tests.helpers import UserFactory, grant, make_union
    from yugong.news.models import Article

    city = make_union(None, name="重庆市总工会")
    yuzhong = make_union(city, kind="district", name="渝中区总工会", district="渝中区")
    shop = make_union(yuzhong, kind="grassroots", name="解放碑百货工会", district="渝中区")
    jiangbei = make_union(city, kind="district", name="江北区总工会", district="江北区")
    plant = make_union(jiangbei, kind="grassroots", name="长江机械厂工会", district="江北区")
    chair = UserFactory(display_name="渝中区干部")
    grant(chair, yuzhong, "staff")
    inside = _worker(shop, "李师傅")
    outside = _worker(plant, "王师傅")

    desk = desk_page
    _sign_in(desk, live_server, chair)
    desk.goto("/console/news/")
    desk.get_by_test_id("news-new").click()
    desk.get_by_label("发布单位").select_option(label="渝中区总工会")
    desk.get_by_label("类别").select_option(label="通知公告")
    desk.get_by_label("标题").fill(TITLE)
    desk.get_by_label("正文").fill("各基层工会：\n\n7月起为户外劳动者送清凉，请于6月30日前报送名单。")
    desk.get_by_role("button", name="保存").click()
    expect(desk.get_by_text("已保存草稿。")).to_be_visible()
    desk.get_by_test_id("news-publish").click()
    article = Article.objects.get(title=TITLE)
    assert article.status == "published" and article.union_id == yuzhong.pk
    assert_page_healthy(desk)

    page = phone_page
    _sign_in(page, live_server, inside)
    page.goto("/")
    expect(page.get_by_test_id("home-news")).to_contain_text(TITLE)
    page.get_by_test_id("home-news").get_by_role("link", name="更多").tap()
    expect(page).to_have_url(re.compile(r"/news/$"))
    page.get_by_test_id("news-list").get_by_role("link", name=re.compile(TITLE)).tap()
    expect(page.get_by_test_id("article")).to_contain_text("请于6月30日前报送名单")
    expect(page.get_by_test_id("article")).to_contain_text("渝中区总工会")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    assert_page_healthy(page)

    _sign_in(page, live_server, outside)
    page.goto("/")
    expect(page.get_by_test_id("home-news")).not_to_contain_text(TITLE)
    page.goto("/news/")
    expect(page.get_by_text(TITLE)).to_have_count(0)
    response = page.goto(f"/news/{article.pk}/")
    assert response is not None and response.status == 404
    expect(page.get_by_text(TITLE)).to_have_count(0)
