from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from yugong.core.audit import AuditEvent
from yugong.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from yugong.core.facts import DailyFact
from yugong.jobs import selectors, services
from yugong.jobs.models import Intent, JobPost

from .conftest import World, make_fair, make_resume, post_fields, published_post


def _fact(metric: str) -> int:
    return sum(DailyFact.objects.filter(metric=metric).values_list("value", flat=True))


def test_post_goes_through_review_and_is_counted(world: World) -> None:
    post = services.post_create(actor=world.recruiter, employer_id=world.employer.pk, **post_fields())
    assert post.status == "draft" and post.union == world.yuzhong
    assert not selectors.search_posts(selectors.JobFilters())
    services.post_submit(actor=world.recruiter, post_id=post.pk)
    post = services.post_review(actor=world.yz_staff, post_id=post.pk, approve=True, note="")
    assert post.status == "published" and post.published and post.published_at
    assert [p.pk for p in selectors.search_posts(selectors.JobFilters())] == [post.pk]
    assert _fact("jobs.posts_published") == 1
    codes = set(AuditEvent.objects.filter(object_id=str(post.pk)).values_list("action", flat=True))
    assert {"jobs.post_create", "jobs.post_submit", "jobs.post_approve"} <= codes


def test_reject_needs_a_reason_and_the_post_can_be_resubmitted(world: World) -> None:
    post = services.post_create(actor=world.recruiter, employer_id=world.employer.pk, **post_fields())
    services.post_submit(actor=world.recruiter, post_id=post.pk)
    with pytest.raises(ValidationFailed) as exc:
        services.post_review(actor=world.yz_staff, post_id=post.pk, approve=False, note="")
    assert "note" in exc.value.fields
    post = services.post_review(actor=world.yz_staff, post_id=post.pk, approve=False, note="请写明工作时间")
    assert post.status == "rejected"
    services.post_update(actor=world.recruiter, post_id=post.pk, description="做六休一，每天8小时。")
    assert services.post_submit(actor=world.recruiter, post_id=post.pk).status == "pending"


def test_review_is_scoped_to_the_subtree(world: World) -> None:
    post = services.post_create(actor=world.recruiter, employer_id=world.employer.pk, **post_fields())
    services.post_submit(actor=world.recruiter, post_id=post.pk)
    with pytest.raises(NotFound):
        services.post_review(actor=world.jb_staff, post_id=post.pk, approve=True)
    with pytest.raises(NotFound):
        services.post_review(actor=world.recruiter, post_id=post.pk, approve=True)
    # The city sees every district's posts.
    assert services.post_review(actor=world.city_staff, post_id=post.pk, approve=True).published
    assert list(selectors.staff_posts(world.jb_staff)) == []


def test_viewer_cannot_review(world: World) -> None:
    from tests.helpers import UserFactory, grant

    viewer = UserFactory()
    grant(viewer, world.yuzhong, "viewer")
    post = services.post_create(actor=world.recruiter, employer_id=world.employer.pk, **post_fields())
    services.post_submit(actor=world.recruiter, post_id=post.pk)
    with pytest.raises(PermissionDenied):
        services.post_review(actor=viewer, post_id=post.pk, approve=True)


def test_recruiter_reaches_only_their_employer(world: World) -> None:
    with pytest.raises(NotFound):
        services.post_create(actor=world.other_recruiter, employer_id=world.employer.pk, **post_fields())
    post = services.post_create(actor=world.recruiter, employer_id=world.employer.pk, **post_fields())
    with pytest.raises(NotFound):
        services.post_update(actor=world.other_recruiter, post_id=post.pk, title="改名")
    with pytest.raises(NotFound):
        services.post_submit(actor=world.worker, post_id=post.pk)


def test_removed_recruiter_loses_access(world: World) -> None:
    row = services.recruiter_add(
        actor=world.yz_staff, employer_id=world.employer.pk, login=world.worker.username
    )
    services.recruiter_remove(actor=world.yz_staff, recruiter_id=row.pk)
    world.worker.refresh_from_db()
    with pytest.raises(NotFound):
        services.post_create(actor=world.worker, employer_id=world.employer.pk, **post_fields())
    with pytest.raises(NotFound):
        services.recruiter_add(actor=world.jb_staff, employer_id=world.employer.pk, login="13800138000")


@pytest.mark.parametrize(
    ("fields", "bad"),
    [
        ({"title": ""}, "title"),
        ({"pay_min_fen": 900_000, "pay_max_fen": 600_000}, "pay_max_fen"),
        ({"pay_min_fen": "６０００"}, "pay_min_fen"),
        ({"openings": 0}, "openings"),
        ({"district": ""}, "district"),
        ({"employment_type": "slave"}, "employment_type"),
        ({"occupation_code": "9-99"}, "occupation_code"),
        ({"valid_through": dt.date(2000, 1, 1)}, "valid_through"),
    ],
)
def test_bad_post_fields_name_the_field(world: World, fields: dict[str, Any], bad: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        services.post_create(actor=world.recruiter, employer_id=world.employer.pk, **post_fields(**fields))
    assert bad in exc.value.fields
    assert not JobPost.objects.exists()


def test_discriminatory_post_cannot_be_submitted(world: World) -> None:
    post = services.post_create(
        actor=world.recruiter, employer_id=world.employer.pk, **post_fields(requirements="限男性，35岁以下")
    )
    with pytest.raises(ValidationFailed) as exc:
        services.post_submit(actor=world.recruiter, post_id=post.pk)
    messages = " ".join(str(m) for m in exc.value.fields["requirements"])
    assert "限男性" in messages and "35岁以下" in messages
    post.refresh_from_db()
    assert post.status == "draft"


def test_editing_a_published_post_returns_it_to_review(world: World) -> None:
    post = published_post(world)
    post = services.post_update(actor=world.recruiter, post_id=post.pk, title="数控车床操作工（夜班）")
    assert post.status == "pending" and not post.published


def test_intent_flow_masks_the_phone_until_shared(world: World) -> None:
    post = published_post(world)
    resume = make_resume(world.worker)
    assert resume.phone_masked == "138****8000"
    intent = services.intent_send(
        actor=world.worker, post_id=post.pk, resume_id=resume.pk, message="可随时到岗"
    )
    assert _fact("jobs.intents") == 1
    with pytest.raises(Conflict):
        services.intent_send(actor=world.worker, post_id=post.pk, resume_id=resume.pk)
    with pytest.raises(Conflict):
        services.intent_contact_view(actor=world.recruiter, intent_id=intent.pk)
    with pytest.raises(NotFound):
        services.intent_decide(actor=world.other_recruiter, intent_id=intent.pk, agree=True)
    services.intent_decide(actor=world.recruiter, intent_id=intent.pk, agree=True, note="周一面试")
    intent.refresh_from_db()
    assert intent.status == "agreed" and not intent.contact_shared
    services.intent_confirm(actor=world.worker, intent_id=intent.pk)
    intent.refresh_from_db()
    assert intent.status == "confirmed" and intent.contact_shared
    assert _fact("jobs.intents_confirmed") == 1
    before = AuditEvent.objects.filter(action="pii.view").count()
    assert services.intent_contact_view(actor=world.recruiter, intent_id=intent.pk) == "13800138000"
    assert AuditEvent.objects.filter(action="pii.view").count() == before + 1


def test_worker_cannot_confirm_before_the_employer_agrees_nor_act_on_others(world: World) -> None:
    from tests.helpers import UserFactory

    post = published_post(world)
    intent = services.intent_send(actor=world.worker, post_id=post.pk, resume_id=make_resume(world.worker).pk)
    with pytest.raises(Conflict):
        services.intent_confirm(actor=world.worker, intent_id=intent.pk)
    stranger = UserFactory()
    with pytest.raises(NotFound):
        services.intent_withdraw(actor=stranger, intent_id=intent.pk)
    with pytest.raises(ValidationFailed):
        services.intent_send(actor=stranger, post_id=post.pk, resume_id=intent.resume_id)


def test_withdrawn_intent_may_be_sent_again_and_employer_no_longer_sees_it(world: World) -> None:
    post = published_post(world)
    resume = make_resume(world.worker)
    intent = services.intent_send(actor=world.worker, post_id=post.pk, resume_id=resume.pk)
    services.intent_withdraw(actor=world.worker, intent_id=intent.pk)
    assert not selectors.employer_intents(world.employer).exists()
    again = services.intent_send(actor=world.worker, post_id=post.pk, resume_id=resume.pk)
    assert again.pk != intent.pk
    assert Intent.objects.filter(post=post).count() == 2


def test_intent_needs_a_published_post(world: World) -> None:
    post = services.post_create(actor=world.recruiter, employer_id=world.employer.pk, **post_fields())
    resume = make_resume(world.worker)
    with pytest.raises(NotFound):
        services.intent_send(actor=world.worker, post_id=post.pk, resume_id=resume.pk)


def test_resume_phone_is_checked_and_encrypted(world: World) -> None:
    with pytest.raises(ValidationFailed) as exc:
        make_resume(world.worker, phone="12345")
    assert "phone" in exc.value.fields
    resume = make_resume(world.worker, phone="+86 139 1234 5678")
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM jobs_resume WHERE id = %s", [resume.pk])
        stored = cursor.fetchone()[0]
    assert "13912345678" not in stored


def test_fairs_booths_and_posts_at_a_fair(world: World) -> None:
    with pytest.raises(ValidationFailed) as exc:
        make_fair(world, kind="live", stream_url="")
    assert "stream_url" in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:
        make_fair(world, venue="")
    assert "venue" in exc.value.fields
    fair = make_fair(world, kind="live")
    with pytest.raises(ValidationFailed) as exc:
        services.post_create(
            actor=world.recruiter, employer_id=world.employer.pk, fair_id=fair.pk, **post_fields()
        )
    assert "fair" in exc.value.fields
    services.booth_add(actor=world.yz_staff, fair_id=fair.pk, employer_id=world.employer.pk, label="A01")
    with pytest.raises(ValidationFailed):
        services.booth_add(actor=world.yz_staff, fair_id=fair.pk, employer_id=world.employer.pk)
    # An employer outside the organiser's subtree is not offered.
    with pytest.raises(ValidationFailed):
        services.booth_add(actor=world.yz_staff, fair_id=fair.pk, employer_id=world.other_employer.pk)
    with pytest.raises(NotFound):
        services.fair_publish(actor=world.jb_staff, fair_id=fair.pk)
    services.fair_publish(actor=world.yz_staff, fair_id=fair.pk)
    services.fair_publish(actor=world.yz_staff, fair_id=fair.pk)
    assert _fact("jobs.fairs") == 1
    post = services.post_create(
        actor=world.recruiter, employer_id=world.employer.pk, fair_id=fair.pk, **post_fields()
    )
    services.post_submit(actor=world.recruiter, post_id=post.pk)
    services.post_review(actor=world.yz_staff, post_id=post.pk, approve=True)
    assert [p.pk for p in selectors.search_posts(selectors.JobFilters(fair_id=fair.pk))] == [post.pk]
    assert [f.booth_count for f in selectors.public_fairs()] == [1]


def test_chinese_search_finds_posts_by_word(world: World) -> None:
    lathe = published_post(world)
    cook = published_post(
        world, title="中式烹调师", description="负责职工食堂炒菜", occupation_code="4-03-02-01"
    )
    assert [p.pk for p in selectors.search_posts(selectors.JobFilters(q="车床"))] == [lathe.pk]
    assert [p.pk for p in selectors.search_posts(selectors.JobFilters(q="食堂厨师"))] == [cook.pk]
    assert selectors.search_posts(selectors.JobFilters(q="山城机械")) != []
    assert selectors.search_posts(selectors.JobFilters(q="快递")) == []
    services.post_close(actor=world.recruiter, post_id=lathe.pk)
    assert selectors.search_posts(selectors.JobFilters(q="车床")) == []


def test_pay_filter_and_expired_posts(world: World) -> None:
    low = published_post(world, pay_min_fen=300_000, pay_max_fen=400_000)
    high = published_post(world)
    got = selectors.search_posts(selectors.JobFilters(pay_from_fen=500_000))
    assert [p.pk for p in got] == [high.pk]
    JobPost.objects.filter(pk=low.pk).update(valid_through=dt.date(2000, 1, 1))
    assert [p.pk for p in selectors.search_posts(selectors.JobFilters())] == [high.pk]
