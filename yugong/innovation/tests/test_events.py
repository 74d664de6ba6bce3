"""Innovation results reach the credit bank through events, exactly once: the same delivery run
again (a worker that crashed after the handler committed is retried), and the same result published
twice, still give one outcome and one credit row per person."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils.timezone import now

from yugong.core.events import delivery_run, event_publish
from yugong.core.models import DomainEvent, EventDelivery
from yugong.innovation import services
from yugong.learning.models import CreditEntry, Outcome

from .conftest import Tree, make_challenge, make_studio

pytestmark = pytest.mark.django_db


def _redeliver(kind: str) -> None:
    """Run every delivery of ``kind`` once more, as a retry after a lost acknowledgement would."""
    for event in DomainEvent.objects.filter(kind=kind):
        for d in EventDelivery.objects.filter(event=event):
            EventDelivery.objects.filter(pk=d.pk).update(
                status=EventDelivery.Status.PENDING, next_attempt_at=now()
            )
            assert delivery_run(d.pk)


def _adopted(tree: Tree, capture: Any) -> Any:
    p = services.proposal_submit(
        actor=tree.worker,
        category="suggestion",
        title="错峰补货",
        problem="高峰补货拥堵。",
        solution="错峰。",
    )
    services.proposal_accept(actor=tree.store_staff, proposal=p)
    with capture(execute=True):
        services.proposal_adopt(actor=tree.store_staff, proposal=p, grade="third", benefit_fen=0)
    return p


def test_an_adopted_proposal_credits_once_when_delivered_twice(
    tree: Tree, django_capture_on_commit_callbacks: Any
) -> None:
    p = _adopted(tree, django_capture_on_commit_callbacks)
    assert CreditEntry.objects.filter(source="innovation").count() == 1
    _redeliver("innovation.proposal_adopted")
    event = DomainEvent.objects.get(kind="innovation.proposal_adopted")
    with django_capture_on_commit_callbacks(execute=True):  # the same result published again
        event_publish(kind=event.kind, payload=event.payload, union_id=event.union_id)
    assert Outcome.objects.filter(source="innovation", source_ref=f"proposal:{p.pk}").count() == 1
    entry = CreditEntry.objects.get(source="innovation")
    assert entry.account.person == tree.person and entry.outcome.title == "错峰补货"


def test_a_challenge_award_and_a_studio_result_credit_each_person_once(
    tree: Tree, django_capture_on_commit_callbacks: Any
) -> None:
    c = make_challenge(tree)
    team = services.team_signup(actor=tree.worker, challenge=c, name="一组", plan="方案")
    services.team_join(actor=tree.mate, team=team)
    services.team_select(actor=tree.yz_staff, challenge=c, team_id=team.pk)
    with django_capture_on_commit_callbacks(execute=True):
        services.challenge_complete(actor=tree.yz_staff, challenge=c, result="完成", award_fen=100)
    s = make_studio(tree)
    services.studio_member_add(actor=tree.store_staff, studio=s, id_number=tree.person.id_number)
    with django_capture_on_commit_callbacks(execute=True):
        services.studio_result_record(
            actor=tree.store_staff,
            studio=s,
            title="工法",
            kind="process",
            description="新工法",
            achieved_on=now().date(),
            benefit_fen=0,
            contributor_ids=[tree.person.pk],
        )
    before = CreditEntry.objects.filter(source="innovation").count()
    assert before == 3  # two team members, one contributor
    _redeliver("innovation.challenge_awarded")
    _redeliver("innovation.result_recorded")
    assert CreditEntry.objects.filter(source="innovation").count() == before
    assert CreditEntry.objects.filter(account__person=tree.person, source="innovation").count() == 2


def test_an_event_for_nobody_is_ignored(tree: Tree, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        event_publish(
            kind="innovation.proposal_adopted",
            payload={"person_id": 10**9, "ref": "proposal:1", "title": "x"},
            union_id=tree.store.pk,
        )
        event_publish(
            kind="innovation.proposal_adopted", payload={"ref": "proposal:2"}, union_id=tree.store.pk
        )
    assert not Outcome.objects.exists()
    assert EventDelivery.objects.filter(status=EventDelivery.Status.DONE).count() == 2
