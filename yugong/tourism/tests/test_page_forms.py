"""Pages that write go through forms and one URL per action (issue 11 item 6): the Chinese field
errors are the services' (or the API schema's), and a decision is a POST to the object's own URL."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from yugong.core.timeutil import local_today
from yugong.tourism.models import AnnualPass, GroupOrder, PassBatch, Product, ReviewStatus

from .factories import World, funded_line

pytestmark = pytest.mark.django_db


def _client(user: object) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _messages(response: object) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]  # type: ignore[attr-defined]


def test_a_pass_purchase_is_requested_and_decided_through_forms(world: World) -> None:
    staff = _client(world.union_staff)
    url = reverse("tourism:u_passes")
    bad = staff.post(url, {"union": world.company.pk, "year": "明年", "price": "150", "person_ids": "张三"})
    assert bad.status_code == 302 and {"请填写年度。", "请填写职工编号，用逗号分隔。"} <= set(_messages(bad))
    over = staff.post(
        url,
        {
            "union": world.company.pk,
            "year": local_today().year,
            "price": "250",
            "person_ids": f"{world.person.pk}",
        },
    )
    assert over.status_code == 302 and any("不得超过" in m for m in _messages(over))
    ok = staff.post(
        url,
        {
            "union": world.company.pk,
            "year": local_today().year,
            "price": "150",
            "person_ids": f"{world.person.pk}",
            "budget_line": funded_line(world.company),
        },
    )
    assert ok.status_code == 302 and PassBatch.objects.count() == 1
    batch = PassBatch.objects.get()
    decide = reverse("tourism:u_pass_decide", args=[batch.pk])
    assert staff.get(decide).status_code == 405
    assert "请选择批准或驳回。" in _messages(_client(world.chair).post(decide, {"decision": "maybe"}))
    _client(world.union_staff).post(decide, {"decision": "approve"})  # staff may not approve
    assert not AnnualPass.objects.exists()
    _client(world.chair).post(decide, {"decision": "approve"})
    assert AnnualPass.objects.filter(person=world.person).exists()


def test_a_group_order_is_requested_and_rejected_through_forms(world: World) -> None:
    staff = _client(world.union_staff)
    url = reverse("tourism:u_groups")
    bad = staff.post(url, {"union": world.company.pk, "session": "", "seats": "x"})
    assert {"请选择场次。", "请填写有效的数字。"} <= set(_messages(bad))
    staff.post(
        url,
        {
            "union": world.company.pk,
            "session": world.session.pk,
            "activity": "劳模疗休养",
            "seats": "2",
            "attendees": f"{world.person.pk}",
            "budget_line": funded_line(world.company),
        },
    )
    group = GroupOrder.objects.get()
    _client(world.chair).post(
        reverse("tourism:u_group_decide", args=[group.pk]), {"decision": "reject", "note": "预算不足"}
    )
    group.refresh_from_db()
    assert group.status == GroupOrder.Status.REJECTED


def test_platform_reviews_post_to_the_objects_own_url(world: World) -> None:
    world.product.status = ReviewStatus.PENDING
    world.product.save(update_fields=["status"])
    platform = _client(world.platform)
    r = platform.post(
        reverse("tourism:p_product_review", args=[world.product.pk]) + "?status=pending",
        {"decision": "approve", "note": "可以"},
    )
    assert r.status_code == 302 and r["Location"].endswith("?status=pending")
    assert Product.objects.get(pk=world.product.pk).status == ReviewStatus.APPROVED
    # Outside the reviewer's tree: the service's 404 message, nothing changed.
    outsider = _client(world.union_staff)
    outsider.post(reverse("tourism:p_product_review", args=[world.product.pk]), {"decision": "reject"})
    assert Product.objects.get(pk=world.product.pk).status == ReviewStatus.APPROVED
    built = platform.post(reverse("tourism:p_statement_build"), {"merchant": world.merchant.pk, "start": "x"})
    assert {"请填写有效的日期。", "请填写截止日。"} <= set(_messages(built))


def test_the_worker_pages_book_cancel_and_apply_through_forms(world: World) -> None:
    from yugong.tourism.models import Merchant, Order

    worker = _client(world.worker)
    book = reverse("tourism:book", args=[world.product.pk])
    bad = worker.post(book, {"session": world.session.pk, "quantity": "十", "idempotency_key": "a"})
    assert any("每单可订" in m for m in _messages(bad)) and not Order.objects.exists()
    zero = worker.post(book, {"session": world.session.pk, "quantity": "0", "idempotency_key": "b"})
    assert any("每单可订" in m for m in _messages(zero))
    ok = worker.post(
        book,
        {
            "session": world.session.pk,
            "quantity": "2",
            "idempotency_key": "c",
            "holder_name": ["张师傅", "李嬢嬢"],
        },
    )
    order = Order.objects.get()
    assert ok["Location"] == reverse("tourism:order", args=[order.pk])
    assert list(order.tickets.order_by("seq").values_list("holder_name", flat=True)) == ["张师傅", "李嬢嬢"]
    assert worker.get(reverse("tourism:order_cancel", args=[order.pk])).status_code == 405
    worker.post(reverse("tourism:order_cancel", args=[order.pk]))
    assert Order.objects.get(pk=order.pk).status == Order.Status.CANCELLED
    apply = worker.post(reverse("tourism:apply"), {"name": "", "kind": "scenic"})
    assert apply.status_code == 200 and not Merchant.objects.filter(kind="scenic", name="").exists()


def test_the_merchant_saves_a_product_and_takes_money_at_the_venue_through_forms(world: World) -> None:
    from yugong.tourism.models import Order
    from yugong.tourism.services import order_place

    owner = _client(world.merchant_staff)
    url = reverse("tourism:m_products", args=[world.merchant.pk])
    bad = owner.post(url, {"kind": "show", "title": "", "list_price": "1.234", "member_price": "1"})
    assert bad.status_code == 200 and "金额最多保留两位小数。" in bad.content.decode()
    worse = owner.post(url, {"kind": "show", "title": "", "list_price": "100", "member_price": "120"})
    text = worse.content.decode()
    assert "请填写产品名称。" in text and "惠民价不能高于门市价。" in text
    made = owner.post(
        url,
        {
            "kind": "show",
            "title": "川剧变脸",
            "list_price": "100",
            "member_price": "80",
            "admit_before_minutes": "30",
        },
    )
    assert made.status_code == 302
    product = Product.objects.get(title="川剧变脸")
    assert product.member_price_fen == 8000 and product.admit_before_minutes == 30
    order, _ = order_place(actor=world.worker, session_id=world.session.pk, quantity=1, idempotency_key="v")
    venue = reverse("tourism:m_order_venue", args=[world.merchant.pk, order.pk])
    assert (
        _client(world.other_staff)
        .post(reverse("tourism:m_order_venue", args=[world.other_merchant.pk, order.pk]))
        .status_code
        == 404
    )
    assert owner.post(venue).status_code == 302
    assert Order.objects.get(pk=order.pk).status == Order.Status.PAID
