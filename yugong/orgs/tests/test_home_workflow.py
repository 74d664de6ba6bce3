"""职工之家 ratings as a workflow: score sheet, application with evidence, review up the tree by the
reviewing level's own staff, publication (with the news notice), re-assessment, totals by level."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.helpers import UserFactory, assert_max_queries, grant, make_union
from yugong.accounts.models import User
from yugong.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from yugong.orgs import selectors, services
from yugong.orgs.models import HomeApplication, HomeCriterion, HomeRating, HomeScoreSheet, Union
from yugong.orgs.services.homes import review_ladder

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@dataclass
class H:
    city: Union
    district: Union
    other: Union
    factory: Union
    branch: Union
    city_staff: User
    district_staff: User
    district_staff2: User
    factory_staff: User
    other_staff: User
    sheet: HomeScoreSheet


def build() -> H:
    city = make_union(None, name="重庆市总工会")
    district = make_union(city, kind="district", name="渝中区总工会")
    other = make_union(city, kind="district", name="江北区总工会")
    factory = make_union(district, kind="grassroots", name="解放碑百货工会")
    branch = make_union(factory, kind="branch", name="解放碑百货第一分工会")
    users = []
    for union in (city, district, district, factory, other):
        u = UserFactory(is_staff=True)
        grant(u, union, "staff")
        users.append(u)
    sheet = services.home_sheet_create(
        actor=users[0],
        union=city,
        name="重庆市模范职工之家评分表（2026版）",
        kind="home",
        pass_score=60,
        reassess_years=3,
        criteria=[
            ("组织健全、制度规范", 40, True),
            ("服务职工、维护权益", 40, True),
            ("职工满意度", 20, False),
        ],
    )
    return H(city, district, other, factory, branch, *users, sheet)


def pdf(name: str = "证明.pdf", body: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, body, content_type="application/pdf")


def scored(h: H, *, level: str = "city", year: int = 2026) -> HomeApplication:
    app = services.home_application_create(
        actor=h.factory_staff,
        union=h.factory,
        sheet_id=h.sheet.pk,
        level=level,
        year=year,
        summary="建家情况",
    )
    for c, value in zip(HomeCriterion.objects.filter(sheet=h.sheet), (35, 30, 18), strict=True):
        services.home_score_set(
            actor=h.factory_staff,
            application_id=app.pk,
            criterion_id=c.pk,
            score=value,
            evidence=pdf() if c.evidence_required else None,
        )
    return app


def test_sheet_errors_name_the_row() -> None:
    h = build()
    with pytest.raises(ValidationFailed) as exc:
        services.home_sheet_create(
            actor=h.city_staff, union=h.city, name="x", kind="home", pass_score=500, reassess_years=0,
            criteria=[("组织建设", 10, True), ("", 10, True), ("服务", 0, False)],
        )  # fmt: skip
    assert set(exc.value.fields) == {"criteria.2", "criteria.3", "pass_score", "reassess_years"}
    assert "第2项" in str(exc.value.fields["criteria.2"][0])


def test_ladder_follows_the_tree() -> None:
    h = build()
    assert [(s, u.name) for s, u in review_ladder(h.branch, "national")] == [
        ("grassroots", "解放碑百货工会"),
        ("district", "渝中区总工会"),
        ("city", "重庆市总工会"),
        ("national", "重庆市总工会"),
    ]
    assert [s for s, _u in review_ladder(h.factory, "city")] == ["district", "city"]
    with pytest.raises(ValidationFailed):  # no grassroots union above a grassroots union
        review_ladder(h.factory, "grassroots")


def test_submit_needs_every_score_and_required_evidence() -> None:
    h = build()
    app = services.home_application_create(
        actor=h.factory_staff, union=h.factory, sheet_id=h.sheet.pk, level="district", year=2026
    )
    first, second, _third = HomeCriterion.objects.filter(sheet=h.sheet)
    with pytest.raises(ValidationFailed) as too_high:
        services.home_score_set(actor=h.factory_staff, application_id=app.pk, criterion_id=first.pk, score=41)
    assert "score" in too_high.value.fields
    with pytest.raises(ValidationFailed) as bad_file:
        services.home_score_set(
            actor=h.factory_staff, application_id=app.pk, criterion_id=first.pk, score=30,
            evidence=pdf("x.pdf", b"MZ\x90\x00not a pdf"),
        )  # fmt: skip
    assert "evidence" in bad_file.value.fields
    with pytest.raises(ValidationFailed):
        services.home_score_set(
            actor=h.factory_staff, application_id=app.pk, criterion_id=first.pk, score=30,
            evidence=SimpleUploadedFile("x.exe", b"MZ"),
        )  # fmt: skip
    services.home_score_set(actor=h.factory_staff, application_id=app.pk, criterion_id=first.pk, score=30)
    with pytest.raises(ValidationFailed) as exc:
        services.home_application_submit(actor=h.factory_staff, application_id=app.pk)
    assert set(exc.value.fields) == {"criterion.1", "criterion.2", "criterion.3"}
    assert "佐证材料" in str(exc.value.fields["criterion.1"][0])
    assert "尚未评分" in str(exc.value.fields["criterion.2"][0])
    with pytest.raises(Conflict):
        services.home_application_create(
            actor=h.factory_staff, union=h.factory, sheet_id=h.sheet.pk, level="district", year=2026
        )
    assert second  # (the second criterion is the unscored one above)


def test_review_up_the_tree_by_each_levels_own_staff_then_publish(
    django_capture_on_commit_callbacks: Any,
) -> None:
    from yugong.news.models import Article

    h = build()
    app = scored(h)
    app = services.home_application_submit(actor=h.factory_staff, application_id=app.pk)
    assert (app.status, app.stage, app.reviewer, app.self_score) == ("reviewing", "district", h.district, 83)
    # The city sees the application but the district level is decided by the district's staff.
    with pytest.raises(PermissionDenied):
        services.home_application_decide(
            actor=h.city_staff, application_id=app.pk, version=app.version, decision="pass", score=80
        )
    with pytest.raises(NotFound):
        services.home_application_decide(
            actor=h.other_staff, application_id=app.pk, version=app.version, decision="pass", score=80
        )
    with pytest.raises(ValidationFailed):  # below the pass score
        services.home_application_decide(
            actor=h.district_staff, application_id=app.pk, version=app.version, decision="pass", score=50
        )
    app = services.home_application_decide(
        actor=h.district_staff, application_id=app.pk, version=app.version, decision="pass", score=80
    )
    assert (app.stage, app.reviewer) == ("city", h.city)
    with pytest.raises(NotFound):  # the district has no role at the city federation
        services.home_application_decide(
            actor=h.district_staff, application_id=app.pk, version=app.version, decision="pass", score=80
        )
    app = services.home_application_decide(
        actor=h.city_staff, application_id=app.pk, version=app.version, decision="pass", score=78
    )
    assert app.status == "approved" and app.reviews.count() == 2
    # Publication is by the naming union's own staff: the district has nothing approved at its
    # level, and staff below it cannot publish for it.
    with pytest.raises(Conflict):
        services.home_ratings_publish(actor=h.district_staff, union=h.district, level="city", year=2026)
    with pytest.raises(NotFound):
        services.home_ratings_publish(actor=h.factory_staff, union=h.district, level="city", year=2026)
    with django_capture_on_commit_callbacks(execute=True):
        ratings = services.home_ratings_publish(actor=h.city_staff, union=h.city, level="city", year=2026)
    assert [(r.union, r.level, r.year, r.reassess_year) for r in ratings] == [(h.factory, "city", 2026, 2029)]
    assert HomeApplication.objects.get(pk=app.pk).status == "published"
    notice = Article.objects.get(kind="honour")
    assert notice.union == h.city and notice.published and "解放碑百货工会" in notice.body_html
    with pytest.raises(Conflict):
        services.home_ratings_publish(actor=h.city_staff, union=h.city, level="city", year=2026)


def test_returned_application_is_edited_and_sent_again() -> None:
    h = build()
    app = services.home_application_submit(
        actor=h.factory_staff, application_id=scored(h, level="district").pk
    )
    with pytest.raises(ValidationFailed):  # a return needs a reason
        services.home_application_decide(
            actor=h.district_staff, application_id=app.pk, version=app.version, decision="return"
        )
    app = services.home_application_decide(
        actor=h.district_staff,
        application_id=app.pk,
        version=app.version,
        decision="return",
        note="补充会议记录",
    )
    assert (app.status, app.reviewer) == ("returned", None)
    services.home_application_submit(actor=h.factory_staff, application_id=app.pk)
    app.refresh_from_db()
    assert app.status == "reviewing" and app.stage == "district"


def test_reassessment_opens_once_when_due_and_totals_by_level_per_subtree() -> None:
    h = build()
    old = HomeRating.objects.create(
        union=h.factory, level="district", kind="home", year=2022, reassess_year=2025
    )
    HomeRating.objects.create(
        union=h.branch, level="grassroots", kind="small_home", year=2025, reassess_year=2028
    )
    HomeRating.objects.create(union=h.other, level="city", kind="home", year=2024, reassess_year=2027)
    assert services.home_reassessments_generate(today=dt.date(2024, 12, 31)) == 0
    assert services.home_reassessments_generate(today=dt.date(2025, 3, 1)) == 1
    assert services.home_reassessments_generate(today=dt.date(2025, 3, 2)) == 0
    again = HomeApplication.objects.get(reassessment_of=old)
    assert (again.status, again.union, again.level, again.year) == ("draft", h.factory, "district", 2025)
    district = {t["level"]: (t["home"], t["small_home"]) for t in selectors.home_totals(h.district_staff)}
    assert district == {"national": (0, 0), "city": (0, 0), "district": (1, 0), "grassroots": (0, 1)}
    city = {t["level"]: t["home"] for t in selectors.home_totals(h.city_staff)}
    assert city["city"] == 1 and city["district"] == 1
    below = selectors.home_totals(h.city_staff, union=h.other)
    assert sum(t["home"] + t["small_home"] for t in below) == 1


# --- pages -----------------------------------------------------------------------------------------


def test_pages_score_with_evidence_submit_decide_and_download(client: Client) -> None:
    h = build()
    client.force_login(h.factory_staff)
    made = client.post(
        "/orgs/homes/apply/",
        {"union": h.factory.pk, "sheet": h.sheet.pk, "level": "district", "year": "2026", "summary": "建家"},
    )
    assert made.status_code == 302, made.content.decode()[:400]
    app = HomeApplication.objects.get()
    url = f"/orgs/homes/a/{app.pk}/"
    for c in HomeCriterion.objects.filter(sheet=h.sheet):
        data: dict[str, Any] = {"form": "score", "criterion": c.pk, "score": "15"}
        if c.evidence_required:
            data["evidence"] = pdf()
        client.post(url, data)
    client.post(url, {"form": "submit"})
    app.refresh_from_db()
    assert app.status == "reviewing"
    page = client.get(url).content.decode()
    assert 'data-testid="self-total">45<' in page and 'data-testid="decide"' not in page
    score = app.scores.exclude(evidence="").first()
    assert score is not None
    evidence_url = f"/orgs/homes/a/{app.pk}/evidence/{score.pk}/"
    got = client.get(evidence_url)
    assert got.status_code == 200 and b"".join(got.streaming_content).startswith(b"%PDF")  # type: ignore[attr-defined]
    client.force_login(h.other_staff)
    assert client.get(url).status_code == 404 and client.get(evidence_url).status_code == 404
    client.force_login(h.district_staff)
    assert 'data-testid="decide"' in client.get(url).content.decode()
    client.post(url, {"form": "decision", "version": app.version, "decision": "pass", "score": "70"})
    app.refresh_from_db()
    assert app.status == "approved"
    with assert_max_queries(20):
        overview = client.get("/orgs/homes/")
    assert overview.status_code == 200 and "解放碑百货工会" in overview.content.decode()
