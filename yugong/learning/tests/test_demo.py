"""The learning demo with the apps seeded after it: 张师傅's innovation results and his honour,
credited through events, are converted into the college programme under its recognition
agreements (``seed_late``); a second run converts nothing twice."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import pytest
from django.db.models import Sum

from yugong.learning.conversion import programme_statement
from yugong.learning.models import ConversionRule, CreditEntry, ProgrammeCredit, RecognitionAgreement
from yugong.members.models import Person


@pytest.mark.django_db
def test_innovation_results_and_honours_convert_into_programme_credits(
    django_capture_on_commit_callbacks: Any,
) -> None:
    from yugong.accounts import demo as accounts_demo
    from yugong.honors import demo as honors_demo
    from yugong.honors.tests.conftest import honour_kind
    from yugong.innovation import demo as innovation_demo
    from yugong.learning import demo
    from yugong.members import demo as members_demo
    from yugong.orgs import demo as orgs_demo

    honour_kind("city-craftsman")
    out = io.StringIO()
    # As seed_demo runs them: each app's seed commits (its events are delivered), then seed_late.
    for module in (accounts_demo, orgs_demo, members_demo, demo, honors_demo, innovation_demo):
        with django_capture_on_commit_callbacks(execute=True):
            module.seed(out)
    with django_capture_on_commit_callbacks(execute=True):
        demo.seed_late(out)
    person = Person.objects.get(user__username="w_demo_worker")
    assert ConversionRule.objects.get(source="innovation").default_credits == Decimal(2)
    assert set(RecognitionAgreement.objects.values_list("source", flat=True)) >= {"innovation", "honour"}
    innovation = CreditEntry.objects.filter(account__person=person, source="innovation")
    assert innovation.count() >= 2 and all(e.credits > 0 for e in innovation)
    converted = ProgrammeCredit.objects.filter(account__person=person)
    by_source = {row["source"]: row["c"] for row in converted.values("source").annotate(c=Sum("credits"))}
    # innovation: ratio 1, capped at 8; honour: 5 bank credits × 1.5 = 7.5 (cap 10)
    assert by_source["innovation"] == min(Decimal(8), sum(e.credits for e in innovation))
    assert by_source["honour"] == Decimal("7.5")
    lines = programme_statement(person)
    assert lines and {r.source for r in lines[0].rows} >= {"innovation", "honour"}
    before = converted.count()
    for module in (demo, honors_demo, innovation_demo, demo):
        with django_capture_on_commit_callbacks(execute=True):
            module.seed(out)
    with django_capture_on_commit_callbacks(execute=True):
        demo.seed_late(out)
    assert ProgrammeCredit.objects.filter(account__person=person).count() == before
    assert "nothing new to convert" in out.getvalue()
