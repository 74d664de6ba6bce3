from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from yugong.core import nav
from yugong.orgs.acting import acting_union, acting_unions


def _home_url(request: HttpRequest) -> str:
    return nav.landing_url(request) or "/"


def ui(request: HttpRequest) -> dict[str, Any]:
    """The shell's navigation for this request's user, collected from what the apps declare
    (``yugong/<app>/nav.py``): views pass only ``{"tab": …}`` or ``{"section": …}``. Everything is
    lazy: a page pays only for the parts its template shows."""
    large = request.COOKIES.get("yg_large_font") == "1"
    return {
        "acting": SimpleLazyObject(lambda: acting_union(request)),
        "acting_unions": SimpleLazyObject(lambda: acting_unions(request)),
        "tabs": SimpleLazyObject(lambda: nav.h5_tabs(request)),
        "declared_tab": SimpleLazyObject(lambda: nav.declared_tab(request)),
        "home_tiles": SimpleLazyObject(lambda: nav.home_tiles(request)),
        "sections": SimpleLazyObject(lambda: nav.console_sections(request)),
        "merchant_nav": SimpleLazyObject(lambda: nav.merchant_pages(request)),
        "nav_home": SimpleLazyObject(lambda: _home_url(request)),
        "console_user": SimpleLazyObject(lambda: nav.allowed(request, [nav.console()])),
        "SITE_NAME": settings.YUGONG_SITE_NAME,
        "large_font": large,
        "MAP_TILE_URL": settings.MAP_TILE_URL,
    }
