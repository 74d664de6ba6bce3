from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from yugong.core.errors import NotFound, PermissionDenied, ValidationFailed
from yugong.core.facts import fact_total
from yugong.core.timeutil import local_today, now
from yugong.funds import ledger
from yugong.tourism.models import AnnualPass, PassEntry
from yugong.tourism.services import (
    group_order_approve,
    group_order_request,
    pass_batch_approve,
    pass_batch_request,
    pass_qr_token,
    pass_verify,
)

from .factories import World, funded_line, make_member

pytestmark = pytest.mark.django_db


def _issue(world: World, price_fen: int = 15000) -> AnnualPass:
    batch = pass_batch_request(
        actor=world.union_staff,
        union=world.company,
        year=local_today().year,
        price_fen=price_fen,
        person_ids=[world.person.pk],
        budget_line=funded_line(world.company),
    )
    (annual_pass,) = pass_batch_approve(actor=world.chair, batch=batch)
    return annual_pass


def test_pass_price_is_capped_by_setting(world: World, settings: object) -> None:
    with pytest.raises(ValidationFailed) as err:
        pass_batch_request(
            actor=world.union_staff,
            union=world.company,
            year=2030,
            price_fen=20001,
            person_ids=[world.person.pk],
            budget_line=funded_line(world.company),
        )
    assert "200" in str(err.value.fields["price_fen"][0])
    settings.ANNUAL_PASS_CAP_FEN = 30000  # type: ignore[attr-defined]
    pass_batch_request(
        actor=world.union_staff,
        union=world.company,
        year=2030,
        price_fen=25000,
        person_ids=[world.person.pk],
        budget_line=funded_line(world.company),
    )


def test_pass_batch_needs_the_chair_and_members_of_the_union(world: World) -> None:
    outsider, outsider_person = make_member(world.other)
    with pytest.raises(ValidationFailed):
        pass_batch_request(
            actor=world.union_staff,
            union=world.company,
            year=2030,
            price_fen=100,
            person_ids=[outsider_person.pk],
            budget_line=funded_line(world.company),
        )
    batch = pass_batch_request(
        actor=world.union_staff,
        union=world.company,
        year=2030,
        price_fen=100,
        person_ids=[world.person.pk],
        budget_line=funded_line(world.company),
    )
    with pytest.raises(PermissionDenied):
        pass_batch_approve(actor=world.union_staff, batch=batch)
    with pytest.raises(NotFound):
        pass_batch_approve(actor=world.merchant_staff, batch=batch)


def test_pass_purchase_books_union_funds_to_pool(world: World) -> None:
    _issue(world)
    assert ledger.balance(ledger.union_funds(world.company.pk)) == 15000
    assert ledger.balance(ledger.PASS_POOL) == -15000


def test_pass_verify_entry_rate_and_once_a_day(world: World) -> None:
    annual_pass = _issue(world)
    entry = pass_verify(actor=world.other_staff, token=pass_qr_token(annual_pass), spot_id=world.spot.pk)
    assert entry.result == "ok" and entry.rate_fen == 3000
    assert ledger.balance(ledger.merchant_payable(world.other_merchant.pk)) == -3000
    again = pass_verify(actor=world.other_staff, token=pass_qr_token(annual_pass), spot_id=world.spot.pk)
    assert again.result == "denied" and "每日限一次" in again.reason
    assert PassEntry.objects.count() == 2  # every verification is logged
    assert fact_total(metric="tourism.entries", dim="pass") == 1
    assert ledger.trial_balance() == 0


def test_pass_qr_expires_after_60_seconds(world: World) -> None:
    annual_pass = _issue(world)
    issued = now()
    token = pass_qr_token(annual_pass, at=issued)
    late = pass_verify(
        actor=world.other_staff, token=token, spot_id=world.spot.pk, at=issued + dt.timedelta(seconds=61)
    )
    assert late.result == "denied" and "过期" in late.reason
    with time_machine.travel(issued + dt.timedelta(seconds=59)):
        fresh = pass_verify(actor=world.other_staff, token=token, spot_id=world.spot.pk)
    assert fresh.result == "ok"


def test_pass_qr_cannot_be_forged_or_redated(world: World) -> None:
    annual_pass = _issue(world)
    prefix, pid, ts, sig = pass_qr_token(annual_pass).split(".")
    redated = f"{prefix}.{pid}.{int(ts) + 30}.{sig}"
    assert pass_verify(actor=world.other_staff, token=redated, spot_id=world.spot.pk).reason == "二维码无效。"
    assert pass_verify(actor=world.other_staff, token="garbage", spot_id=world.spot.pk).result == "denied"


def test_pass_blackout_dates_and_other_merchants_spot(world: World) -> None:
    annual_pass = _issue(world)
    world.spot.blackout_dates = [local_today().isoformat()]
    world.spot.save()
    entry = pass_verify(actor=world.other_staff, token=pass_qr_token(annual_pass), spot_id=world.spot.pk)
    assert entry.result == "denied" and "不可用" in entry.reason
    with pytest.raises(NotFound):
        pass_verify(actor=world.merchant_staff, token=pass_qr_token(annual_pass), spot_id=world.spot.pk)


def test_group_order_chair_approves_and_members_get_tickets(world: World) -> None:
    other_worker, other_person = make_member(world.company, name="李工")
    group = group_order_request(
        actor=world.union_staff,
        union=world.company,
        session=world.session,
        activity="七一主题党日",
        seats=4,
        attendee_ids=[world.person.pk, other_person.pk],
        budget_line=funded_line(world.company),
    )
    with pytest.raises(PermissionDenied):
        group_order_approve(actor=world.union_staff, group=group)
    order = group_order_approve(actor=world.chair, group=group)
    assert order.status == "paid" and order.amount_fen == 32000
    world.session.refresh_from_db()
    assert world.session.sold == 4 and world.session.remaining == 6
    holders = list(order.tickets.order_by("seq").values_list("holder_user_id", flat=True))
    assert holders[:2] == [world.worker.pk, other_worker.pk]
    assert ledger.balance(ledger.union_funds(world.company.pk)) == 32000


def test_whole_session(world: World) -> None:
    group = group_order_request(
        actor=world.union_staff,
        union=world.company,
        session=world.session,
        activity="包场",
        whole_session=True,
        budget_line=funded_line(world.company),
    )
    order = group_order_approve(actor=world.chair, group=group)
    world.session.refresh_from_db()
    assert order.quantity == 10 and world.session.remaining == 0 and world.session.sold == 10
