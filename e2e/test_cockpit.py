"""A district leader opens the cockpit, drills from the district's total to a grassroots union's
figure and on to the members behind it; the big screen draws its charts (no CSP error)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.conf import settings as dj_settings
from django.test import Client
from playwright.sync_api import expect

from e2e.conftest import RESULTS_DIR
from e2e.helpers import assert_page_healthy
from tests.helpers import UserFactory, grant, make_union
from yugong.cockpit import refresh
from yugong.core.facts import fact_record

pytestmark = pytest.mark.django_db(transaction=True)


def sign_in(page: Any, live_server: Any, user: Any) -> None:
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


def test_district_leader_drills_down_to_the_rows(desk_page: Any, live_server: Any) -> None:
    from yugong.members.tests.factories import make_member, make_person

    city = make_union(None, name="重庆市总工会")
    yz = make_union(city, kind="district", name="渝中区总工会")
    jb = make_union(city, kind="district", name="江北区总工会")
    shop = make_union(yz, name="解放碑百货工会")
    other = make_union(yz, name="渝中机械厂工会")
    far = make_union(jb, name="江北某厂工会")
    day = dt.date(2023, 5, 4)
    for union, n in ((shop, 3), (other, 1), (far, 50)):
        fact_record(metric="members.approved", union_id=union.pk, value=n, day=day)
    make_member(shop, person=make_person(name="李四"))
    refresh.flush(force=True)  # facts recorded outside a request: the loader asks for the refresh
    leader = UserFactory(is_staff=True)
    grant(leader, yz, "chair")

    page = desk_page
    sign_in(page, live_server, leader)
    page.goto(f"{live_server.url}/console/cockpit/?period=2023")
    expect(page.get_by_test_id("cockpit-title")).to_contain_text("渝中区总工会")
    expect(page.get_by_text("江北区总工会")).to_have_count(0)
    summary = page.get_by_test_id("summary")
    row = summary.get_by_role("row").filter(has_text="新发展会员")
    expect(row).to_contain_text("4")
    row.get_by_role("link", name="新发展会员").click()

    expect(page).to_have_url(re.compile(r"/console/cockpit/m/members\.approved/"))
    children = page.get_by_test_id("children")
    expect(children).to_contain_text("解放碑百货工会")
    expect(children).to_contain_text("渝中机械厂工会")
    expect(children).not_to_contain_text("江北")
    assert_page_healthy(page)
    children.get_by_role("row").filter(has_text="解放碑百货工会").get_by_role("link", name="3").click()

    expect(page.get_by_test_id("metric-total")).to_contain_text("3")
    page.get_by_test_id("rows-link").click()
    expect(page).to_have_url(re.compile(rf"/console/members/\?union={shop.pk}"))
    expect(page.get_by_text("李", exact=False).first).to_be_visible()

    page.goto(f"{live_server.url}/console/cockpit/screen/?node={yz.pk}&period=2023")
    expect(page.locator("#chart-ranking canvas")).to_have_count(1)
    expect(page.locator("#chart-trend canvas")).to_have_count(1)
    assert_page_healthy(page)
    # a sibling district is not there at all
    response = page.goto(f"{live_server.url}/console/cockpit/?node={jb.pk}")
    assert response is not None and response.status == 404


def test_station_map_by_district_and_the_coverage_district_picker(desk_page: Any, live_server: Any) -> None:
    """The big screen draws stations per district on Chongqing's district map (offline GeoJSON, no
    tile server); the coverage analysis picks its region by clicking a district on the same data."""
    city = make_union(None, name="重庆市总工会")
    yz = make_union(city, kind="district", name="渝中区总工会")
    for name, n in (("渝中区", 9), ("万州区", 4), ("江北区", 2)):
        fact_record(
            metric="stations.created",
            union_id=yz.pk,
            value=n,
            day=dt.date(2023, 6, 1),
            dim=f"district:{name}",
        )
    refresh.flush(force=True)
    chair = UserFactory(is_staff=True)
    grant(chair, city, "chair")

    page = desk_page
    sign_in(page, live_server, chair)
    page.goto(f"{live_server.url}/console/cockpit/screen/?node={city.pk}&period=2023")
    expect(page.locator('[data-testid="station-map"][data-ready="1"] canvas')).to_have_count(1)
    RESULTS_DIR.mkdir(exist_ok=True)  # screenshots for a reviewer (git-ignored)
    page.screenshot(path=str(RESULTS_DIR / "cockpit-station-map.png"), full_page=True)
    assert_page_healthy(page)

    page.goto(
        f"{live_server.url}/console/stations/coverage/".replace("/console/stations/", "/stations/console/")
    )
    picker = page.locator('[data-testid="district-picker"][data-ready="1"]')
    expect(picker).to_have_count(1)
    expect(page.locator("#id_district")).to_have_value("渝中区")
    page.locator("#district-picker path.leaflet-interactive").nth(0).click(force=True)
    chosen = page.locator("#id_district").input_value()
    assert chosen and chosen != "渝中区"
    page.locator("#id_cell_m").fill("1000")
    page.get_by_role("button", name="分析").click()
    expect(page.get_by_test_id("coverage-result")).to_be_visible()
    page.screenshot(path=str(RESULTS_DIR / "stations-coverage-district-picker.png"), full_page=True)
    assert_page_healthy(page)
