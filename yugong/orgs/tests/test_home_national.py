"""全国模范职工之家: the city federation recommends a 市级 title to the ACFTU and records the national
result (conferred or not, with the document number and date). Services, who may act (city staff
at the federation itself; district staff over the union 403, others 404), pages, facts."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from tests.helpers import UserFactory, assert_max_queries, grant, requires_postgres
from yugong.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from yugong.core.events import DomainEvent
from yugong.core.facts import fact_total
from yugong.core.models import AuditEvent
from yugong.core.timeutil import local_today
from yugong.orgs import selectors, services
from yugong.orgs.models import HomeNationalNomination, HomeRating

from .test_home_workflow import H, build

pytestmark = pytest.mark.django_db


def city_title(h: H, *, year: int = 2025, kind: str = "home") -> HomeRating:
    return HomeRating.objects.create(
        union=h.factory, level="city", kind=kind, year=year, reassess_year=year + 3
    )


def recommended(h: H) -> HomeNationalNomination:
    return services.home_national_recommend(
        actor=h.city_staff, rating_id=city_title(h).pk, note="建家成效突出"
    )


def record(
    h: H, nomination: HomeNationalNomination, actor: Any = None, **kwargs: Any
) -> HomeNationalNomination:
    data: dict[str, Any] = {
        "conferred": True,
        "document_no": "总工发〔2026〕12号",
        "document_date": local_today(),
    }
    data.update(kwargs)
    return services.home_national_result_record(
        actor=actor or h.city_staff, nomination_id=nomination.pk, **data
    )


def test_the_city_recommends_a_city_title_once() -> None:
    h = build()
    nomination = recommended(h)
    assert (nomination.status, nomination.union, nomination.recommender) == ("recommended", h.factory, h.city)
    assert AuditEvent.objects.filter(action="home_rating.national_recommend").count() == 1
    assert fact_total(metric="homes.national_recommended", union_ids=[h.factory.pk]) == 1
    with pytest.raises(Conflict):
        services.home_national_recommend(actor=h.city_staff, rating_id=nomination.rating_id)
    district_title = HomeRating.objects.create(union=h.factory, level="district", kind="home", year=2025)
    with pytest.raises(ValidationFailed) as exc:
        services.home_national_recommend(actor=h.city_staff, rating_id=district_title.pk)
    assert "rating" in exc.value.fields
    with pytest.raises(NotFound):
        services.home_national_recommend(actor=h.city_staff, rating_id=999_999)


def test_only_staff_at_the_city_federation_recommend() -> None:
    h = build()
    title = city_title(h)
    with pytest.raises(PermissionDenied):  # the district sees the union, but it is not its step
        services.home_national_recommend(actor=h.district_staff, rating_id=title.pk)
    with pytest.raises(PermissionDenied):
        services.home_national_recommend(actor=h.factory_staff, rating_id=title.pk)
    with pytest.raises(NotFound):  # another district: the same answer as a missing title
        services.home_national_recommend(actor=h.other_staff, rating_id=title.pk)
    assert not HomeNationalNomination.objects.exists()


def test_conferred_result_makes_the_national_title_with_its_document(
    django_capture_on_commit_callbacks: Any,
) -> None:
    h = build()
    nomination = recommended(h)
    day = local_today()
    with django_capture_on_commit_callbacks(execute=True):
        done = record(h, nomination, document_date=day)
    assert (done.status, done.document_no, done.document_date) == ("conferred", "总工发〔2026〕12号", day)
    title = done.national_rating
    assert title is not None
    assert (title.union, title.level, title.kind, title.year) == (h.factory, "national", "home", day.year)
    assert "总工发〔2026〕12号" in title.note
    assert fact_total(metric="homes.national_conferred", union_ids=[h.factory.pk]) == 1
    assert fact_total(metric="homes.published", union_ids=[h.factory.pk], dim="national") == 1
    event = DomainEvent.objects.get(kind="orgs.home_national_result")
    assert event.payload["conferred"] is True and event.payload["document_no"] == "总工发〔2026〕12号"
    totals = {t["level"]: t["home"] for t in selectors.home_totals(h.city_staff)}
    assert totals["national"] == 1 and totals["city"] == 1
    with pytest.raises(Conflict):  # recorded once
        record(h, nomination, conferred=False)
    assert HomeRating.objects.filter(level="national").count() == 1


def test_not_conferred_is_recorded_without_a_title() -> None:
    h = build()
    nomination = recommended(h)
    done = record(h, nomination, conferred=False, note="名额所限")
    assert (done.status, done.national_rating, done.result_note) == ("not_conferred", None, "名额所限")
    assert not HomeRating.objects.filter(level="national").exists()
    assert fact_total(metric="homes.national_conferred", union_ids=[h.factory.pk]) == 0


def test_the_result_needs_the_document_number_and_a_plausible_date() -> None:
    h = build()
    nomination = recommended(h)
    with pytest.raises(ValidationFailed) as exc:
        record(h, nomination, document_no="  ", document_date="")
    assert set(exc.value.fields) == {"document_no", "document_date"}
    with pytest.raises(ValidationFailed) as future:
        record(h, nomination, document_date=local_today() + dt.timedelta(days=1))
    assert "document_date" in future.value.fields
    with pytest.raises(ValidationFailed) as early:
        record(h, nomination, document_date=dt.date(2000, 1, 1))
    assert "document_date" in early.value.fields
    with pytest.raises(ValidationFailed) as choice:
        record(h, nomination, conferred="yes")
    assert "conferred" in choice.value.fields
    assert HomeNationalNomination.objects.get(pk=nomination.pk).status == "recommended"


def test_district_staff_cannot_record_the_national_result() -> None:
    h = build()
    nomination = recommended(h)
    with pytest.raises(PermissionDenied):
        record(h, nomination, actor=h.district_staff)
    with pytest.raises(PermissionDenied):
        record(h, nomination, actor=h.factory_staff)
    with pytest.raises(NotFound):
        record(h, nomination, actor=h.other_staff)
    with pytest.raises(NotFound):
        record(h, nomination, actor=UserFactory())  # a worker
    assert HomeNationalNomination.objects.get(pk=nomination.pk).status == "recommended"


def test_national_titles_come_only_by_recommendation() -> None:
    h = build()
    with pytest.raises(ValidationFailed) as exc:
        services.home_application_create(
            actor=h.factory_staff, union=h.factory, sheet_id=h.sheet.pk, level="national", year=2026
        )
    assert "level" in exc.value.fields
    with pytest.raises(ValidationFailed):
        services.home_ratings_publish(actor=h.city_staff, union=h.city, level="national", year=2026)
    with pytest.raises(PermissionDenied):  # by hand, too, it is the city federation's to record
        services.home_rating_create(
            actor=h.district_staff, union=h.factory, level="national", kind="home", year=2020
        )
    made = services.home_rating_create(
        actor=h.city_staff, union=h.factory, level="national", kind="home", year=2020
    )
    assert made.level == "national"


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_two_clerks_recording_at_once_give_one_result() -> None:
    h = build()
    nomination = recommended(h)
    clerk2 = UserFactory(is_staff=True)
    grant(clerk2, h.city, "staff")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def go(actor: Any, conferred: bool) -> None:
        try:
            barrier.wait()
            record(h, nomination, actor=actor, conferred=conferred)
            outcomes.append("ok")
        except Conflict:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=go, args=(u, c)) for u, c in ((h.city_staff, True), (clerk2, False))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict", "ok"]
    done = HomeNationalNomination.objects.get(pk=nomination.pk)
    assert HomeRating.objects.filter(level="national").count() == (1 if done.status == "conferred" else 0)


# --- pages -----------------------------------------------------------------------------------------


def test_pages_recommend_record_and_show_the_level(client: Client) -> None:
    h = build()
    title = city_title(h)
    client.force_login(h.city_staff)
    page = client.get("/orgs/homes/national/")
    assert page.status_code == 200 and 'data-testid="recommend-form"' in page.content.decode()
    assert (
        client.post("/orgs/homes/national/recommend/", {"rating": title.pk, "note": "好"}).status_code == 302
    )
    nomination = HomeNationalNomination.objects.get()
    listed = client.get("/orgs/home-ratings/").content.decode()
    assert f'data-testid="national-{title.pk}"' in listed and "已推荐全国总工会" in listed
    # A refused result (no document number) writes nothing and says which field.
    bad = client.post(
        f"/orgs/homes/national/{nomination.pk}/result/",
        {"nomination": nomination.pk, "conferred": "1", "document_no": "", "document_date": "2026-01-01"},
        follow=True,
    )
    assert "文号" in bad.content.decode()
    assert HomeNationalNomination.objects.get().status == "recommended"
    day = local_today().isoformat()
    ok = client.post(
        f"/orgs/homes/national/{nomination.pk}/result/",
        {
            "nomination": nomination.pk,
            "conferred": "1",
            "document_no": "总工发〔2026〕7号",
            "document_date": day,
        },
    )
    assert ok.status_code == 302
    union_page = client.get(f"/orgs/unions/{h.factory.pk}/").content.decode()
    assert 'data-testid="union-home-titles"' in union_page
    assert "全国" in union_page and "总工发〔2026〕7号" in union_page
    listed = client.get("/orgs/home-ratings/?level=national").content.decode()
    assert h.factory.name in listed and "总工发〔2026〕7号" in listed


def test_pages_refuse_district_staff_403_and_others_404(client: Client) -> None:
    h = build()
    nomination = recommended(h)
    url = f"/orgs/homes/national/{nomination.pk}/result/"
    data = {
        "nomination": nomination.pk,
        "conferred": "1",
        "document_no": "x号",
        "document_date": "2026-01-01",
    }
    client.force_login(h.district_staff)
    page = client.get("/orgs/homes/national/").content.decode()
    assert h.factory.name in page and f'data-testid="result-form-{nomination.pk}"' not in page
    assert client.post(url, data).status_code == 403
    assert client.post("/orgs/homes/national/recommend/", {"rating": nomination.rating_id}).status_code == 403
    client.force_login(h.other_staff)
    assert h.factory.name not in client.get("/orgs/homes/national/").content.decode()
    assert client.post(url, data).status_code == 404
    assert HomeNationalNomination.objects.get().status == "recommended"


def test_the_national_page_stays_flat_as_rows_grow(client: Client) -> None:
    h = build()
    client.force_login(h.city_staff)

    years = iter(range(1980, 2100))

    def grow(n: int) -> None:
        for _ in range(n):
            services.home_national_recommend(actor=h.city_staff, rating_id=city_title(h, year=next(years)).pk)
            city_title(h, year=next(years))  # and one waiting to be recommended

    grow(3)
    with assert_max_queries(14):
        assert client.get("/orgs/homes/national/").status_code == 200
    grow(12)
    with assert_max_queries(14):
        assert client.get("/orgs/homes/national/").status_code == 200
