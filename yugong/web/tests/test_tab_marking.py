"""The bottom bar marks the tab a page is listed under (``nav.declared_tab``), whatever tab the
page's app names for its other pages; a page listed nowhere keeps the tab its view names."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from tests.helpers import UserFactory

pytestmark = pytest.mark.django_db


def _marked(html: str) -> list[str]:
    bar = html.split('class="yg-tabbar"')[1].split("</nav>")[0]
    return re.findall(
        r'aria-current="page">\s*<span class="yg-tab-icon"[^>]*>.*?</span><span>([^<]+)</span>', bar, re.S
    )


@pytest.mark.parametrize(
    ("url_name", "tab"),
    [
        ("events:h5_mine", "我的"),  # listed under 我的 (the events app names 首页 for its pages)
        ("jobs:h5_mine", "我的"),  # listed under 我的 (the jobs app names 服务)
        ("events:h5_list", "首页"),  # a home tile, listed under no tab: the view's choice
        ("jobs:h5_list", "服务"),
    ],
)
def test_the_bar_marks_the_tab_a_page_is_listed_under(client: Any, url_name: str, tab: str) -> None:
    client.force_login(UserFactory())
    html = client.get(reverse(url_name)).content.decode()
    assert _marked(html) == [tab]
