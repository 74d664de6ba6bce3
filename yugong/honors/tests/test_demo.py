"""The honours demo: every step of the story is there, and a second run changes nothing."""

from __future__ import annotations

import io
from typing import Any

import pytest

from yugong.honors.models import Honour, Laureate, Nomination, Objection, Quota, Round, Talk
from yugong.learning.models import CreditEntry

from .conftest import honour_kind


@pytest.mark.django_db
def test_the_demo_shows_every_step_and_is_idempotent(django_capture_on_commit_callbacks: Any) -> None:
    from yugong.accounts import demo as accounts_demo
    from yugong.honors import demo
    from yugong.members import demo as members_demo
    from yugong.orgs import demo as orgs_demo

    honour_kind("city-craftsman")  # the kinds (a transactional test may have flushed them)
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        for module in (accounts_demo, orgs_demo, members_demo, demo):
            module.seed(out)
    counts = {m: m.objects.count() for m in (Round, Quota, Nomination, Objection, Honour, Laureate, Talk)}
    statuses = set(Nomination.objects.values_list("status", flat=True))
    assert statuses >= {"reviewing", "approved", "withdrawn", "notice", "rejected", "awarded"}
    assert set(Round.objects.values_list("status", flat=True)) == {"open", "notice", "awarded"}
    assert set(Talk.objects.values_list("status", flat=True)) == {"booked", "delivered"}
    worker_honour = Honour.objects.get(person__user__username="w_demo_worker")
    assert worker_honour.kind.code == "city-craftsman"
    assert CreditEntry.objects.filter(
        source="honour", account__person__user__username="w_demo_worker"
    ).exists()
    assert Laureate.objects.filter(in_service_corps=True).count() == 3
    with django_capture_on_commit_callbacks(execute=True):
        demo.seed(out)
    assert {m: m.objects.count() for m in counts} == counts
    assert "0 new rounds, 0 new talks" in out.getvalue()
