from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import UserFactory, assert_max_queries, grant, make_union
from yugong.accounts.system import system_actor
from yugong.orgs.models import Employer, Union

from .authz import uscc

pytestmark = pytest.mark.django_db
API = "/api/v1/orgs"


@pytest.fixture
def api(client: Any, city: Union) -> Any:
    user = UserFactory(is_staff=True)
    grant(user, city, "chair")
    client.force_login(user)
    return client


def test_union_lifecycle_over_the_api(api: Any, city: Union) -> None:
    r = api.post(
        f"{API}/unions",
        {"parent_id": city.pk, "name": "甲区总工会", "code": "A", "kind": "district"},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    a = r.json()
    assert a["counts"]["children"] == 0 and a["join_url"].endswith("/join/A/") or "join" in a["join_url"]
    r = api.post(
        f"{API}/unions",
        {"parent_id": a["id"], "name": "甲一", "code": "A1", "kind": "grassroots"},
        content_type="application/json",
    )
    a1 = r.json()
    r = api.post(
        f"{API}/unions",
        {"parent_id": city.pk, "name": "乙区", "code": "B", "kind": "district"},
        content_type="application/json",
    )
    b = r.json()
    assert (
        api.patch(f"{API}/unions/{a1['id']}", {"chair_name": "王芳"}, content_type="application/json").json()[
            "chair_name"
        ]
        == "王芳"
    )
    r = api.post(f"{API}/unions/{a1['id']}/move", {"new_parent_id": b["id"]}, content_type="application/json")
    assert r.status_code == 200 and r.json()["parent_id"] == b["id"]
    r = api.post(f"{API}/unions/{b['id']}/merge", {"into_id": a["id"]}, content_type="application/json")
    assert r.status_code == 200 and r.json()["status"] == "merged"
    kids = api.get(f"{API}/unions", {"parent_id": a["id"]}).json()
    assert [k["code"] for k in kids] == ["A1"]
    r = api.post(f"{API}/unions/{a1['id']}/close", {"reason": "企业注销"}, content_type="application/json")
    assert r.json()["status"] == "closed"
    history = api.get(f"{API}/unions/{a1['id']}/history").json()
    assert [h["kind"] for h in history] == ["closed", "moved", "moved", "updated", "created"]
    assert api.get(f"{API}/unions", {"q": "甲"}).status_code == 200
    join = api.get(f"{API}/unions/{a['id']}/join").json()
    assert join["poster"].endswith("join-poster.pdf")


def test_api_errors_are_chinese_and_shaped(api: Any, city: Union) -> None:
    r = api.post(
        f"{API}/unions",
        {"parent_id": city.pk, "name": "X", "code": city.code, "kind": "grassroots"},
        content_type="application/json",
    )
    assert (
        r.status_code == 422
        and set(r.json()) == {"code", "message", "fields"}
        and "code" in r.json()["fields"]
    )
    r = api.post(
        f"{API}/employers",
        {"name": "X", "uscc": "91500103000000001X", "managing_union_id": city.pk},
        content_type="application/json",
    )
    assert r.status_code == 422 and "校验位" in r.json()["fields"]["uscc"][0]
    assert api.get(f"{API}/unions/999999").status_code == 404


def test_employers_roles_ratings_volunteers(api: Any, city: Union) -> None:
    g = make_union(city)
    r = api.post(
        f"{API}/employers",
        {
            "name": "重庆某厂",
            "uscc": uscc(5),
            "managing_union_id": city.pk,
            "union_id": g.pk,
            "industry": "C",
        },
        content_type="application/json",
    )
    assert r.status_code == 201 and r.json()["unionised"]
    emp = r.json()["id"]
    assert (
        api.patch(f"{API}/employers/{emp}", {"headcount": 9}, content_type="application/json").json()[
            "headcount"
        ]
        == 9
    )
    assert api.get(f"{API}/employers", {"q": "某厂"}).json()["count"] == 1
    UserFactory(username="staffer")
    r = api.post(
        f"{API}/roles",
        {"username": "staffer", "union_id": g.pk, "role": "staff"},
        content_type="application/json",
    )
    assert r.status_code == 201
    rid = r.json()["id"]
    assert (
        api.post(f"{API}/roles/{rid}/revoke", {"reason": "调岗"}, content_type="application/json").json()[
            "active"
        ]
        is False
    )
    r = api.post(
        f"{API}/home-ratings",
        {"union_id": g.pk, "level": "district", "kind": "small_home", "year": 2024},
        content_type="application/json",
    )
    assert r.status_code == 201
    assert api.get(f"{API}/home-ratings", {"year": 2024}).json()["count"] == 1
    r = api.post(
        f"{API}/volunteer-teams",
        {"union_id": city.pk, "name": "总队", "tier": "general"},
        content_type="application/json",
    )
    team = r.json()["id"]
    r = api.post(
        f"{API}/volunteer-teams/{team}/volunteers",
        {"name": "李四", "phone": "13700001111"},
        content_type="application/json",
    )
    assert r.status_code == 201 and r.json()["phone_masked"] == "137****1111"
    vid = r.json()["id"]
    r = api.post(
        f"{API}/volunteers/{vid}/records",
        {"served_on": "2025-01-02", "hours": "1.25", "description": "宣讲"},
        content_type="application/json",
    )
    assert r.status_code == 201 and r.json()["minutes"] == 75
    teams = api.get(f"{API}/volunteer-teams").json()["items"]
    assert teams[0]["total_minutes"] == 75 and teams[0]["volunteer_count"] == 1


@pytest.mark.parametrize("size", [3, 30])
def test_employer_api_queries_flat(api: Any, city: Union, size: int) -> None:
    for i in range(size):
        Employer.objects.create(name=f"单位{i}", uscc=uscc(size * 100 + i), managing_union=city)
    with assert_max_queries(6):
        r = api.get(f"{API}/employers")
    assert r.json()["count"] == size


# --- null and scope on writes (issue 12, items 16 and 17) -------------------------------------

UNION_TEXT_FIELDS = ["name", "short_name", "code", "kind", "uscc", "district", "address", "chair_name"]
EMPLOYER_PLAIN_FIELDS = ["name", "uscc", "industry", "district", "address", "headcount", "unionised"]


@pytest.mark.parametrize("field", [*UNION_TEXT_FIELDS, "serves_forms"])
def test_union_patch_null_is_a_chinese_422_naming_the_field(api: Any, city: Union, field: str) -> None:
    a = make_union(city, kind="district", name="甲区总工会")
    r = api.patch(f"{API}/unions/{a.pk}", {field: None}, content_type="application/json")
    assert r.status_code == 422, r.content
    body = r.json()
    assert list(body["fields"]) == [field] and "不能为空" in body["fields"][field][0]
    a.refresh_from_db()
    assert a.name == "甲区总工会"


def test_union_patch_null_founded_on_clears_it(api: Any, city: Union) -> None:
    a = make_union(city, kind="district", founded_on="2001-05-01")
    r = api.patch(f"{API}/unions/{a.pk}", {"founded_on": None}, content_type="application/json")
    assert r.status_code == 200 and r.json()["founded_on"] is None


@pytest.mark.parametrize("field", EMPLOYER_PLAIN_FIELDS)
def test_employer_patch_null_is_a_chinese_422(api: Any, city: Union, field: str) -> None:
    employer = Employer.objects.create(name="甲厂", uscc=uscc(31), managing_union=city)
    r = api.patch(f"{API}/employers/{employer.pk}", {field: None}, content_type="application/json")
    assert r.status_code == 422, r.content
    assert list(r.json()["fields"]) == [field]


def test_the_patch_schemas_say_null_is_refused(client: Any) -> None:
    schemas = client.get("/api/openapi.json").json()["components"]["schemas"]
    for name, fields in (("UnionUpdateIn", UNION_TEXT_FIELDS), ("EmployerUpdateIn", EMPLOYER_PLAIN_FIELDS)):
        props = schemas[name]["properties"]
        for field in fields:
            assert "anyOf" not in props[field] and "default" not in props[field], (name, field, props[field])


def test_the_services_refuse_null_too(city: Union) -> None:
    from yugong.core.errors import ValidationFailed
    from yugong.orgs import services

    a = make_union(city, kind="district")
    with pytest.raises(ValidationFailed) as caught:
        services.union_update(actor=system_actor(), union=a, code=None, address=None)
    assert set(caught.value.fields) == {"code", "address"}
    employer = Employer.objects.create(name="甲厂", uscc=uscc(32), managing_union=city)
    with pytest.raises(ValidationFailed):
        services.employer_update(actor=system_actor(), employer=employer, name=None)


def test_an_employer_cannot_be_moved_out_of_every_scope(api: Any, city: Union) -> None:
    a = make_union(city, kind="district")
    only_managed = Employer.objects.create(name="甲厂", uscc=uscc(33), managing_union=a)
    r = api.patch(
        f"{API}/employers/{only_managed.pk}", {"managing_union_id": None}, content_type="application/json"
    )
    assert r.status_code == 422 and "managing_union" in r.json()["fields"], r.content
    only_managed.refresh_from_db()
    assert only_managed.managing_union_id == a.pk
    # Detaching one of two anchors is fine; detaching the last one is not.
    g = make_union(a, kind="grassroots")
    both = Employer.objects.create(name="乙厂", uscc=uscc(34), managing_union=a, union=g)
    r = api.patch(f"{API}/employers/{both.pk}", {"managing_union_id": None}, content_type="application/json")
    assert r.status_code == 200 and r.json()["union_id"] == g.pk
    r = api.patch(f"{API}/employers/{both.pk}", {"union_id": None}, content_type="application/json")
    assert r.status_code == 422
    assert api.get(f"{API}/employers/{both.pk}").status_code == 200
    # Id 0 is no union (not "detach"): a field error.
    r = api.patch(f"{API}/employers/{both.pk}", {"union_id": 0}, content_type="application/json")
    assert r.status_code == 422 and "union_id" in r.json()["fields"]


def test_closing_the_only_union_of_an_employer_hands_it_to_the_parent(api: Any, city: Union) -> None:
    from yugong.orgs import services

    a = make_union(city, kind="district")
    g = make_union(a, kind="grassroots")
    employer = Employer.objects.create(name="丙厂", uscc=uscc(35), union=g)
    services.union_close(actor=system_actor(), union=g, reason="注销")
    employer.refresh_from_db()
    assert employer.union_id is None and employer.managing_union_id == a.pk
    assert api.get(f"{API}/employers/{employer.pk}").status_code == 200
