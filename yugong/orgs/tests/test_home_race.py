"""Two reviewers of the same level deciding one application at once (real threads on PostgreSQL):
one decision. The control decides without the version condition and records two."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import requires_postgres
from tests.race import race
from yugong.core.errors import Conflict
from yugong.orgs import services
from yugong.orgs.models import HomeApplication, HomeReview
from yugong.orgs.services import homes

from .test_home_workflow import build, scored

pytestmark = [requires_postgres, pytest.mark.django_db(transaction=True)]


def _two_reviewers_decide(decisions: tuple[str, str]) -> tuple[list[Any], HomeApplication]:
    h = build()
    app = services.home_application_submit(actor=h.factory_staff, application_id=scored(h).pk)
    reviewers = [h.district_staff, h.district_staff2]
    version = app.version  # both reviewers opened the page at the same version

    def decide(i: int) -> HomeApplication:
        return services.home_application_decide(
            actor=reviewers[i],
            application_id=app.pk,
            version=version,
            decision=decisions[i],
            score=80,
            note="意见",
        )

    return race(2, decide), app


def test_two_reviewers_at_once_give_one_decision() -> None:
    results, app = _two_reviewers_decide(("pass", "reject"))
    won = [r for r in results if isinstance(r, HomeApplication)]
    lost = [r for r in results if isinstance(r, Exception)]
    assert len(won) == 1 and len(lost) == 1, results
    assert isinstance(lost[0], Conflict) and lost[0].code == "already_decided"
    assert HomeReview.objects.filter(application=app).count() == 1
    final = HomeApplication.objects.get(pk=app.pk)
    review = HomeReview.objects.get(application=app)
    # The application's state is the one decision recorded.
    assert (final.status, final.stage) == (
        ("reviewing", "city") if review.decision == "pass" else ("rejected", "")
    )


def test_control_without_the_version_condition_both_decide(monkeypatch: Any) -> None:
    """CONTROL: without the conditional UPDATE both reviewers' decisions are written, the history
    shows two contradicting decisions at one level, and the state is whichever wrote last."""
    monkeypatch.setattr(homes, "_UNGUARDED_DECISION", True)
    results, app = _two_reviewers_decide(("pass", "reject"))
    assert all(isinstance(r, HomeApplication) for r in results), results
    assert HomeReview.objects.filter(application=app, stage="district").count() == 2
