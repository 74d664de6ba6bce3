"""The innovation demo: every step of the story is there, the demo worker has the credits, and a
second run changes nothing."""

from __future__ import annotations

import io
from typing import Any

import pytest

from yugong.innovation.models import Challenge, Proposal, Studio, StudioRating, StudioResult, Team
from yugong.learning.models import CreditEntry


@pytest.mark.django_db
def test_the_demo_shows_every_step_and_is_idempotent(django_capture_on_commit_callbacks: Any) -> None:
    from yugong.accounts import demo as accounts_demo
    from yugong.funds import demo as funds_demo
    from yugong.innovation import demo
    from yugong.members import demo as members_demo
    from yugong.orgs import demo as orgs_demo

    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        for module in (accounts_demo, orgs_demo, members_demo, funds_demo, demo):
            module.seed(out)
    rewarded = Proposal.objects.get(status="rewarded")  # paid from the union's budget line
    assert rewarded.reward_commitment is not None and rewarded.reward_commitment.status == "reserved"
    assert rewarded.reward_commitment.line.union_id == rewarded.union_id
    models = (Studio, StudioResult, StudioRating, Proposal, Challenge, Team)
    counts = {m: m.objects.count() for m in models}
    assert set(Proposal.objects.values_list("status", flat=True)) == {
        "submitted",
        "reviewing",
        "rewarded",
        "rejected",
    }
    assert set(Challenge.objects.values_list("status", flat=True)) == {"open", "completed"}
    assert set(StudioRating.objects.values_list("status", flat=True)) == {"approved", "applied"}
    refs = set(
        CreditEntry.objects.filter(
            source="innovation", account__person__user__username="w_demo_worker"
        ).values_list("evidence__ref", flat=True)
    )
    assert {r.split(":")[0] for r in refs} == {"proposal", "studio_result", "challenge"}
    with django_capture_on_commit_callbacks(execute=True):
        demo.seed(out)
    assert {m: m.objects.count() for m in models} == counts
    assert "demo innovation: 0 new" in out.getvalue()
