"""What the worker home shows besides the tiles: the banner carousel and the latest news of the
worker's union chain (``yugong.news.selectors``: one query each) and the "my things" cards of the
apps' :class:`yugong.core.nav.HomeCard` providers (one cheap query each)."""

from __future__ import annotations

from typing import Any

from django.core.files.storage import default_storage
from django.http import HttpRequest

from yugong.core import nav
from yugong.core.images import srcset
from yugong.news import selectors as news


def _banner(row: dict[str, Any]) -> dict[str, Any]:
    return {
        **row,
        "cover_url": default_storage.url(row["cover"]),
        "cover_srcset": srcset(row["cover"], row["cover_width"], row["cover_renditions"] or {}),
    }


def home_context(request: HttpRequest) -> dict[str, Any]:
    return {
        "banners": [_banner(r) for r in news.banners(request.user)],
        "news": news.feed(request.user, limit=5),
        "my_things": nav.home_cards(request),
    }
