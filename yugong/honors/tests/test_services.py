"""Honours services: quotas, the review up the tree, the 公示 through news, objections, the award
(honours, the register, news, facts, credits through an event), the register and talks."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.utils.timezone import now

from yugong.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from yugong.core.models import AuditEvent, DailyFact
from yugong.honors import services
from yugong.honors.models import Honour, Laureate, Nomination, Quota, Round, Talk
from yugong.learning.models import CreditEntry, Outcome
from yugong.news.models import Article

from .conftest import Tree, honour_kind, make_round

pytestmark = pytest.mark.django_db


def nominate(tree: Tree, r: Round, person: Any = None, union: Any = None, **kw: Any) -> Nomination:
    union = union or tree.store
    return services.nomination_submit(
        actor=tree.store_staff if union == tree.store else tree.jb_staff,
        round=r,
        union=union,
        id_number=(person or tree.person).id_number,
        deeds=kw.pop("deeds", "三十年如一日扎根一线，带徒百余人。"),
        **kw,
    )


def up_to_approved(tree: Tree, n: Nomination) -> Nomination:
    services.nomination_review(actor=tree.yz_staff, nomination=n, approve=True, note="同意上报")
    return services.nomination_review(actor=tree.city_staff, nomination=n, approve=True)


def test_the_whole_journey_awards_publishes_and_credits(
    tree: Tree, django_capture_on_commit_callbacks: Any
) -> None:
    r = make_round(tree)
    services.quota_set(actor=tree.city_staff, round=r, union=tree.yuzhong, places=2)
    n = nominate(tree, r)
    assert (n.status, n.level_union) == (Nomination.Status.REVIEWING, tree.yuzhong)
    assert n.nominee == "王师傅" and Quota.objects.get(round=r).used == 1
    services.nomination_review(actor=tree.yz_staff, nomination=n, approve=True, note="同意上报")
    n.refresh_from_db()
    assert n.level_union == tree.city and n.status == Nomination.Status.REVIEWING
    services.nomination_review(actor=tree.city_staff, nomination=n, approve=True)
    n.refresh_from_db()
    assert n.status == Nomination.Status.APPROVED

    services.notice_publish(actor=tree.city_staff, round=r, working_days=5)
    r.refresh_from_db()
    n.refresh_from_db()
    assert r.status == Round.Status.NOTICE and n.status == Nomination.Status.NOTICE
    notice = Article.objects.get(pk=r.notice_article_id)
    assert notice.kind == Article.Kind.PUBLICITY and notice.status == "published"
    assert "王师傅" in notice.body_html

    with pytest.raises(Conflict):  # the notice runs
        services.round_award(actor=tree.city_staff, round=r)
    assert r.notice_ends_at is not None
    with (
        time_machine.travel(r.notice_ends_at + dt.timedelta(minutes=1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.round_award(actor=tree.city_staff, round=r)
    r.refresh_from_db()
    n.refresh_from_db()
    assert r.status == Round.Status.AWARDED and n.status == Nomination.Status.AWARDED
    honour = Honour.objects.get(nomination=n)
    assert honour.person == tree.person and honour.year == 2026
    assert Laureate.objects.get(person=tree.person).title == "重庆五一劳动奖章获得者"
    assert Article.objects.get(pk=r.award_article_id).kind == Article.Kind.HONOUR
    assert DailyFact.objects.get(metric="honors_awarded", union_id=tree.store.pk, dim="city").value == 1
    assert DailyFact.objects.get(metric="honors_nominations", union_id=tree.store.pk, dim="city").value == 1
    # The credit bank took the honour through the event.
    outcome = Outcome.objects.get(source="honour", source_ref=f"honour:{honour.pk}")
    assert outcome.status == Outcome.Status.CREDITED and outcome.account.person == tree.person
    assert CreditEntry.objects.filter(outcome=outcome).count() == 1
    codes = set(AuditEvent.objects.filter(action__startswith="honors.").values_list("action", flat=True))
    assert {"honors.quota_set", "honors.nomination_submit", "honors.nomination_forward"} <= codes
    assert {"honors.nomination_approve", "honors.notice_publish", "honors.round_award"} <= codes


def test_the_honour_event_delivered_twice_credits_once(
    tree: Tree, django_capture_on_commit_callbacks: Any
) -> None:
    from yugong.core.events import deliver_event_now
    from yugong.core.models import DomainEvent

    r = make_round(tree)
    services.quota_set(actor=tree.city_staff, round=r, union=tree.yuzhong, places=1)
    up_to_approved(tree, nominate(tree, r))
    services.notice_publish(actor=tree.city_staff, round=r)
    r.refresh_from_db()
    assert r.notice_ends_at is not None
    with (
        time_machine.travel(r.notice_ends_at + dt.timedelta(minutes=1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.round_award(actor=tree.city_staff, round=r)
    event = DomainEvent.objects.get(kind="honors.honour_awarded")
    deliver_event_now(event.pk)
    assert CreditEntry.objects.filter(source="honour").count() == 1


def test_quota_is_taken_per_place_and_refused_when_used_up(tree: Tree) -> None:
    r = make_round(tree)
    services.quota_set(actor=tree.city_staff, round=r, union=tree.yuzhong, places=1)
    nominate(tree, r)
    with pytest.raises(Conflict, match="名额已用完"):
        nominate(tree, r, person=tree.colleague)
    # no quota for 江北 at all
    with pytest.raises(ValidationFailed) as exc:
        nominate(tree, r, person=tree.outsider, union=tree.factory)
    assert "union" in exc.value.fields
    with pytest.raises(ValidationFailed, match=""):
        services.quota_set(actor=tree.city_staff, round=r, union=tree.yuzhong, places=0)


def test_a_rejection_gives_the_place_back(tree: Tree) -> None:
    r = make_round(tree)
    services.quota_set(actor=tree.city_staff, round=r, union=tree.yuzhong, places=1)
    n = nominate(tree, r)
    with pytest.raises(ValidationFailed) as exc:  # a rejection needs a reason
        services.nomination_review(actor=tree.yz_staff, nomination=n, approve=False)
    assert "note" in exc.value.fields
    services.nomination_review(actor=tree.yz_staff, nomination=n, approve=False, note="事迹材料不实")
    assert Quota.objects.get(round=r).used == 0
    nominate(tree, r, person=tree.colleague)


def test_only_members_of_the_nominating_union_and_only_once(tree: Tree) -> None:
    r = make_round(tree)
    services.quota_set(actor=tree.city_staff, round=r, union=tree.yuzhong, places=5)
    with pytest.raises(ValidationFailed) as exc:
        nominate(tree, r, person=tree.outsider)
    assert "id_number" in exc.value.fields
    nominate(tree, r)
    with pytest.raises(ValidationFailed, match=""):
        nominate(tree, r)
    assert Quota.objects.get(round=r).used == 1


def test_a_collective_honour_takes_a_name(tree: Tree) -> None:
    r = make_round(tree, code="city-pioneer")
    services.quota_set(actor=tree.city_staff, round=r, union=tree.yuzhong, places=1)
    with pytest.raises(ValidationFailed) as exc:
        services.nomination_submit(actor=tree.store_staff, round=r, union=tree.store, deeds="事迹")
    assert "nominee" in exc.value.fields
    n = services.nomination_submit(
        actor=tree.store_staff, round=r, union=tree.store, nominee="百货配送班组", deeds="事迹"
    )
    assert n.person is None and n.work_unit == tree.store.name


def test_reviews_are_by_the_current_level_only(tree: Tree) -> None:
    r = make_round(tree)
    services.quota_set(actor=tree.city_staff, round=r, union=tree.yuzhong, places=1)
    n = nominate(tree, r)
    with pytest.raises(PermissionDenied):  # the city is not yet the reviewing level
        services.nomination_review(actor=tree.city_staff, nomination=n, approve=True)
    with pytest.raises(PermissionDenied):  # the nominating union sees it but does not review it
        services.nomination_review(actor=tree.store_staff, nomination=n, approve=True)
    with pytest.raises(NotFound):  # another district: outside
        services.nomination_review(actor=tree.jb_staff, nomination=n, approve=True)
    with pytest.raises(NotFound):
        services.nomination_submit(actor=tree.jb_staff, round=r, union=tree.store, id_number="", deeds="x")


def test_closed_rounds_take_no_nominations(tree: Tree) -> None:
    r = make_round(tree)
    services.quota_set(actor=tree.city_staff, round=r, union=tree.yuzhong, places=3)
    with time_machine.travel(r.deadline + dt.timedelta(seconds=1), tick=False), pytest.raises(Conflict):
        nominate(tree, r)


def test_objections_during_the_notice(tree: Tree) -> None:
    r = make_round(tree)
    services.quota_set(actor=tree.city_staff, round=r, union=tree.yuzhong, places=2)
    n1 = up_to_approved(tree, nominate(tree, r))
    n2 = up_to_approved(tree, nominate(tree, r, person=tree.colleague))
    with pytest.raises(Conflict):  # no 公示 yet
        services.objection_raise(actor=tree.worker, nomination=n1, reason_text="不实")
    services.notice_publish(actor=tree.city_staff, round=r)
    with pytest.raises(ValidationFailed):
        services.objection_raise(actor=tree.worker, nomination=n1, reason_text=" ")
    o1 = services.objection_raise(actor=tree.worker, nomination=n1, reason_text="此人已调离本单位两年")
    o2 = services.objection_raise(actor=tree.worker, nomination=n2, reason_text="事迹存疑")
    n1.refresh_from_db()
    assert n1.status == Nomination.Status.OBJECTED
    with pytest.raises(NotFound):  # only the organiser handles
        services.objection_handle(actor=tree.jb_staff, objection=o1, upheld=True, answer="x")
    with pytest.raises(NotFound):
        services.objection_handle(actor=tree.store_staff, objection=o1, upheld=True, answer="x")
    r.refresh_from_db()
    assert r.notice_ends_at is not None
    with time_machine.travel(r.notice_ends_at + dt.timedelta(minutes=1), tick=False):
        with pytest.raises(Conflict, match="异议"):  # open objections block the award
            services.round_award(actor=tree.city_staff, round=r)
        with pytest.raises(Conflict):  # the notice is over
            services.objection_raise(actor=tree.worker, nomination=n1, reason_text="再提")
        services.objection_handle(actor=tree.city_staff, objection=o1, upheld=True, answer="经核实属实")
        services.objection_handle(actor=tree.city_staff, objection=o2, upheld=False, answer="经核实不属实")
        with pytest.raises(Conflict):
            services.objection_handle(actor=tree.city_staff, objection=o2, upheld=True, answer="again")
        services.round_award(actor=tree.city_staff, round=r)
    n1.refresh_from_db()
    n2.refresh_from_db()
    assert (n1.status, n2.status) == (Nomination.Status.REJECTED, Nomination.Status.AWARDED)
    assert list(Honour.objects.values_list("person_id", flat=True)) == [tree.colleague.pk]
    assert DailyFact.objects.get(metric="honors_objections").value == 2


def test_notice_needs_approved_nominations_and_a_sane_period(tree: Tree) -> None:
    r = make_round(tree)
    with pytest.raises(Conflict):
        services.notice_publish(actor=tree.city_staff, round=r)
    services.quota_set(actor=tree.city_staff, round=r, union=tree.yuzhong, places=1)
    up_to_approved(tree, nominate(tree, r))
    with pytest.raises(ValidationFailed):
        services.notice_publish(actor=tree.city_staff, round=r, working_days=1)
    with pytest.raises(NotFound):
        services.notice_publish(actor=tree.store_staff, round=r)
    services.notice_publish(actor=tree.city_staff, round=r)
    with pytest.raises(Conflict):
        services.quota_set(actor=tree.city_staff, round=r, union=tree.yuzhong, places=3)


def test_round_create_validates(tree: Tree) -> None:
    kind = honour_kind("most-beautiful-worker")
    with pytest.raises(ValidationFailed) as exc:
        services.round_create(
            actor=tree.city_staff,
            union=tree.city,
            kind=kind,
            year=2026,
            title="",
            deadline=now() - dt.timedelta(1),
        )
    assert {"title", "deadline"} <= set(exc.value.fields)
    r = services.round_create(
        actor=tree.city_staff,
        union=tree.city,
        kind=kind,
        year=2026,
        title="2026年最美产业工人",
        deadline=now() + dt.timedelta(days=3),
    )
    assert r.status == Round.Status.OPEN
    with pytest.raises(ValidationFailed):
        services.round_create(
            actor=tree.city_staff, union=tree.city, kind=kind, year=2026, title="重复", deadline=r.deadline
        )
    with pytest.raises(NotFound):  # a district does not see the city's round as organiser
        services.quota_set(actor=tree.yz_staff, round=r, union=tree.store, places=1)
    with pytest.raises(NotFound):
        services.round_create(
            actor=tree.worker, union=tree.city, kind=kind, year=2027, title="x", deadline=r.deadline
        )


def test_register_and_talks(tree: Tree) -> None:
    with pytest.raises(ValidationFailed):
        services.laureate_add(
            actor=tree.store_staff, union=tree.store, id_number=tree.outsider.id_number, title="劳模"
        )
    lau = services.laureate_add(
        actor=tree.store_staff, union=tree.store, id_number=tree.person.id_number, title="重庆市劳动模范"
    )
    when = now() + dt.timedelta(days=2)
    with pytest.raises(ValidationFailed) as exc:  # not in the service corps yet
        services.talk_book(
            actor=tree.jb_staff,
            union=tree.jiangbei,
            speaker=lau,
            topic="工匠精神",
            venue="礼堂",
            scheduled_at=when,
        )
    assert "speaker" in exc.value.fields
    with pytest.raises(NotFound):
        services.laureate_set_corps(actor=tree.jb_staff, laureate=lau, in_service_corps=True)
    services.laureate_set_corps(actor=tree.store_staff, laureate=lau, in_service_corps=True)
    talk = services.talk_book(
        actor=tree.jb_staff,
        union=tree.jiangbei,
        speaker=lau,
        topic="工匠精神进车间",
        venue="长江机械厂礼堂",
        scheduled_at=when,
    )
    with pytest.raises(ValidationFailed) as exc:  # not yet held
        services.talk_deliver(actor=tree.jb_staff, talk=talk, audience=120, record="讲了三十年的坚守")
    assert "scheduled_at" in exc.value.fields
    with pytest.raises(NotFound):  # the speaker's union did not book it
        services.talk_deliver(actor=tree.yz_staff, talk=talk, audience=120, record="x")
    with time_machine.travel(when + dt.timedelta(hours=2), tick=False):
        services.talk_deliver(actor=tree.jb_staff, talk=talk, audience=120, record="讲了三十年的坚守")
    talk.refresh_from_db()
    assert talk.status == Talk.Status.DELIVERED and talk.audience == 120
    assert DailyFact.objects.get(metric="honors_talks").value == 1
    assert DailyFact.objects.get(metric="honors_talk_audience").value == 120
    with pytest.raises(Conflict):
        services.talk_cancel(actor=tree.jb_staff, talk=talk, note="重复")


def test_the_objection_rows_are_those_of_the_shared_notice_flow(tree: Tree) -> None:
    """The round's objections run through ``yugong.core.notice`` and write what they always did:
    the nomination's steps at the organiser, the audit rows with their codes, the fact; anyone
    signed in may object, nobody anonymous."""
    from django.contrib.auth.models import AnonymousUser

    from yugong.core.notice import ObjectionBase
    from yugong.honors.models import NominationStep, Objection
    from yugong.honors.services.nominations import NOMINATION_NOTICE

    assert issubclass(Objection, ObjectionBase) and NOMINATION_NOTICE.objection_model is Objection
    r = make_round(tree)
    services.quota_set(actor=tree.city_staff, round=r, union=tree.yuzhong, places=1)
    n = up_to_approved(tree, nominate(tree, r))
    with pytest.raises(Conflict, match="该推荐对象不在公示期内"):
        services.objection_raise(actor=tree.worker, nomination=n, reason_text="不实")
    services.notice_publish(actor=tree.city_staff, round=r)
    with pytest.raises(PermissionDenied):
        services.objection_raise(actor=AnonymousUser(), nomination=n, reason_text="不实")
    o = services.objection_raise(actor=tree.worker, nomination=n.pk, reason_text="事迹 存疑")
    step = NominationStep.objects.get(nomination=n, kind="objection")
    assert (step.union_id, step.note, step.actor_id) == (r.union_id, "", tree.worker.pk)
    raised = AuditEvent.objects.get(action="honors.objection_raise")
    assert (raised.object_id, raised.union_id) == (str(o.pk), r.union_id)
    assert raised.changes == {"status": ["notice", "objected"]}
    services.objection_handle(actor=tree.city_staff, objection=o, upheld=True, answer="经核实属实")
    handled = NominationStep.objects.get(nomination=n, kind="objection_handled")
    assert handled.note == "经核实属实"
    assert NominationStep.objects.get(nomination=n, kind="rejected").note == "经核实属实"
    assert AuditEvent.objects.get(action="honors.objection_handle").extra == {"upheld": True}
    n.refresh_from_db()
    assert n.status == Nomination.Status.REJECTED
