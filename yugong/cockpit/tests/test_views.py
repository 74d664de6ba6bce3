"""Desk, drill-down, export, API and the annual approval."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from tests.helpers import UserFactory, assert_max_queries, grant, make_union
from yugong.cockpit import refresh, services
from yugong.cockpit.models import AnnualFigure, AnnualReview
from yugong.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from yugong.core.facts import fact_record
from yugong.core.models import AuditEvent

D = dt.date(2023, 4, 1)


@pytest.fixture
def tree(db):
    city = make_union(None, name="重庆市总工会")
    a = make_union(city, kind="district", name="渝中区总工会")
    b = make_union(city, kind="district", name="江北区总工会")
    a1 = make_union(a, name="渝中一厂工会")
    a2 = make_union(a, name="渝中二厂工会")
    b1 = make_union(b, name="江北一厂工会")
    for u, n in ((a1, 5), (a2, 2), (b1, 40)):
        fact_record(metric="members.approved", union_id=u.pk, value=n, day=D)
    leader = UserFactory(is_staff=True)
    grant(leader, a, "chair")
    return {"city": city, "a": a, "b": b, "a1": a1, "a2": a2, "b1": b1, "leader": leader}


def test_district_leader_sees_own_subtree_only(client, tree):
    client.force_login(tree["leader"])
    page = client.get("/console/cockpit/?period=2023").content.decode()
    assert "渝中区总工会" in page and "江北" not in page
    drill = client.get(
        f"/console/cockpit/m/members.approved/?node={tree['a'].pk}&period=2023"
    ).content.decode()
    assert "渝中一厂工会" in drill and "渝中二厂工会" in drill and "江北" not in drill
    assert ">7 " in drill or ">7<" in drill  # 5 + 2, never the sibling's 40
    # drill from the district to the grassroots union, then to the rows in the owning app
    assert f"/console/cockpit/?node={tree['a1'].pk}&amp;period=2023" in drill
    leaf = client.get(
        f"/console/cockpit/m/members.approved/?node={tree['a1'].pk}&period=2023"
    ).content.decode()
    assert f"/console/members/?union={tree['a1'].pk}" in leaf
    # the city root and the sibling answer 404 like missing
    assert client.get(f"/console/cockpit/?node={tree['city'].pk}").status_code == 404
    assert client.get(f"/console/cockpit/?node={tree['b1'].pk}").status_code == 404
    api = client.get(
        f"/api/v1/cockpit/children?node={tree['a'].pk}&period=2023&metric=members.approved"
    ).json()
    assert {r["name"]: r["value"] for r in api} == {"渝中一厂工会": 5, "渝中二厂工会": 2}


def test_excel_export_holds_the_table(client, tree):
    client.force_login(tree["leader"])
    resp = client.get(
        f"/console/cockpit/export/children.xlsx?node={tree['a'].pk}&period=2023&metric=members.approved"
    )
    assert resp.status_code == 200
    rows = list(load_workbook(io.BytesIO(resp.content)).active.iter_rows(values_only=True))
    assert rows[2][1:3] == ("渝中一厂工会", "5") and rows[3][1:3] == ("渝中二厂工会", "2")
    assert not any("江北" in str(c) for r in rows for c in r)


def test_figures_refresh_after_new_facts(client, tree, django_capture_on_commit_callbacks):
    client.force_login(tree["leader"])
    url = f"/api/v1/cockpit/summary?node={tree['a'].pk}&period=2023"
    value = lambda: {f["code"]: f["value"] for f in client.get(url).json()["figures"]}["members.approved"]  # noqa: E731
    assert value() == 7
    with django_capture_on_commit_callbacks(execute=True):
        fact_record(metric="members.approved", union_id=tree["a2"].pk, value=10, day=D)
    assert value() == 7  # cached until the refresh (a request asks for it after its response)
    with django_capture_on_commit_callbacks(execute=True):
        assert refresh.flush(force=True) is True  # here, outside a request, as loaders do
    assert value() == 17  # the refresh moved the cache version on


def test_station_map_colours_districts_and_drills_down(client, tree):
    """The big screen's station map: stations per district (from facts, not from the stations app);
    a click leads to the district's own unit, or to the stations behind the figure."""
    fact_record(metric="stations.created", union_id=tree["a1"].pk, value=3, day=D, dim="district:渝中区")
    fact_record(metric="stations.created", union_id=tree["b1"].pk, value=2, day=D, dim="district:巫山县")
    city_leader = UserFactory(is_staff=True)
    grant(city_leader, tree["city"], "chair")
    client.force_login(city_leader)
    r = client.get(f"/console/cockpit/screen/?node={tree['city'].pk}&period=2023")
    stations = r.context["data"]["stations"]
    assert dict(zip(stations["districts"], stations["values"], strict=True)) == {"渝中区": 3, "巫山县": 2}
    assert (
        stations["links"]["渝中区"] == f"/console/cockpit/screen/?node={tree['a'].pk}&period=2023&mode=stood"
    )
    assert stations["links"]["巫山县"].startswith("/stations/console/")
    assert stations["links"]["巫山县"].endswith("district=%E5%B7%AB%E5%B1%B1%E5%8E%BF")
    assert 'data-geo="/static/vendor/geo/chongqing.json"' in r.content.decode()


@pytest.mark.parametrize("width", [3, 25])
def test_desk_and_drill_query_counts_stay_flat(client, db, width):
    city = make_union(None)
    d = make_union(city, kind="district")
    for i in range(width):
        g = make_union(d)
        fact_record(metric="members.approved", union_id=g.pk, value=i + 1, day=D)
    user = UserFactory(is_staff=True)
    grant(user, d, "viewer")
    client.force_login(user)
    with assert_max_queries(22):
        assert client.get(f"/console/cockpit/?node={d.pk}&period=2023").status_code == 200
    with assert_max_queries(22):
        assert client.get(f"/console/cockpit/m/members.approved/?node={d.pk}&period=2023").status_code == 200
    with assert_max_queries(22):
        assert client.get(f"/console/cockpit/screen/?node={d.pk}&period=2023").status_code == 200


# --- Annual approval ---------------------------------------------------------------------------


def test_approval_runs_bottom_up_keeps_recorded_and_locks(tree):
    chair_city = UserFactory()
    grant(chair_city, tree["city"], "chair")
    leader = tree["leader"]
    # the district cannot confirm before its grassroots unions
    with pytest.raises(Conflict):
        services.annual_confirm(actor=leader, union=tree["a"], year=2023)
    services.annual_confirm(actor=leader, union=tree["a1"], year=2023)
    services.annual_confirm(actor=leader, union=tree["a2"], year=2023)
    review = services.annual_confirm(actor=leader, union=tree["a"], year=2023)
    fig = AnnualFigure.objects.get(review=review, metric="members.approved")
    assert fig.recorded == 7
    # a correction keeps the recorded value beside it, with the reason, and is audited
    with pytest.raises(ValidationFailed) as exc:
        services.annual_correct(
            actor=leader, union=tree["a"], year=2023, metric="members.approved", value="x", reason=""
        )
    assert set(exc.value.fields) == {"value", "reason"}
    services.annual_correct(
        actor=leader,
        union=tree["a"],
        year=2023,
        metric="members.approved",
        value=8,
        reason="补录一名线下入会",
    )
    fig.refresh_from_db()
    assert (fig.recorded, fig.corrected, fig.value, fig.reason) == (7, 8, 8, "补录一名线下入会")
    assert AuditEvent.objects.filter(action="cockpit.annual.correct").exists()
    # a staff member may confirm but not lock; the district's chair locks
    staff = UserFactory()
    grant(staff, tree["a"], "staff")
    with pytest.raises(PermissionDenied):
        services.annual_lock(actor=staff, union=tree["a"], year=2023)
    services.annual_lock(actor=leader, union=tree["a"], year=2023)
    assert services.locked_figures(tree["a"], 2023)["members.approved"] == 8
    # a locked year cannot change
    with pytest.raises(Conflict):
        services.annual_correct(
            actor=leader, union=tree["a"], year=2023, metric="members.approved", value=9, reason="再改"
        )
    with pytest.raises(Conflict):
        services.annual_confirm(actor=leader, union=tree["a"], year=2023)
    fact_record(metric="members.approved", union_id=tree["a1"].pk, value=100, day=D)  # late facts
    assert services.locked_figures(tree["a"], 2023)["members.approved"] == 8
    assert AnnualReview.objects.get(union=tree["a"], year=2023).status == "locked"
    # the sibling's leader reaches nothing here
    with pytest.raises(NotFound):
        services.annual_confirm(actor=leader, union=tree["b1"], year=2023)


def test_annual_pages_confirm_correct_lock(client, tree):
    leader = tree["leader"]
    client.force_login(leader)
    a1 = tree["a1"]
    assert client.post("/console/cockpit/annual/2023/confirm/", {"node": a1.pk}).status_code == 302
    resp = client.post(
        "/console/cockpit/annual/2023/correct/",
        {"node": a1.pk, "metric": "members.approved", "value": "6", "reason": "核对花名册"},
        follow=True,
    )
    assert "核对花名册" in resp.content.decode()
    resp = client.post(
        "/console/cockpit/annual/2023/correct/",
        {"node": a1.pk, "metric": "members.approved", "value": "6"},
        follow=True,
    )
    assert "请填写更正原因" in resp.content.decode()
    client.post("/console/cockpit/annual/2023/lock/", {"node": a1.pk})
    page = client.get(f"/console/cockpit/annual/2023/?node={a1.pk}").content.decode()
    assert "已锁定" in page and 'data-testid="confirm"' not in page


def test_a_bad_annual_correction_names_its_fields_and_changes_nothing(client, tree):
    client.force_login(tree["leader"])
    a1 = tree["a1"]
    assert client.post("/console/cockpit/annual/2023/confirm/", {"node": a1.pk}).status_code == 302
    before = list(AnnualFigure.objects.values_list("pk", "corrected"))
    resp = client.post(
        "/console/cockpit/annual/2023/correct/",
        {"node": a1.pk, "metric": "members.approved", "value": "六", "reason": ""},
        follow=True,
    )
    body = resp.content.decode()
    assert "更正值：更正值应为不小于0的整数。" in body and "更正原因：请填写更正原因。" in body
    assert list(AnnualFigure.objects.values_list("pk", "corrected")) == before
