from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.helpers import make_union
from yugong.orgs.models import Union
from yugong.orgs.tree import (
    ancestor_ids,
    ancestor_paths,
    chain_ids,
    in_subtrees,
    is_root_path,
    path_depth,
    path_ids,
    root_id,
    subtree_q,
    within,
    within_any,
)


def test_path_helpers_read_the_format():
    path = "00000001/0000002a/000000ff/"
    assert path_ids(path) == [1, 42, 255] == chain_ids(path)
    assert ancestor_ids(path) == [1, 42]
    assert ancestor_paths(path) == ["00000001/", "00000001/0000002a/", path]
    assert ancestor_paths(path, include_self=False) == ["00000001/", "00000001/0000002a/"]
    assert path_depth(path) == 2 and root_id(path) == 1
    assert is_root_path("00000001/") and not is_root_path(path)


@pytest.mark.parametrize("bad", ["", "1/", "0000000g/", "00000001", "00000001/0000"])
def test_malformed_paths_give_nothing(bad):
    assert path_ids(bad) == [] and ancestor_paths(bad) == [] and root_id(bad) is None
    assert subtree_q([bad]) is None


@pytest.mark.django_db
def test_helpers_agree_with_the_tree():
    city = make_union(kind="city")
    district = make_union(city, kind="district")
    grassroots = make_union(district)
    other = make_union(kind="city")
    assert path_ids(grassroots.path) == [city.pk, district.pk, grassroots.pk]
    assert path_depth(grassroots.path) == grassroots.depth
    q = subtree_q([district.path], path_field="path")
    assert set(Union.objects.filter(q)) == {district, grassroots}
    assert other not in Union.objects.filter(subtree_q([city.path], path_field="path"))


@pytest.mark.django_db
def test_within_and_in_subtrees():
    city = make_union(None, name="重庆市总工会")
    yz = make_union(city, kind="district", name="渝中区总工会")
    shop = make_union(yz, kind="grassroots", name="解放碑百货工会")
    jb = make_union(city, kind="district", name="江北区总工会")
    assert within(shop.path, yz.path) and within(yz.path, yz.path)
    assert not within(yz.path, shop.path) and not within(shop.path, jb.path)
    assert not within("", city.path) and not within(shop.path, None) and not within(shop.path, "0000")
    assert within_any(shop.path, [jb.path, yz.path]) and not within_any(shop.path, [])
    assert set(Union.objects.filter(in_subtrees(yz.path, path_field="path"))) == {yz, shop}
    assert set(Union.objects.filter(in_subtrees([yz.path, jb.path], path_field="path"))) == {yz, shop, jb}
    assert not Union.objects.filter(in_subtrees([], path_field="path")).exists()


# A path is parsed by stepping through it, counting its slashes or slicing it.
PARSING = re.compile(
    r"range\(\s*9\s*,|PATH_STEP|path\.count\(|path\s*\[\s*[:\w+ -]*:|path\S*\.split\(\"/\"\)"
)
ROOT = Path(__file__).resolve().parents[2]
# Apps still to convert (reported; their owners move them to orgs.tree).
KNOWN_APPS: set[str] = set()


def test_no_other_app_parses_a_path_string():
    offenders = []
    for file in ROOT.rglob("*.py"):
        parts = file.relative_to(ROOT).parts
        if len(parts) < 2 or parts[0] == "orgs" or "migrations" in parts or "tests" in parts:
            continue
        if parts[0] in KNOWN_APPS:
            continue
        for n, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
            if PARSING.search(line):
                offenders.append(f"{file.relative_to(ROOT)}:{n}: {line.strip()}")
    assert offenders == []
