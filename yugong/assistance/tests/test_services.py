"""The application flow: apply → review → visit → approve → 公示 → objection → active; scoping."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils.timezone import now

from yugong.assistance import services as s
from yugong.assistance.models import FileStep, HardshipFile, MinimumLivingLine
from yugong.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from yugong.core.models import AuditEvent, DailyFact
from yugong.news.models import Article

from .conftest import LINE, Tree

Status = HardshipFile.Status


def apply(tree: Tree, **kw: Any) -> HardshipFile:
    args: dict[str, Any] = {
        "actor": tree.worker,
        "person": tree.person,
        "household": [{"name": "王小明", "relation": "子", "in_school": True}],
        "incomes": [{"source": "工资", "monthly_fen": 2 * LINE - 1}],
        "costs": [{"kind": "medical", "monthly_fen": 30_000}],
        "causes": ["illness"],
        "illness_note": "尿毒症，每周透析",
        "bank_card": "6222 0200 1234 5678 901",
        "consent": True,
    }
    args.update(kw)
    return s.file_apply(**args)


def to_notice(tree: Tree) -> HardshipFile:
    f = apply(tree)
    s.file_review(actor=tree.store_staff, file=f, approve=True)
    s.file_visit(
        actor=tree.store_staff,
        file=f,
        visited_at=now() - dt.timedelta(hours=1),
        place="渝中区解放碑某小区",
        visitors="百货工会干部、社区网格员",
        findings="家中两口人，申请人患病，收入仅工资一项。",
    )
    return s.file_approve(actor=tree.yz_staff, file=f, approve=True, note="同意")


def test_apply_computes_tier_and_keeps_pii_encrypted(tree: Tree) -> None:
    f = apply(tree)
    assert (f.household_size, f.monthly_income_fen, f.line_fen) == (2, 2 * LINE - 1, LINE)
    assert f.tier == "deep"  # below 2 × 700 元 for two people
    assert f.status == Status.SUBMITTED and f.union == tree.store and f.district == "渝中区"
    assert f.consent_income_check and f.consent_at is not None and f.due_at is not None
    assert f.bank_card_masked.endswith("8901") and f.bank_card_tail == "8901"
    from django.db import connection

    with connection.cursor() as c:
        c.execute("SELECT bank_card, illness_note FROM assistance_hardshipfile WHERE id = %s", [f.pk])
        card, note = c.fetchone()
    assert "8901" not in card and "透析" not in note
    assert AuditEvent.objects.filter(action="assistance.file_apply", object_id=str(f.pk)).exists()
    assert DailyFact.objects.filter(metric="assistance.applied", union_id=tree.store.pk, dim="deep").exists()
    assert list(f.steps.values_list("kind", flat=True)) == [FileStep.Kind.APPLIED]


def test_apply_requires_consent_and_valid_fields_and_writes_nothing(tree: Tree) -> None:
    with pytest.raises(ValidationFailed) as exc:
        apply(tree, consent=False, causes=[], bank_card="12ab", incomes=[{"source": "", "monthly_fen": 1}])
    assert {"consent", "causes", "bank_card", "incomes"} <= set(exc.value.fields)
    assert not HardshipFile.objects.exists()


def test_one_open_file_per_person(tree: Tree) -> None:
    apply(tree)
    with pytest.raises(Conflict):
        apply(tree)


def test_officer_applies_for_worker_but_not_outside_subtree(tree: Tree) -> None:
    f = apply(tree, actor=tree.store_staff)
    assert f.applied_by == tree.store_staff
    HardshipFile.objects.all().delete()
    with pytest.raises(NotFound):
        apply(tree, actor=tree.jb_staff)
    with pytest.raises(NotFound):
        apply(tree, actor=tree.colleague)  # another member cannot apply for someone else


def test_tier_follows_the_district_line_table(tree: Tree) -> None:
    # Halve the 渝中 line: 69 999.5 fen per head is above 1.5 × and 1.5 × 1.2 × 35 000 → no tier.
    MinimumLivingLine.objects.update(monthly_fen=LINE // 2)
    f = apply(tree)
    assert (f.line_fen, f.tier, f.near_threshold) == (LINE // 2, "", False)
    HardshipFile.objects.all().delete()
    # A line of another year or district does not apply.
    MinimumLivingLine.objects.update(year=2000)
    f = apply(tree)
    assert (f.line_fen, f.tier) == (None, "")


def test_full_flow_to_active(tree: Tree) -> None:
    f = to_notice(tree)
    assert f.status == Status.NOTICE and f.notice_ends_at is not None
    article = Article.objects.get(pk=f.notice_article_id)
    assert article.union == tree.store and article.kind == Article.Kind.PUBLICITY and article.published
    assert "王*红" in article.body_html and "王小红" not in article.body_html
    assert "透析" not in article.body_html and "8901" not in article.body_html
    with pytest.raises(Conflict):
        s.file_activate(actor=tree.store_staff, file=f)  # notice period not over
    HardshipFile.objects.filter(pk=f.pk).update(notice_ends_at=now() - dt.timedelta(seconds=1))
    f = s.file_activate(actor=tree.store_staff, file=f)
    assert f.status == Status.ACTIVE
    kinds = list(f.steps.values_list("kind", flat=True))
    assert kinds == ["applied", "reviewed", "visited", "approved", "notice", "activated"]
    assert DailyFact.objects.filter(metric="assistance.activated", dim="deep").exists()


def test_grassroots_cannot_approve_at_district_level(tree: Tree) -> None:
    f = apply(tree)
    s.file_review(actor=tree.store_staff, file=f, approve=True)
    s.file_visit(
        actor=tree.store_staff, file=f, visited_at=now(), place="家中", visitors="干部", findings="属实"
    )
    with pytest.raises(PermissionDenied):
        s.file_approve(actor=tree.store_staff, file=f, approve=True)
    with pytest.raises(NotFound):
        s.file_approve(actor=tree.jb_staff, file=f, approve=True)


def test_two_levels_when_configured(tree: Tree, settings: Any) -> None:
    settings.ASSISTANCE_APPROVAL_KINDS = ("district", "city")
    city_staff = type(tree.worker).objects.create(username="city-staff")
    from tests.helpers import grant

    grant(city_staff, tree.city, "staff")
    f = apply(tree)
    s.file_review(actor=tree.store_staff, file=f, approve=True)
    s.file_visit(
        actor=tree.store_staff, file=f, visited_at=now(), place="家中", visitors="干部", findings="属实"
    )
    f = s.file_approve(actor=tree.yz_staff, file=f, approve=True)
    assert (f.status, f.approval_level) == (Status.APPROVING, 1)
    with pytest.raises(PermissionDenied):
        s.file_approve(actor=tree.yz_staff, file=f, approve=True)
    f = s.file_approve(actor=city_staff, file=f, approve=True)
    assert f.status == Status.NOTICE


def test_review_reject_needs_reason(tree: Tree) -> None:
    f = apply(tree)
    with pytest.raises(ValidationFailed) as exc:
        s.file_review(actor=tree.store_staff, file=f, approve=False)
    assert "note" in exc.value.fields
    f = s.file_review(actor=tree.store_staff, file=f, approve=False, note="收入超标")
    assert f.status == Status.REJECTED
    apply(tree)  # a rejected file does not block a new application


def test_review_outside_subtree_is_not_found(tree: Tree) -> None:
    f = apply(tree)
    with pytest.raises(NotFound):
        s.file_review(actor=tree.jb_staff, file=f, approve=True)
    with pytest.raises(NotFound):
        s.file_review(actor=tree.worker, file=f, approve=True)


def test_objection_path(tree: Tree) -> None:
    f = to_notice(tree)
    with pytest.raises(NotFound):
        s.objection_raise(actor=tree.outsider, file=f, reason="不实")  # not in that union
    with pytest.raises(ValidationFailed):
        s.objection_raise(actor=tree.colleague, file=f, reason="  ")
    o1 = s.objection_raise(actor=tree.colleague, file=f, reason="其家中另有商铺出租收入")
    f.refresh_from_db()
    assert f.status == Status.OBJECTED
    HardshipFile.objects.filter(pk=f.pk).update(notice_ends_at=now() - dt.timedelta(seconds=1))
    with pytest.raises(Conflict):
        s.file_activate(actor=tree.store_staff, file=f)  # open objection
    with pytest.raises(NotFound):
        s.objection_handle(actor=tree.jb_staff, objection=o1, upheld=False, answer="x")
    s.objection_handle(actor=tree.store_staff, objection=o1, upheld=False, answer="经核实商铺已于去年出售")
    f.refresh_from_db()
    assert f.status == Status.NOTICE
    with pytest.raises(Conflict):
        s.objection_handle(actor=tree.store_staff, objection=o1, upheld=True, answer="再议")
    assert s.file_activate(actor=tree.store_staff, file=f).status == Status.ACTIVE


def test_upheld_objection_rejects(tree: Tree) -> None:
    f = to_notice(tree)
    o = s.objection_raise(actor=tree.colleague, file=f, reason="收入不实")
    s.objection_handle(actor=tree.store_staff, objection=o, upheld=True, answer="核实收入超标")
    f.refresh_from_db()
    assert f.status == Status.REJECTED
    assert AuditEvent.objects.filter(action="assistance.objection_handle").exists()


def test_objection_after_notice_period_is_refused(tree: Tree) -> None:
    f = to_notice(tree)
    HardshipFile.objects.filter(pk=f.pk).update(notice_ends_at=now() - dt.timedelta(seconds=1))
    with pytest.raises(Conflict):
        s.objection_raise(actor=tree.colleague, file=f, reason="不实")


def test_steps_out_of_order_conflict(tree: Tree) -> None:
    f = apply(tree)
    with pytest.raises(Conflict):
        s.file_approve(actor=tree.yz_staff, file=f, approve=True)
    with pytest.raises(ValidationFailed) as exc:
        s.file_review(actor=tree.store_staff, file=f, approve=True)
        s.file_visit(
            actor=tree.store_staff,
            file=f,
            visited_at=now() + dt.timedelta(days=1),
            place="",
            visitors="干部",
            findings="属实",
        )
    assert {"visited_at", "place"} <= set(exc.value.fields)


def test_the_objection_rows_are_those_of_the_shared_notice_flow(tree: Tree) -> None:
    """The 建档公示's objections run through ``yugong.core.notice`` and write what they always did:
    the timeline steps with their data, the audit rows with their codes, the fact."""
    from yugong.assistance.models import Objection
    from yugong.assistance.services.steps import FILE_NOTICE
    from yugong.core.notice import ObjectionBase

    assert issubclass(Objection, ObjectionBase) and FILE_NOTICE.objection_model is Objection
    f = to_notice(tree)
    with pytest.raises(Conflict, match="该档案不在公示期内"):
        HardshipFile.objects.filter(pk=f.pk).update(notice_ends_at=now() - dt.timedelta(seconds=1))
        s.objection_raise(actor=tree.colleague, file=f, reason="不实")
    HardshipFile.objects.filter(pk=f.pk).update(notice_ends_at=now() + dt.timedelta(days=3))
    o = s.objection_raise(actor=tree.colleague, file=f, reason="  其家中\u3000另有收入 ")
    assert (o.reason, o.raised_by_id, o.is_open) == ("其家中 另有收入", tree.colleague.pk, True)
    step = FileStep.objects.filter(file=f, kind=FileStep.Kind.OBJECTION).get()
    assert (step.data, step.note, step.actor_id) == ({"objection": o.pk}, "", tree.colleague.pk)
    raised = AuditEvent.objects.get(action="assistance.objection_raise")
    assert (raised.object_type, raised.object_id, raised.union_id) == (
        "assistance.objection",
        str(o.pk),
        f.union_id,
    )
    assert raised.changes == {"status": ["notice", "objected"]}
    assert DailyFact.objects.get(metric="assistance.objections", union_id=f.union_id).value == 1
    with pytest.raises(ValidationFailed) as exc:
        s.objection_handle(actor=tree.store_staff, objection=o, upheld=False, answer=" ")
    assert list(exc.value.fields) == ["answer"]
    s.objection_handle(actor=tree.store_staff, objection=o.pk, upheld=False, answer="经核实不属实")
    handled = FileStep.objects.filter(file=f, kind=FileStep.Kind.OBJECTION_HANDLED).get()
    assert (handled.data, handled.note) == ({"objection": o.pk, "upheld": False}, "经核实不属实")
    assert AuditEvent.objects.get(action="assistance.objection_handle").extra == {"upheld": False}
    f.refresh_from_db()
    assert f.status == Status.NOTICE
