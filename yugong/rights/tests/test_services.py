"""Appeal lifecycle with frozen time: routing, clocks per stage, pauses, transfers, reopening,
follow-up before closing, facts, SMS, audit."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine

from yugong.core import sms
from yugong.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from yugong.core.facts import fact_total
from yugong.core.models import AuditEvent
from yugong.core.timeutil import SHANGHAI
from yugong.rights import selectors, services
from yugong.rights.models import Appeal, AppealEvent, HandlingStage, RoutingRule

from .conftest import Tree


def t(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def hotline(tree: Tree, **kw: Any) -> Appeal:
    data = {
        "actor": tree.operator,
        "channel": "hotline",
        "category": "wages",
        "facts": "公司拖欠三个月工资。",
        "caller_name": "张三",
        "caller_phone": "13912345678",
    }
    data.update(kw)
    return services.appeal_create(**data)


# --- Routing --------------------------------------------------------------------------------


def test_routes_to_the_employers_grassroots_union(tree: Tree) -> None:
    appeal = hotline(tree, employer=tree.employer)
    assert appeal.union == tree.store
    assert appeal.district == "渝中区" and appeal.industry == "F"
    assert appeal.number.startswith("12351-") and appeal.number.endswith("000001")


def test_routes_to_the_district_federation_without_an_employer_union(tree: Tree) -> None:
    assert hotline(tree, employer=tree.bare_employer).union == tree.jiangbei
    assert hotline(tree, employer_name="某小店", district="渝中区").union == tree.yuzhong


def test_routes_by_configurable_rules(tree: Tree) -> None:
    RoutingRule.objects.create(name="机械行业", industry="C", target=tree.machinery)
    assert hotline(tree, employer=tree.bare_employer).union == tree.machinery
    # a rule that does not override the employer's union does not apply when there is one
    RoutingRule.objects.create(name="百货类", industry="F", target=tree.machinery)
    assert hotline(tree, employer=tree.employer).union == tree.store
    RoutingRule.objects.create(
        name="渝中欠薪专班",
        category="wages",
        district="渝中区",
        target=tree.yuzhong,
        overrides_employer=True,
        priority=1,
    )
    assert hotline(tree, employer=tree.employer).union == tree.yuzhong


def test_falls_back_to_the_root(tree: Tree) -> None:
    assert hotline(tree, employer_name="外地公司", district="").union == tree.city


def test_operator_may_route_by_hand_inside_scope(tree: Tree) -> None:
    assert hotline(tree, union=tree.factory).union == tree.factory
    with pytest.raises(NotFound):
        services.appeal_create(
            actor=tree.yz_staff,
            channel="walk_in",
            category="wages",
            facts="x",
            caller_name="王",
            caller_phone="13912345678",
            union=tree.factory,
        )


def test_intake_validation_and_permissions(tree: Tree) -> None:
    with pytest.raises(ValidationFailed) as exc:
        services.appeal_create(
            actor=tree.operator, channel="hotline", category="nope", facts="", caller_phone="123"
        )
    assert {"category", "facts", "caller_phone"} <= set(exc.value.fields)
    with pytest.raises(PermissionDenied):
        services.appeal_create(
            actor=tree.worker,
            channel="hotline",
            category="wages",
            facts="x",
            caller_phone="13912345678",
            caller_name="x",
        )
    anon = hotline(tree, anonymous=True, caller_name="", caller_phone="")
    assert anon.caller_name == "" and anon.masked_caller_name == "匿名"


# --- Clocks ---------------------------------------------------------------------------------


def test_stage_clock_across_the_national_day_holiday(tree: Tree) -> None:
    with time_machine.travel(t("2026-09-30 15:00"), tick=False):
        appeal = hotline(tree, employer=tree.employer)  # grassroots: accept 8 working hours, 10 days
    stage = appeal.stage
    assert stage is not None and stage.level == "grassroots"
    # 2h on 09-30, then 10-01..10-07 off: 6h on 10-08
    assert stage.accept_due == t("2026-10-08 15:00")
    assert appeal.due_at == stage.accept_due and appeal.due_kind == "accept"
    # 10 working days: 09-30(2h), 10-08, 09, 10 (调休 Sat), 12..16, 19 → 10-19 15:00 … counted exactly:
    assert stage.conclude_due == t("2026-10-20 15:00")


def test_pause_and_resume_move_the_running_deadline(
    tree: Tree, django_capture_on_commit_callbacks: Any
) -> None:
    with time_machine.travel(t("2026-03-02 09:00"), tick=False):  # Monday
        appeal = hotline(tree, employer=tree.employer)
    with time_machine.travel(t("2026-03-02 10:00"), tick=False):
        services.appeal_accept(actor=tree.store_staff, appeal=appeal)
    appeal.refresh_from_db()
    assert appeal.due_kind == "conclude" and appeal.due_at == t("2026-03-13 17:00")  # 10 working days
    with (
        time_machine.travel(t("2026-03-03 09:00"), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.appeal_pause(actor=tree.store_staff, appeal=appeal, reason="请补充工资条")
    appeal.refresh_from_db()
    assert appeal.status == "waiting" and appeal.due_at is None
    assert "补充" in sms.outbox[-1].text
    # the worker replies a week later (5 working days paused)
    with time_machine.travel(t("2026-03-10 09:00"), tick=False):
        services.appeal_resume(actor=tree.store_staff, appeal=appeal, text="职工电话答复")
    appeal.refresh_from_db()
    assert appeal.status == "handling"
    assert appeal.due_at == t("2026-03-20 17:00")  # 9 working days left from 03-10 09:00
    stage = HandlingStage.objects.get(pk=appeal.stage_id)
    assert stage.pauses[0]["to"] is not None


def test_transfer_starts_a_separate_clock_per_level(tree: Tree) -> None:
    with time_machine.travel(t("2026-03-02 09:00"), tick=False):
        appeal = hotline(tree, employer=tree.employer)
    with time_machine.travel(t("2026-03-04 09:00"), tick=False):  # accept clock (8h) already overdue
        services.appeal_transfer(
            actor=tree.store_staff, appeal=appeal, to_union=tree.yuzhong, reason="涉及多家单位，报上级"
        )
    appeal.refresh_from_db()
    assert appeal.union == tree.yuzhong and appeal.status == "pending"
    stages = list(appeal.stages.order_by("seq"))
    assert [s.union_id for s in stages] == [tree.store.pk, tree.yuzhong.pk]
    assert stages[0].end_reason == "transferred" and stages[0].transferred_at == t("2026-03-04 09:00")
    assert stages[1].level == "district" and stages[1].accept_due == t("2026-03-04 17:00")  # fresh 8h
    ev = appeal.events.get(kind="transferred")
    assert ev.data["direction"] == "up"
    # the grassroots union no longer sees it; the district does
    with pytest.raises(NotFound):
        selectors.appeal_get(tree.store_staff, appeal.pk)
    assert selectors.appeal_get(tree.yz_staff, appeal.pk) == appeal
    # sideways to another district is allowed for the district (sibling under the same parent)
    with time_machine.travel(t("2026-03-04 10:00"), tick=False):
        services.appeal_transfer(
            actor=tree.yz_staff, appeal=appeal, to_union=tree.jiangbei, reason="单位实际在江北"
        )
    assert appeal.events.filter(kind="transferred").order_by("-id").first().data["direction"] == "sideways"  # type: ignore[union-attr]


def test_transfer_outside_reach_is_refused(tree: Tree) -> None:
    appeal = hotline(tree, employer=tree.employer)
    with pytest.raises(ValidationFailed):
        services.appeal_transfer(actor=tree.store_staff, appeal=appeal, to_union=tree.factory, reason="x")


# --- Full lifecycle -------------------------------------------------------------------------


def _conclude(tree: Tree, appeal: Appeal, actor: Any, at: str, amount: int = 0) -> None:
    with time_machine.travel(t(at), tick=False):
        if Appeal.objects.get(pk=appeal.pk).status == "pending":
            services.appeal_accept(actor=actor, appeal=appeal)
        services.appeal_conclude(
            actor=actor, appeal=appeal, outcome="协调单位补发工资", amount_recovered_fen=amount
        )


def test_lifecycle_follow_up_before_close_and_facts(
    tree: Tree, django_capture_on_commit_callbacks: Any
) -> None:
    with (
        time_machine.travel(t("2026-03-02 09:00"), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        appeal = hotline(tree, employer=tree.employer)
    _conclude(tree, appeal, tree.store_staff, "2026-03-05 10:00", amount=1_800_000)
    with pytest.raises(Conflict):
        services.appeal_close(actor=tree.store_staff, appeal=appeal)
    with django_capture_on_commit_callbacks(execute=True):
        services.appeal_follow_up(actor=tree.store_staff, appeal=appeal, result="reached", rating="satisfied")
        services.appeal_close(actor=tree.store_staff, appeal=appeal)
    appeal.refresh_from_db()
    assert (
        appeal.status == "closed"
        and appeal.rating == "satisfied"
        and appeal.amount_recovered_fen == 1_800_000
    )
    day = dt.date(2026, 3, 2)
    assert (
        fact_total(metric="appeals.created", union_ids=[tree.store.pk], start=day, dim="category:wages") == 1
    )
    assert fact_total(metric="appeals.created", dim="channel:hotline") == 1
    assert fact_total(metric="appeals.closed_on_time") == 1
    assert fact_total(metric="appeals.amount_recovered_fen") == 1_800_000
    assert fact_total(metric="appeals.rated", dim="rating:satisfied") == 1
    kinds = list(appeal.events.values_list("kind", flat=True))
    assert kinds == ["created", "routed", "accepted", "concluded", "followed_up", "rated", "closed"]
    actions = set(AuditEvent.objects.filter(object_id=str(appeal.pk)).values_list("action", flat=True))
    assert {
        "rights.appeal.create",
        "rights.appeal.accept",
        "rights.appeal.conclude",
        "rights.appeal.close",
    } <= actions
    # an SMS on the steps the worker sees, sent after commit
    texts = [m.text for m in sms.outbox if m.phone == "13912345678"]
    assert any("已登记" in x for x in texts) and any("已结案" in x for x in texts)


def test_late_conclusion_counts_late(tree: Tree) -> None:
    with time_machine.travel(t("2026-03-02 09:00"), tick=False):
        appeal = hotline(tree, employer=tree.employer)
    _conclude(tree, appeal, tree.store_staff, "2026-04-20 10:00")
    services.appeal_follow_up(actor=tree.store_staff, appeal=appeal, result="reached")
    services.appeal_close(actor=tree.store_staff, appeal=appeal)
    assert fact_total(metric="appeals.closed_late") == 1


def test_not_satisfied_reopens_for_the_level_above(tree: Tree) -> None:
    with time_machine.travel(t("2026-03-02 09:00"), tick=False):
        appeal = services.appeal_create(
            actor=tree.worker, channel="h5", category="wages", facts="欠薪", employer=tree.employer
        )
    assert appeal.caller_phone == "13800138000" and appeal.caller_user == tree.worker
    _conclude(tree, appeal, tree.store_staff, "2026-03-03 10:00")
    with time_machine.travel(t("2026-03-04 10:00"), tick=False):
        services.appeal_rate(actor=tree.worker, appeal=appeal, rating="not_satisfied", comment="只补发了一半")
    appeal.refresh_from_db()
    assert appeal.status == "pending" and appeal.union == tree.yuzhong and appeal.reopen_count == 1
    assert appeal.rating == ""
    stages = list(appeal.stages.order_by("seq"))
    assert [s.end_reason for s in stages] == ["concluded", ""] and stages[1].union == tree.yuzhong
    assert appeal.events.filter(kind="reopened").exists()
    assert fact_total(metric="appeals.rated", dim="rating:not_satisfied") == 1
    # someone else's worker cannot rate it
    other = type(tree.worker).objects.create(username="other", phone="13700000000")
    with pytest.raises(NotFound):
        services.appeal_rate(actor=other, appeal=appeal, rating="satisfied")


def test_anonymous_follow_up(tree: Tree) -> None:
    appeal = hotline(tree, anonymous=True, caller_name="", caller_phone="", employer=tree.employer)
    _conclude(tree, appeal, tree.store_staff, "2026-03-03 10:00")
    services.appeal_follow_up(actor=tree.store_staff, appeal=appeal, result="anonymous")
    services.appeal_close(actor=tree.store_staff, appeal=appeal)
    assert Appeal.objects.get(pk=appeal.pk).status == "closed"


def test_referral_and_mediation(tree: Tree) -> None:
    appeal = hotline(tree, employer=tree.employer)
    services.appeal_accept(actor=tree.store_staff, appeal=appeal, complexity="difficult")
    ref = services.appeal_refer(
        actor=tree.store_staff, appeal=appeal, kind="sichuan", agency="四川省总工会", outside_ref=""
    )
    services.referral_update(
        actor=tree.store_staff, referral=ref, status="accepted", outside_ref="川工协2026-12"
    )
    ref.refresh_from_db()
    assert ref.outside_ref == "川工协2026-12" and ref.status == "accepted"
    case = services.mediation_open(
        actor=tree.store_staff, appeal=appeal, mediator_name="王调解", applicant="张三", respondent="百货公司"
    )
    services.mediation_session_add(
        actor=tree.store_staff,
        case=case,
        held_at=dt.datetime(2026, 3, 3, 10, tzinfo=SHANGHAI),
        summary="双方到场",
    )
    services.mediation_conclude(
        actor=tree.store_staff, case=case, agreed=True, agreement="分两期支付", agreed_amount_fen=900_000
    )
    services.mediation_fulfilment_record(
        actor=tree.store_staff, case=case, fulfilment="partial", paid_amount_fen=450_000
    )
    case.refresh_from_db()
    assert case.status == "agreed" and case.paid_amount_fen == 450_000
    assert fact_total(metric="appeals.referred", dim="kind:sichuan") == 1
    stage = HandlingStage.objects.get(pk=appeal.stage_id)
    assert stage.complexity == "difficult" and stage.conclude_days == 20


# --- Access and personal data ---------------------------------------------------------------


def test_scoped_access(tree: Tree) -> None:
    a_store = hotline(tree, employer=tree.employer)
    a_jb = hotline(tree, employer=tree.bare_employer)
    assert set(selectors.appeals_visible(tree.operator)) == {a_store, a_jb}
    assert set(selectors.appeals_visible(tree.yz_staff)) == {a_store}
    assert set(selectors.appeals_visible(tree.jb_staff)) == {a_jb}
    assert list(selectors.appeals_visible(tree.worker)) == []
    with pytest.raises(NotFound):
        selectors.appeal_get(tree.yz_staff, a_jb.pk)
    with pytest.raises(NotFound):
        services.appeal_accept(actor=tree.yz_staff, appeal=a_jb)


def test_caller_history_by_blind_index(tree: Tree) -> None:
    first = hotline(tree, employer=tree.employer)
    second = hotline(tree, employer=tree.bare_employer)
    hotline(tree, caller_phone="13911112222")
    assert list(selectors.caller_history(tree.operator, "139 1234 5678")) == [second, first]
    assert list(selectors.caller_history(tree.yz_staff, "13912345678")) == [first]


def test_pii_masked_and_reveal_audited(tree: Tree) -> None:
    appeal = hotline(tree, employer=tree.employer)
    assert appeal.masked_caller_phone == "139****5678" and appeal.masked_caller_name == "张*"
    raw = Appeal.objects.filter(pk=appeal.pk).values_list("caller_phone", flat=True)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT caller_phone, caller_name FROM rights_appeal WHERE id = %s", [appeal.pk])
        stored_phone, stored_name = cursor.fetchone()
    assert "13912345678" not in stored_phone and "张三" not in stored_name
    assert raw  # decrypts through the field
    clear = services.appeal_reveal_caller(actor=tree.store_staff, appeal=appeal)
    assert clear == {"caller_name": "张三", "caller_phone": "13912345678"}
    ev = AuditEvent.objects.get(action="pii.view", object_id=str(appeal.pk))
    assert ev.actor == tree.store_staff and ev.extra["fields"] == ["caller_name", "caller_phone"]
    with pytest.raises(NotFound):
        services.appeal_reveal_caller(actor=tree.jb_staff, appeal=appeal)


def test_queues(tree: Tree) -> None:
    with time_machine.travel(t("2026-03-02 09:00"), tick=False):
        late = hotline(tree, employer=tree.employer)  # accept due 03-02 17:00
    with time_machine.travel(t("2026-03-02 16:00"), tick=False):
        soon = hotline(tree, employer=tree.bare_employer)  # district: accept due 03-03 16:00
    at = t("2026-03-03 14:00")
    assert list(selectors.appeal_queue(tree.operator, kind="overdue", at=at)) == [late]
    assert list(selectors.appeal_queue(tree.operator, kind="near", at=at)) == [soon]
    assert list(selectors.appeal_queue(tree.jb_staff, kind="overdue", at=at)) == []
    assert selectors.appeal_queue_count(tree.operator, kind="overdue", at=at) == 1


def test_attachments_checked_by_content(tree: Tree) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    png = SimpleUploadedFile("工资条.png", b"\x89PNG\r\n\x1a\n" + b"0" * 100, content_type="image/png")
    appeal = hotline(tree, attachments=[png])
    assert appeal.attachments.get().content_type == "image/png"
    fake = SimpleUploadedFile("x.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    with pytest.raises(ValidationFailed) as exc:
        hotline(tree, attachments=[fake])
    assert "attachments" in exc.value.fields
    exe = SimpleUploadedFile("x.exe", b"MZ", content_type="application/octet-stream")
    with pytest.raises(ValidationFailed):
        hotline(tree, attachments=[exe])


def test_timeline_public_only(tree: Tree) -> None:
    appeal = hotline(tree, employer=tree.employer)
    services.appeal_note(actor=tree.store_staff, appeal=appeal, text="内部：联系单位人事", public=False)
    services.appeal_note(actor=tree.store_staff, appeal=appeal, text="已联系单位", public=True)
    public = list(selectors.appeal_timeline(appeal, public_only=True).values_list("kind", "text"))
    assert ("note", "已联系单位") in public and ("note", "内部：联系单位人事") not in public
    assert AppealEvent.objects.filter(appeal=appeal).count() == 4
