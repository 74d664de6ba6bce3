"""Browser journey on a phone (390×844): a worker finds a volunteer activity, signs up, and after
the day confirms the hours the team lead recorded; the statement shows them."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from playwright.sync_api import expect

from e2e.helpers import assert_page_healthy

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = Path("test-results")


def _sign_in(page: Any, live_server: Any, user: Any) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies["sessionid"]
    page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])


def test_worker_signs_up_for_a_volunteer_activity_and_confirms_hours(
    phone_page: Any, live_server: Any
) -> None:
    from yugong.orgs import services
    from yugong.orgs.models import ServiceActivity, ServiceRecord, ServiceSignup
    from yugong.orgs.tests.test_volunteer_service import build, make_activity

    w = build(1)
    activity = make_activity(w, capacity=3)
    worker = w.workers[0]
    warm = Client()
    warm.force_login(worker)
    warm.get("/orgs/volunteer/")

    page = phone_page
    _sign_in(page, live_server, worker)
    page.goto("/orgs/volunteer/")
    expect(page.get_by_test_id("activity")).to_have_count(1)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "volunteer-activities-390.png"), full_page=True)
    page.get_by_test_id("activity").first.tap()
    expect(page.get_by_test_id("places")).to_have_text("0/3")
    page.get_by_test_id("signup").tap()
    expect(page).to_have_url(re.compile(r"/orgs/volunteer/mine/$"))
    expect(page.get_by_test_id("signup-status")).to_have_text("已报名")
    assert_page_healthy(page)

    # The day of service: the activity began; the team lead records 2.5 hours.
    start = activity.starts_at - dt.timedelta(days=3)
    ServiceActivity.objects.filter(pk=activity.pk).update(
        starts_at=start, ends_at=start + dt.timedelta(hours=3)
    )
    signup = ServiceSignup.objects.get(user=worker)
    services.service_hours_record(actor=w.staff, signup_id=signup.pk, hours="2.5", description="家电义务维修")

    page.reload()
    expect(page.get_by_test_id("record-hours")).to_have_text("2.5")
    expect(page.get_by_test_id("record-status")).to_have_text("待确认")
    page.screenshot(path=str(SHOTS / "volunteer-mine-390.png"), full_page=True)
    page.get_by_test_id("confirm-hours").tap()
    expect(page.get_by_test_id("total-hours")).to_have_text("2.5")
    expect(page.get_by_test_id("pending-record")).to_have_count(0)
    page.get_by_test_id("statement").tap()
    expect(page.get_by_test_id("statement-hours")).to_have_text("2.5")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    assert_page_healthy(page)
    assert ServiceRecord.objects.get().status == "confirmed"
