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
    by_kind = {a.kind: a for a in Activity.objects.exclude(title=demo.READING_CAMPAIGN)}
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


@pytest.mark.django_db
def test_demo_runs_a_live_reading_campaign_and_photos_of_the_day(settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from yugong.accounts import demo as accounts_demo
    from yugong.events import demo, reading
    from yugong.members import demo as members_demo
    from yugong.orgs import demo as orgs_demo

    settings.MEDIA_ROOT = str(tmp_path)
    out = io.StringIO()
    for module in (accounts_demo, orgs_demo, members_demo, demo):
        module.seed(out)
    campaign = Activity.objects.get(title=demo.READING_CAMPAIGN)
    assert (
        campaign.status == "open"
        and campaign.books.count() == 6
        and campaign.books.filter(cover="").count() == 0
    )
    board = reading.campaign_board(campaign)
    assert len(board) >= 3 and board[0].minutes >= board[-1].minutes
    essays = campaign.works.filter(kind="essay")
    assert set(essays.values_list("status", flat=True)) == {"published", "pending"}
    photos = Activity.objects.get(title="职工文艺汇演").photos
    assert set(photos.values_list("status", flat=True)) == {"published", "pending"}
    logs = campaign.reading_logs.count()
    demo.seed(out)  # idempotent
    assert campaign.reading_logs.count() == logs and campaign.books.count() == 6
