"""Group orders (包场 / 团体订票): union staff ask for N seats or a whole session for an activity;
the chair approves the spend; union funds pay at once (offline provider ``union_funds``); the tickets
go to named members, who see them on their phones."""

from __future__ import annotations

import secrets
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.core.audit import audit_record
from yugong.core.errors import Conflict, NotFound, ValidationFailed
from yugong.core.timeutil import now
from yugong.core.validators import clean_text
from yugong.members.models import Membership
from yugong.orgs.access import require_role
from yugong.orgs.models import Union

from .. import seatmap
from ..access import APPROVER_ROLES, UNION_BUYER_ROLES
from ..models import GroupOrder, Order, Payment, ReviewStatus, SeatHold, Session, Ticket
from .budget import budget_approve, budget_ask, budget_line_error, budget_spend, budget_withdraw
from .common import new_number
from .orders import order_mark_paid
from .stock import hold_seats, take_stock


def members_of(union: Union, person_ids: list[int]) -> dict[int, Membership]:
    """Active memberships of ``person_ids`` inside ``union``'s subtree, keyed by person id."""
    rows = Membership.objects.filter(
        person_id__in=person_ids, status=Membership.Status.ACTIVE, union__path__startswith=union.path
    ).select_related("person")
    return {m.person_id: m for m in rows}


def group_order_request(
    *,
    actor: User,
    union: Union,
    session: Session,
    activity: str,
    seats: int = 0,
    whole_session: bool = False,
    attendee_ids: list[int] | None = None,
    budget_line: int | None = None,
) -> GroupOrder:
    """Ask for seats; ``budget_line`` (required) names the union's budget line that pays (a
    spending request for the amount is opened with it, see ``budget.py``)."""
    require_role(actor, union, UNION_BUYER_ROLES)
    product = session.product
    if product.status != ReviewStatus.APPROVED or not session.active or session.starts_at <= now():
        raise Conflict(_("该场次不可预订。"), code="session_closed")
    attendee_ids = [int(p) for p in dict.fromkeys(attendee_ids or [])]
    errors: dict[str, Any] = {}
    activity = clean_text(activity)
    if not activity:
        errors["activity"] = _("请填写活动名称。")
    if whole_session:
        seats = session.capacity
    if seats < 1:
        errors["seats"] = _("请填写座位数。")
    if len(attendee_ids) > seats:
        errors["attendees"] = _("参加人员多于座位数。")
    found = members_of(union, attendee_ids)
    missing = [p for p in attendee_ids if p not in found]
    if missing:
        errors["attendees"] = _("以下人员不是本工会的在册会员：%(ids)s") % {
            "ids": ", ".join(map(str, missing))
        }
    line_problem = budget_line_error(union=union, line_id=budget_line)
    if line_problem:
        errors["budget_line"] = line_problem
    if errors:
        raise ValidationFailed(fields=errors)
    if whole_session and (session.sold or session.remaining < session.capacity):
        raise Conflict(_("该场次已有售出，不能包场。"), code="not_whole")
    if seats > session.remaining:
        raise Conflict(_("余票不足：剩余 %(n)s 张。") % {"n": session.remaining}, code="sold_out")
    with transaction.atomic():
        group = GroupOrder.objects.create(
            union=union,
            session=session,
            whole_session=whole_session,
            seats=seats,
            activity=activity,
            attendees=attendee_ids,
            amount_fen=product.member_price_fen * seats,
            requested_by=actor,
        )
        commitment = budget_ask(
            actor=actor,
            union=union,
            line_id=budget_line,
            amount_fen=group.amount_fen,
            purpose=_("包场/团体订票：%(activity)s") % {"activity": activity},
            ref=group,
        )
        group.commitment = commitment
        group.save(update_fields=["commitment"])
        audit_record(actor=actor, action="tourism.group_request", obj=group, union_id=union.pk)
    return group


def _best_available(session: Session, n: int) -> list[str]:
    """The first ``n`` free seats of a mapped session, front row first, left to right (a group sits
    together as far as the map allows)."""
    held = set(SeatHold.objects.filter(session=session).values_list("seat", flat=True))
    free = [s.key for s in seatmap.seats_in(session.seat_rows) if s.key not in held]
    if len(free) < n:
        raise Conflict(_("余票已不足，无法批准，请调整座位数后重新申请。"), code="sold_out")
    return free[:n]


def _lock_group(actor: User, group: GroupOrder | int) -> GroupOrder:
    pk = group.pk if isinstance(group, GroupOrder) else group
    locked = GroupOrder.objects.select_for_update().select_related("union").filter(pk=pk).first()
    if locked is None:
        raise NotFound()
    require_role(actor, locked.union, APPROVER_ROLES)
    if locked.status != GroupOrder.Status.PENDING:
        raise Conflict(_("该申请已处理。"), code="decided")
    return locked


def group_order_approve(*, actor: User, group: GroupOrder | int) -> Order:
    """The chair approves: seats are taken (the same conditional UPDATE), the order is paid from
    union funds and the tickets are made out to the named members. With a budget line, the spending
    request is approved first (funds rules) and spent with the order."""
    pk = group.pk if isinstance(group, GroupOrder) else group
    first = GroupOrder.objects.select_related("union").filter(pk=pk).first()
    if first is None:
        raise NotFound()
    require_role(actor, first.union, APPROVER_ROLES)
    if first.status == GroupOrder.Status.PENDING:
        budget_approve(actor=actor, commitment_id=first.commitment_id)
    with transaction.atomic():
        locked = _lock_group(actor, group)
        session = Session.objects.select_related("product__merchant").get(pk=locked.session_id)
        product = session.product
        order = Order.objects.create(
            number=new_number("G"),
            user=locked.requested_by,
            session=session,
            product=product,
            merchant=product.merchant,
            union=locked.union,
            group_order=locked,
            quantity=locked.seats,
            unit_price_fen=product.member_price_fen,
            list_price_fen=product.list_price_fen,
            amount_fen=locked.amount_fen,
            idempotency_key=f"group:{locked.pk}",
        )
        members = members_of(locked.union, list(locked.attendees))
        holders = [members[p] for p in locked.attendees if p in members]
        seats = _best_available(session, locked.seats) if session.seat_rows else []
        Ticket.objects.bulk_create(
            Ticket(
                order=order,
                seq=i + 1,
                holder_name=holders[i].person.name if i < len(holders) else locked.activity[:64],
                holder_user_id=holders[i].person.user_id if i < len(holders) else None,
                seat=seats[i] if seats else "",
            )
            for i in range(locked.seats)
        )
        if seats:
            hold_seats(session, order, seats)
        if locked.whole_session:
            took = bool(
                Session.objects.filter(pk=session.pk, remaining=F("capacity"), sold=0).update(remaining=0)
            )
        else:
            took = take_stock(session.pk, locked.seats)
        if not took:
            raise Conflict(_("余票已不足，无法批准，请调整座位数后重新申请。"), code="sold_out")
        payment = Payment.objects.create(
            order=order,
            provider="union_funds",
            provider_ref=f"uf_{secrets.token_hex(12)}",
            amount_fen=order.amount_fen,
        )
        order_mark_paid(order=order, payment=payment)
        budget_spend(
            actor=actor, commitment_id=locked.commitment_id, amount_fen=order.amount_fen, memo=order.number
        )
        locked.status = GroupOrder.Status.APPROVED
        locked.decided_by = actor
        locked.decided_at = now()
        locked.save(update_fields=["status", "decided_by", "decided_at"])
        audit_record(actor=actor, action="tourism.group_approve", obj=locked, union_id=locked.union_id)
    return order


def group_order_reject(*, actor: User, group: GroupOrder | int, reason: str) -> GroupOrder:
    with transaction.atomic():
        locked = _lock_group(actor, group)
        locked.status = GroupOrder.Status.REJECTED
        locked.reject_reason = clean_text(reason)
        locked.decided_by = actor
        locked.decided_at = now()
        locked.save(update_fields=["status", "reject_reason", "decided_by", "decided_at"])
        budget_withdraw(actor=actor, commitment_id=locked.commitment_id, reason=locked.reject_reason)
        audit_record(actor=actor, action="tourism.group_reject", obj=locked, union_id=locked.union_id)
    return locked
