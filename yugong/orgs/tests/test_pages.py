from __future__ import annotations

import shutil
import subprocess
from typing import Any

import pytest

from tests.helpers import UserFactory, assert_max_queries, grant, make_union
from yugong.accounts.system import system_actor
from yugong.orgs import extensions, services
from yugong.orgs.models import Employer, Union, UnionEvent

from .authz import uscc

pytestmark = pytest.mark.django_db


@pytest.fixture
def chair_client(client: Any, city: Union) -> Any:
    user = UserFactory(is_staff=True)
    grant(user, city, "chair")
    client.force_login(user)
    client.user = user
    return client


def _grow(city: Union, n: int, start: int) -> Union:
    district = make_union(city, kind="district")
    for i in range(n):
        child = make_union(district)
        Employer.objects.create(
            name=f"单位{start + i}", uscc=uscc(start + i), union=child, managing_union=district
        )
        services.union_update(actor=system_actor(), union=child, district="甲区")
    return district


@pytest.mark.parametrize("size", [3, 30])
def test_union_page_queries_flat(chair_client: Any, city: Union, size: int) -> None:
    district = _grow(city, size, size * 100)
    with assert_max_queries(14):
        response = chair_client.get(f"/orgs/unions/{district.pk}/")
    assert response.status_code == 200
    assert response.context["counts"]["children"] == size
    assert response.context["counts"]["employers"] == size


@pytest.mark.parametrize("size", [3, 30])
def test_tree_and_children_queries_flat(chair_client: Any, city: Union, size: int) -> None:
    district = _grow(city, size, size * 1000)
    with assert_max_queries(8):
        assert chair_client.get("/orgs/").status_code == 200
    with assert_max_queries(8):
        response = chair_client.get(f"/orgs/tree/{district.pk}/children/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and response.content.count(b"yg-tree-node") == size
    with assert_max_queries(8):
        assert chair_client.get("/orgs/?q=测试").status_code == 200


@pytest.mark.parametrize("size", [3, 30])
def test_employer_list_queries_flat(chair_client: Any, city: Union, size: int) -> None:
    _grow(city, size, size * 10000)
    with assert_max_queries(9):
        response = chair_client.get("/orgs/employers/")
    assert response.status_code == 200 and len(response.context["page"].object_list) == size


def test_create_child_shows_chinese_errors(chair_client: Any, city: Union) -> None:
    response = chair_client.post(
        f"/orgs/unions/{city.pk}/children/new/",
        {"name": "新工会", "code": "NEW-0", "kind": "grassroots", "uscc": "91500103000000001X"},
    )
    assert response.status_code == 422
    assert "校验位" in response.context["form"].errors["uscc"][0]
    response = chair_client.post(
        f"/orgs/unions/{city.pk}/children/new/", {"name": "新工会", "code": city.code, "kind": "grassroots"}
    )
    assert response.status_code == 422 and "code" in response.context["form"].errors
    response = chair_client.post(
        f"/orgs/unions/{city.pk}/children/new/", {"name": "新工会", "code": "NEW-1", "kind": "grassroots"}
    )
    assert response.status_code == 302
    assert Union.objects.get(code="NEW-1").parent_id == city.pk


def test_move_merge_close_pages(chair_client: Any, city: Union) -> None:
    a = make_union(city, kind="district")
    b = make_union(city, kind="district")
    a1 = make_union(a)
    response = chair_client.post(f"/orgs/unions/{a1.pk}/move/", {"new_parent": a1.pk})
    assert response.status_code == 422 and "new_parent" in response.context["form"].errors
    assert chair_client.post(f"/orgs/unions/{a1.pk}/move/", {"new_parent": b.pk}).status_code == 302
    response = chair_client.post(f"/orgs/unions/{a.pk}/merge/", {"into": b.pk})  # not confirmed
    assert response.status_code == 422
    assert (
        chair_client.post(f"/orgs/unions/{a.pk}/merge/", {"into": b.pk, "confirm": "on"}).status_code == 302
    )
    assert Union.objects.get(pk=a.pk).status == "merged"
    response = chair_client.post(f"/orgs/unions/{b.pk}/close/", {"reason": "撤并", "confirm": "on"})
    assert response.status_code == 422 and "下级" in str(response.context["form"].non_field_errors())
    page = chair_client.get(f"/orgs/unions/{a1.pk}/")
    assert "调整隶属关系" in page.content.decode()
    assert UnionEvent.objects.filter(union=a1, kind="moved").count() == 1


def test_union_panels_from_other_apps(chair_client: Any, city: Union) -> None:
    def panel(request: Any, union: Union) -> dict[str, Any]:
        return {"title": "会员", "rows": [("会员总数", 42)]}

    extensions.register_union_panel(panel)
    try:
        content = chair_client.get(f"/orgs/unions/{city.pk}/").content.decode()
    finally:
        extensions.unregister(panel)
    assert "会员总数" in content and "42" in content


def test_join_qr_codes_and_poster(chair_client: Any, city: Union) -> None:
    png = chair_client.get(f"/orgs/unions/{city.pk}/join-qr.png")
    assert png.status_code == 200 and png["Content-Type"] == "image/png" and png.content[:4] == b"\x89PNG"
    svg = chair_client.get(f"/orgs/unions/{city.pk}/join-qr.svg")
    assert svg.status_code == 200 and b"<svg" in svg.content
    pdf = chair_client.get(f"/orgs/unions/{city.pk}/join-poster.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    from yugong.core.pdf import FONT_NAME, cjk_font_name

    # Text extraction needs the embedded TrueType font (the STSong-Light fallback relies on the
    # reader's CID maps, which a bare poppler may lack).
    if shutil.which("pdftotext") and cjk_font_name() == FONT_NAME:
        text = subprocess.run(
            ["pdftotext", "-", "-"], input=pdf.content, capture_output=True, check=True
        ).stdout.decode()
        assert "重庆市总工会" in text and "扫码加入工会" in text
        assert f"/join/{city.code}/" in text or "join" in text


def test_pdf_fallback_font_always_works(monkeypatch: Any) -> None:
    from yugong.core import pdf

    pdf.cjk_font_name.cache_clear()
    monkeypatch.setattr(pdf, "CANDIDATES", ())
    monkeypatch.delenv("YUGONG_CJK_FONT", raising=False)
    try:
        assert pdf.cjk_font_name() == "STSong-Light"
        from yugong.orgs.qr import join_poster_pdf

        assert join_poster_pdf(Union(name="测试工会", code="T-1")).startswith(b"%PDF")
    finally:
        pdf.cjk_font_name.cache_clear()


def test_join_url_falls_back_without_members_page(city: Union) -> None:
    from django.urls import NoReverseMatch, reverse

    from yugong.orgs.qr import join_path

    try:
        expected = reverse("members:join", kwargs={"code": city.code})
    except NoReverseMatch:
        expected = f"/join/{city.code}/"
    assert join_path(city) == expected


def test_volunteer_page_masks_phones(chair_client: Any, city: Union) -> None:
    team = services.volunteer_team_create(actor=system_actor(), union=city, name="总队", tier="general")
    services.volunteer_add(actor=system_actor(), team=team, name="张三", phone="13912345678")
    content = chair_client.get(f"/orgs/volunteers/{team.pk}/").content.decode()
    assert "139****5678" in content and "13912345678" not in content
    response = chair_client.post(
        f"/orgs/volunteers/{team.pk}/",
        {
            "form": "record",
            "volunteer": team.volunteers.get().pk,
            "served_on": "2025-01-01",
            "hours": "2",
            "description": "值守",
        },
    )
    assert response.status_code == 302
    assert chair_client.get("/orgs/volunteers/").context["teams"][0].total_minutes == 120


def test_home_rating_page(chair_client: Any, city: Union) -> None:
    response = chair_client.post(
        "/orgs/home-ratings/new/", {"union": city.pk, "level": "city", "kind": "home", "year": 2024}
    )
    assert response.status_code == 302
    response = chair_client.post(
        "/orgs/home-ratings/new/", {"union": city.pk, "level": "city", "kind": "home", "year": 2024}
    )
    assert response.status_code == 422
    assert len(chair_client.get("/orgs/home-ratings/?year=2024&level=city").context["page"].object_list) == 1
    assert len(chair_client.get("/orgs/home-ratings/?year=2023").context["page"].object_list) == 0


def test_roles_page_grant_and_revoke(chair_client: Any, city: Union) -> None:
    target = UserFactory(is_staff=True, username="new_staff")
    response = chair_client.post("/orgs/roles/", {"username": "new_staff", "union": city.pk, "role": "staff"})
    assert response.status_code == 302
    assignment = target.union_roles.get()
    assert chair_client.post(f"/orgs/roles/{assignment.pk}/revoke/").status_code == 302
    assignment.refresh_from_db()
    assert not assignment.active
    response = chair_client.post("/orgs/roles/", {"username": "nobody", "union": city.pk, "role": "staff"})
    assert response.status_code == 422 and "username" in response.context["form"].errors
