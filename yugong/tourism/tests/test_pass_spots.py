"""Annual-pass spots (issue 12 item 8): the merchant applies, the city approves, per-entry rate, daily
limit, 川渝 tag; the worker's pass page lists the spots with search and a map; the pass pool never
goes below zero (the race is in test_concurrency)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.helpers import UserFactory, assert_max_queries, grant
from yugong.core.audit import AuditEvent
from yugong.core.errors import NotFound, PermissionDenied, ValidationFailed
from yugong.core.timeutil import local_today
from yugong.funds import ledger
from yugong.tourism.models import MerchantStaff, PassEntry, PassSpot, ReviewStatus
from yugong.tourism.services import (
    pass_batch_approve,
    pass_batch_request,
    pass_qr_token,
    pass_spot_apply,
    pass_spot_review,
    pass_spot_set_active,
    pass_verify,
)
from yugong.tourism.services.spots import pool_balance

from .factories import World, funded_line, make_member, set_pool

pytestmark = pytest.mark.django_db

TERMS = {
    "name": "白公馆",
    "region": "chongqing",
    "district": "沙坪坝区",
    "address": "歌乐山",
    "lat": "29.5720",
    "lng": "106.4280",
    "rate_fen": 1500,
    "daily_limit": 2,
}


def _issue(world: World, person_ids: list[int] | None = None) -> list:
    batch = pass_batch_request(
        actor=world.union_staff,
        union=world.company,
        year=local_today().year,
        price_fen=15000,
        person_ids=person_ids or [world.person.pk],
        budget_line=funded_line(world.company),
    )
    return pass_batch_approve(actor=world.chair, batch=batch)


def _client(user: object) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_the_merchant_applies_and_the_city_approves(world: World) -> None:
    spot = pass_spot_apply(actor=world.merchant_staff, merchant_id=world.merchant.pk, data=TERMS)
    assert spot.status == ReviewStatus.PENDING and spot.rate_fen == 1500 and spot.region == "chongqing"
    (annual_pass,) = _issue(world)
    pending = pass_verify(actor=world.merchant_staff, token=pass_qr_token(annual_pass), spot_id=spot.pk)
    assert pending.result == "denied" and "未通过审核" in pending.reason
    # Union staff of a grassroots union cannot review; outside the tree it is 404.
    with pytest.raises(NotFound):
        pass_spot_review(actor=world.union_staff, spot=spot, approve=True)
    district_staff = UserFactory()
    grant(district_staff, world.district, "staff")
    with pytest.raises(NotFound):  # the merchant is hosted by the city: outside a district's scope
        pass_spot_review(actor=district_staff, spot=spot, approve=True)
    approved = pass_spot_review(actor=world.platform, spot=spot, approve=True, rate_fen=1200, note="同意")
    assert approved.status == ReviewStatus.APPROVED and approved.rate_fen == 1200
    entry = pass_verify(actor=world.merchant_staff, token=pass_qr_token(annual_pass), spot_id=spot.pk)
    assert entry.result == "ok" and entry.rate_fen == 1200
    assert ledger.balance(ledger.merchant_payable(world.merchant.pk)) == -1200
    assert pool_balance(local_today().year) == 15000 - 1200
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"tourism.pass_spot_apply", "tourism.pass_spot_approve"} <= actions


def test_staff_below_the_city_may_not_approve(world: World) -> None:
    district_merchant_host = world.district
    world.merchant.host_union = district_merchant_host
    world.merchant.save(update_fields=["host_union"])
    spot = pass_spot_apply(actor=world.merchant_staff, merchant_id=world.merchant.pk, data=TERMS)
    district_staff = UserFactory()
    grant(district_staff, world.district, "staff")
    with pytest.raises(PermissionDenied) as err:
        pass_spot_review(actor=district_staff, spot=spot, approve=True)
    assert "市总工会" in str(err.value.message)


def test_only_the_merchants_admin_applies_and_errors_name_the_field(world: World) -> None:
    clerk = UserFactory()
    MerchantStaff.objects.create(merchant=world.merchant, user=clerk, role=MerchantStaff.Role.STAFF)
    with pytest.raises(PermissionDenied):
        pass_spot_apply(actor=clerk, merchant_id=world.merchant.pk, data=TERMS)
    with pytest.raises(NotFound):
        pass_spot_apply(actor=world.other_staff, merchant_id=world.merchant.pk, data=TERMS)
    bad = {**TERMS, "name": "", "region": "tibet", "rate_fen": -1, "lat": "91", "daily_limit": 0}
    with pytest.raises(ValidationFailed) as err:
        pass_spot_apply(actor=world.merchant_staff, merchant_id=world.merchant.pk, data=bad)
    assert set(err.value.fields) == {"name", "region", "rate_fen", "lat", "daily_limit"}
    assert not PassSpot.objects.filter(merchant=world.merchant).exists()


def test_daily_limit_pause_and_reapplication(world: World) -> None:
    spot = pass_spot_apply(actor=world.merchant_staff, merchant_id=world.merchant.pk, data=TERMS)
    pass_spot_review(actor=world.platform, spot=spot, approve=True)
    people = [world.person.pk] + [make_member(world.company)[1].pk for _ in range(2)]
    passes = _issue(world, people)
    results = [
        pass_verify(actor=world.merchant_staff, token=pass_qr_token(p), spot_id=spot.pk) for p in passes
    ]
    assert [e.result for e in results] == ["ok", "ok", "denied"]
    assert "接待已满" in results[2].reason
    pass_spot_set_active(actor=world.merchant_staff, spot=spot, active=False)
    paused = pass_verify(actor=world.merchant_staff, token=pass_qr_token(passes[2]), spot_id=spot.pk)
    assert paused.result == "denied"
    pass_spot_set_active(actor=world.merchant_staff, spot=spot, active=True)
    again = pass_spot_apply(
        actor=world.merchant_staff, merchant_id=world.merchant.pk, data={**TERMS, "rate_fen": 9000}, spot=spot
    )
    assert again.status == ReviewStatus.PENDING  # new terms: off the pass until approved again


def test_the_pool_refuses_an_entry_it_cannot_pay(world: World) -> None:
    (annual_pass,) = _issue(world)
    set_pool(annual_pass.year, world.spot.rate_fen - 1)
    entry = pass_verify(actor=world.other_staff, token=pass_qr_token(annual_pass), spot_id=world.spot.pk)
    assert entry.result == "denied" and "余额不足" in entry.reason
    assert pool_balance(annual_pass.year) == world.spot.rate_fen - 1
    assert ledger.balance(ledger.merchant_payable(world.other_merchant.pk)) == 0
    assert PassEntry.objects.filter(result="ok").count() == 0


def test_the_api_lists_applies_and_reviews(world: World) -> None:
    PassSpot.objects.create(
        merchant=world.other_merchant, name="乐山大佛", region="sichuan", rate_fen=2000, status="approved"
    )
    PassSpot.objects.create(merchant=world.other_merchant, name="待审景点", rate_fen=1, status="pending")
    worker = _client(world.worker)
    names = [s["name"] for s in worker.get("/api/v1/tourism/pass-spots").json()]
    assert "乐山大佛" in names and "天生三桥" in names and "待审景点" not in names
    sichuan = worker.get("/api/v1/tourism/pass-spots", {"region": "sichuan"}).json()
    assert [s["name"] for s in sichuan] == ["乐山大佛"] and sichuan[0]["region_label"] == "四川"
    assert [s["name"] for s in worker.get("/api/v1/tourism/pass-spots", {"q": "大佛"}).json()] == ["乐山大佛"]
    owner = _client(world.merchant_staff)
    url = f"/api/v1/tourism/merchants/{world.merchant.pk}/pass-spots"
    bad = owner.post(url, data=json.dumps({**TERMS, "name": " "}), content_type="application/json")
    assert bad.status_code == 422 and bad.json()["fields"]["name"] == ["请填写景点名称。"]
    made = owner.post(url, data=json.dumps(TERMS), content_type="application/json")
    assert made.status_code == 201 and made.json()["status"] == "pending"
    assert _client(world.other_staff).get(url).status_code == 404
    spot_id = made.json()["id"]
    review = f"/api/v1/tourism/console/pass-spots/{spot_id}/review"
    body = json.dumps({"approve": True})
    assert (
        _client(world.union_staff).post(review, data=body, content_type="application/json").status_code == 404
    )
    ok = _client(world.platform).post(review, data=body, content_type="application/json")
    assert ok.status_code == 200 and ok.json()["status"] == "approved"
    paused = owner.post(
        f"{url}/{spot_id}/active", data=json.dumps({"active": False}), content_type="application/json"
    )
    assert paused.status_code == 200 and paused.json()["active"] is False


def test_the_pages_apply_review_and_show_the_spots_on_the_worker_pass_page(world: World) -> None:
    owner = _client(world.merchant_staff)
    url = reverse("tourism:m_pass_spots", args=[world.merchant.pk])
    form = {**TERMS, "rate": "15", "rate_fen": ""}
    bad = owner.post(url, {**form, "rate": "1.234", "name": ""}).content.decode()
    assert "金额最多保留两位小数。" in bad
    assert owner.post(url, {**form, "name": ""}).content.decode().count("请填写景点名称。") >= 1
    assert owner.post(url, form).status_code == 302
    spot = PassSpot.objects.get(merchant=world.merchant)
    assert spot.rate_fen == 1500 and spot.status == "pending"
    platform = _client(world.platform)
    listing = platform.get(reverse("tourism:p_pass_spots")).content.decode()
    assert "白公馆" in listing
    platform.post(
        reverse("tourism:p_pass_spot_review", args=[spot.pk]), {"decision": "approve", "rate": "12"}
    )
    spot.refresh_from_db()
    assert spot.status == "approved" and spot.rate_fen == 1200
    _issue(world)
    worker = _client(world.worker)
    with assert_max_queries(12):
        page = worker.get(reverse("tourism:my_pass")).content.decode()
    assert "白公馆" in page and "天生三桥" in page and 'id="spot-map"' in page and "spot-points" in page
    found = worker.get(reverse("tourism:my_pass"), {"q": "白公馆"}).content.decode()
    assert "白公馆" in found and "天生三桥" not in found


def test_a_pay_in_spreads_the_years_money_over_its_rows(world: World, settings: Any) -> None:
    from yugong.tourism.models import PassPool
    from yugong.tourism.services.spots import pool_pay_in

    settings.TOURISM_PASS_POOL_SLOTS = 4
    year = local_today().year
    set_pool(year, 7)  # one row (an older database: the year's money in slot 0)
    pool_pay_in(year=year, amount_fen=10)
    rows = list(PassPool.objects.filter(year=year).order_by("slot").values_list("balance_fen", "paid_in_fen"))
    assert [b for b, _i in rows] == [5, 4, 4, 4] and sum(i for _b, i in rows) == 10
    assert pool_balance(year) == 17


def test_the_last_fen_of_a_year_is_taken_from_several_rows(world: World) -> None:
    """No single row holds the rate, the year's total does: admitted (the rule is the total), every
    row stays at or above zero; one fen fewer and it is refused."""
    from yugong.tourism.models import PassPool

    first, second = _issue(world, [world.person.pk, make_member(world.company)[1].pk])
    rate = world.spot.rate_fen
    set_pool(first.year, rate, rows=4)
    entry = pass_verify(actor=world.other_staff, token=pass_qr_token(first), spot_id=world.spot.pk)
    assert entry.result == "ok" and pool_balance(first.year) == 0
    assert not PassPool.objects.filter(balance_fen__lt=0).exists()
    set_pool(second.year, rate - 1, rows=4)
    refused = pass_verify(actor=world.other_staff, token=pass_qr_token(second), spot_id=world.spot.pk)
    assert refused.result == "denied" and "余额不足" in refused.reason
    assert pool_balance(second.year) == rate - 1
