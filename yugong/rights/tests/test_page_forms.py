"""The rights pages read their input through forms (``rights/forms.py``): a bad field answers
with its Chinese message naming the field, on the page, and nothing is written."""

from __future__ import annotations

from yugong.rights import services
from yugong.rights.models import Appeal, AppealEvent, MediationCase

from .conftest import Tree
from .test_pages_api import login, make


def test_a_bad_amount_on_the_handling_page_names_the_field_and_writes_nothing(tree: Tree) -> None:
    (appeal,) = make(tree, 1)
    c = login(tree.store_staff)
    before = AppealEvent.objects.filter(appeal=appeal).count()
    response = c.post(
        f"/rights/console/appeals/{appeal.pk}/", {"action": "conclude", "outcome": "已补发", "amount": "一千"}
    )
    assert response.status_code == 200
    assert "挽回金额（元）：金额格式不正确。" in response.content.decode()
    appeal.refresh_from_db()
    assert appeal.status != Appeal.Status.CONCLUDED and appeal.amount_recovered_fen == 0
    assert AppealEvent.objects.filter(appeal=appeal).count() == before


def test_a_mediation_agreement_with_three_decimals_is_refused(tree: Tree) -> None:
    (appeal,) = make(tree, 1)
    services.appeal_accept(actor=tree.store_staff, appeal=appeal)
    case = services.mediation_open(
        actor=tree.store_staff, appeal=appeal, mediator_name="王调解", applicant="张三", respondent="某公司"
    )
    c = login(tree.store_staff)
    response = c.post(
        f"/rights/console/appeals/{appeal.pk}/",
        {
            "action": "mediation_conclude",
            "case": case.pk,
            "agreed": "1",
            "agreement": "补发",
            "amount": "1.234",
        },
    )
    assert response.status_code == 200
    assert "协议金额（元）：金额最多保留两位小数。" in response.content.decode()
    case.refresh_from_db()
    assert case.status == MediationCase.Status.OPEN and case.agreed_amount_fen == 0


def test_a_transfer_target_that_is_not_a_number_is_a_field_error(tree: Tree) -> None:
    (appeal,) = make(tree, 1)
    response = login(tree.store_staff).post(
        f"/rights/console/appeals/{appeal.pk}/", {"action": "transfer", "to_union": "渝中", "reason": "x"}
    )
    assert response.status_code == 200 and "目标工会：请选择有效的一项。" in response.content.decode()
    appeal.refresh_from_db()
    assert appeal.union == tree.store


def test_intake_with_a_bad_union_shows_the_message_and_files_nothing(tree: Tree) -> None:
    response = login(tree.operator).post(
        "/rights/console/intake/",
        {
            "caller_phone": "13912345678",
            "category": "wages",
            "facts": "拖欠工资两个月",
            "union": "abc",
        },
    )
    assert response.status_code == 200
    assert "承办工会：请选择有效的一项。" in response.content.decode()
    assert not Appeal.objects.exists()


def test_the_workers_rating_comment_is_bounded_by_its_form(tree: Tree) -> None:
    appeal = services.appeal_create(actor=tree.worker, channel="h5", category="wages", facts="欠薪")
    response = login(tree.worker).post(
        f"/rights/mine/{appeal.pk}/", {"action": "rate", "rating": "satisfied", "comment": "很" * 501}
    )
    assert response.status_code == 200 and "意见：" in response.content.decode()
    appeal.refresh_from_db()
    assert appeal.rating == ""
