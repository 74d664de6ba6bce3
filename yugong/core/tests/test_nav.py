"""The navigation registry: audiences fail closed, entries that do not reverse or whose audience
is not registered do not show, empty sections do not show, declarations are idempotent."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from django.test import RequestFactory

from yugong.core import nav


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> dict[tuple[Any, ...], Any]:
    """An empty registry for the test (the apps' declarations are set aside, then restored)."""
    nav.discover()
    empty: dict[tuple[Any, ...], Any] = {}
    monkeypatch.setattr(nav, "_declared", empty)
    monkeypatch.setattr(nav, "_sorted", {})
    monkeypatch.setattr(nav, "_AUDIENCES", dict(nav._AUDIENCES))
    return empty


def _request(user: Any = None, **resolver_kwargs: Any) -> Any:
    request = RequestFactory().get("/")
    request.user = user or SimpleNamespace(is_authenticated=False, is_active=False, admin_role="")
    request.resolver_match = SimpleNamespace(kwargs=resolver_kwargs)
    return request


def _signed(**fields: Any) -> Any:
    return SimpleNamespace(**{"is_authenticated": True, "is_active": True, "admin_role": "", **fields})


def test_an_unknown_audience_lets_nobody_in(registry: Any) -> None:
    assert not nav.Audience("not-installed").allows(_request(_signed()))
    assert nav.anyone().allows(_request())
    assert not nav.signed_in().allows(_request()) and nav.signed_in().allows(_request(_signed()))


def test_admin_audience_reads_the_admin_role(registry: Any) -> None:
    auditor = _request(_signed(admin_role="audit"))
    assert nav.admin().allows(auditor) and nav.admin("audit").allows(auditor)
    assert not nav.admin("system").allows(auditor)
    assert not nav.admin().allows(_request(_signed()))


def test_sections_show_only_with_a_visible_page_that_reverses(registry: Any) -> None:
    nav.register_audience("testers", lambda request, args: getattr(request.user, "tester", False))
    nav.register(
        nav.ConsoleSection(key="a", label="甲", order=2),
        nav.ConsoleSection(key="b", label="乙", order=1),
        nav.ConsoleSection(key="empty", label="空"),
        nav.ConsolePage(section="a", label="首页", url_name="web:home", audience=(nav.Audience("testers"),)),
        nav.ConsolePage(section="b", label="工作台", url_name="web:console"),
        nav.ConsolePage(section="b", label="不存在", url_name="nowhere:page"),
        nav.ConsolePage(
            section="empty", label="没装的应用", url_name="web:home", audience=(nav.Audience("x"),)
        ),
    )
    shown = nav.console_sections(_request(_signed(tester=True)))
    assert [s.key for s in shown] == ["b", "a"]
    assert [link.label for link in shown[0].links] == ["工作台"]
    assert shown[1].links[0].url == "/"
    assert [s.key for s in nav.console_sections(_request(_signed(tester=False)))] == ["b"]


def test_tabs_keep_home_and_me_and_drop_empty_ones(registry: Any) -> None:
    nav.register(
        nav.Tab(key="home", label="首页", icon="home", order=1, always=True),
        nav.Tab(key="growth", label="成长", icon="growth", order=2),
        nav.Tab(key="help", label="帮扶", icon="help", order=3),
        nav.TabEntry(tab="help", label="工作台", url_name="web:console"),
    )
    assert [t.key for t in nav.h5_tabs(_request())] == ["home", "help"]
    with pytest.raises(ValueError, match="unknown H5 tab"):
        nav.register(nav.TabEntry(tab="nowhere", label="x", url_name="web:home"))


def test_declaring_twice_keeps_one(registry: Any) -> None:
    tile = nav.HomeTile(label="首页", url_name="web:home", icon="home")
    nav.register(tile)
    nav.register(tile)
    assert len(nav.home_tiles(_request())) == 1


def test_links_take_url_arguments_from_the_page_being_viewed(registry: Any) -> None:
    nav.register(
        nav.MerchantPage(label="订单", url_name="tourism:m_orders", url_kwargs_from=("merchant_id",)),
    )
    assert nav.merchant_pages(_request()) == []
    [link] = nav.merchant_pages(_request(merchant_id=7))
    assert link.url == "/tourism/merchant/7/orders/"


def test_the_first_landing_that_applies_wins(registry: Any) -> None:
    nav.register(
        nav.Landing(audience=(nav.anyone(),), url_name="web:home", order=100),
        nav.Landing(audience=(nav.admin("audit"),), url_name="web:console", order=10),
        nav.Landing(audience=(nav.admin("audit"),), url_name="nowhere:page", order=1),
    )
    assert nav.landing_url(_request(_signed(admin_role="audit"))) == "/console/"
    assert nav.landing_url(_request(_signed())) == "/"


def test_a_page_listed_under_a_tab_is_marked_under_it(registry: Any) -> None:
    nav.register(nav.TabEntry(tab="me", label="我的报名", url_name="events:h5_mine", order=1))
    request = _request()
    request.resolver_match = SimpleNamespace(kwargs={}, view_name="events:h5_mine")
    assert nav.declared_tab(request) == "me"
    request.resolver_match = SimpleNamespace(kwargs={}, view_name="events:h5_list")
    assert nav.declared_tab(request) == ""
    request.resolver_match = None
    assert nav.declared_tab(request) == ""
