from __future__ import annotations

import io

import pytest

from yugong.events.models import Activity, SignUp
from yugong.events.verify import verify


@pytest.mark.django_db
def test_demo_shows_every_state_verifiably_and_is_idempotent() -> None:
    from yugong.accounts import demo as accounts_demo
    from yugong.events import demo
    from yugong.members import demo as members_demo
    from yugong.orgs import demo as orgs_demo

    out = io.StringIO()
    accounts_demo.seed(out)
    orgs_demo.seed(out)
    members_demo.seed(out)
    demo.seed(out)
    counts = (Activity.objects.count(), SignUp.objects.count())
    demo.seed(out)
    assert (Activity.objects.count(), SignUp.objects.count()) == counts
    by_kind = {a.kind: a for a in Activity.objects.all()}
    assert by_kind["sports"].status == "open" and by_kind["sports"].quotas.count() == 3
    for kind in ("reading", "culture", "fitness", "contest"):
        activity = by_kind[kind]
        assert activity.status == "drawn"
        check = verify(activity, activity.seed)
        assert check.ok and check.recorded
    today = by_kind["culture"].signups
    assert today.filter(person__user__username="w_demo_worker", status="won").exists()
    assert today.filter(checked_in_at__isnull=False).exists()
    assert by_kind["fitness"].signups.filter(no_show=True).exists()
    assert by_kind["fitness"].survey_questions.count() == 3
    assert set(by_kind["contest"].works.values_list("status", flat=True)) == {"published", "pending"}
