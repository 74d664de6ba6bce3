from __future__ import annotations

import io
from typing import Any

import pytest

from yugong.accounts import demo as accounts_demo
from yugong.orgs import demo
from yugong.orgs.models import (
    HomeApplication,
    HomeRating,
    HomeScore,
    HomeScoreSheet,
    ServiceActivity,
    ServiceRecord,
    ServiceSignup,
    VolunteerTeam,
)

pytestmark = pytest.mark.django_db


def _counts() -> tuple[int, ...]:
    models: list[Any] = [
        VolunteerTeam, ServiceActivity, ServiceSignup, ServiceRecord, HomeRating, HomeScoreSheet,
        HomeApplication, HomeScore,
    ]  # fmt: skip
    return tuple(m.objects.count() for m in models)


def test_demo_has_volunteer_teams_activities_and_a_rating_under_review(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    accounts_demo.seed(io.StringIO())
    demo.seed(io.StringIO())
    first = _counts()
    demo.seed(io.StringIO())
    assert _counts() == first  # idempotent
    assert set(VolunteerTeam.objects.values_list("specialty", flat=True)) == {
        "public_welfare",
        "caring",
        "three_entries",
    }
    assert ServiceActivity.objects.filter(status="open").count() == 3
    # 张师傅's hours from last week's activity wait for his confirmation.
    record = ServiceRecord.objects.get(volunteer__user__username="w_demo_worker")
    assert record.status == "pending" and record.minutes == 180
    app = HomeApplication.objects.get()
    assert (app.status, app.stage, app.reviewer.code if app.reviewer else None) == (
        "reviewing",
        "district",
        "CQ-YZ",
    )
    assert HomeRating.objects.count() == 2
