from __future__ import annotations

import pytest

from tests.helpers import make_union
from yugong.orgs.models import Union
from yugong.orgs.tree import (
    ancestor_ids,
    ancestor_paths,
    chain_ids,
    is_root_path,
    path_depth,
    path_ids,
    root_id,
    subtree_q,
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
