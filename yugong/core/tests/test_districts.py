"""The offline district boundaries (scripts/vendor.py writes them from the npm package at setup)."""

from __future__ import annotations

from yugong.core.districts import district_geometry, district_names


def _rings(geometry: dict) -> list[list[list[float]]]:
    if geometry["type"] == "Polygon":
        return geometry["coordinates"]
    return [ring for polygon in geometry["coordinates"] for ring in polygon]


def test_every_district_of_chongqing_with_its_current_name():
    names = district_names()
    assert len(names) == 38 == len(set(names))
    assert {"渝中区", "两江新区"} & set(names) == {"渝中区"}  # a new area, not a district
    assert {"梁平区", "武隆区"} <= set(names) and not {"梁平县", "武隆县"} & set(
        names
    )  # districts since 2016
    assert district_geometry("不存在区") is None


def test_boundaries_are_closed_rings_in_wgs84_inside_chongqing():
    for name in district_names():
        geometry = district_geometry(name)
        assert geometry is not None and geometry["type"] in ("Polygon", "MultiPolygon"), name
        for ring in _rings(geometry):
            assert len(ring) >= 4 and ring[0] == ring[-1], name
            for lng, lat in ring:
                assert 105.2 < lng < 110.3 and 28.1 < lat < 32.3, (name, lng, lat)
    # The 渝中 peninsula ends at 朝天门 (≈106.587 E in WGS-84; the package's GCJ-02 shapes put it
    # ≈0.0035° further east): converted, the tip is where GPS puts it.
    yuzhong = district_geometry("渝中区")
    assert yuzhong is not None
    east = max(lng for ring in _rings(yuzhong) for lng, _lat in ring)
    assert 106.583 < east < 106.590, east
