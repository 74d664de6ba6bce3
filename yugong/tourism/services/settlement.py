"""Settlement: merchant statements per cycle (from the ledger), payouts, and the reconciliation
report (ledger vs orders vs payments) that lists every difference."""

from __future__ import annotations

import datetime as dt
import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet, Sum
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.core.audit import audit_record
from yugong.core.errors import Conflict, NotFound, ValidationFailed
from yugong.core.timeutil import SHANGHAI
from yugong.core.validators import clean_text
from yugong.funds import ledger
from yugong.funds.models import LedgerEntry, LedgerLine
from yugong.orgs.access import scope_filter, scope_paths
from yugong.orgs.tree import is_root_path

from ..access import FINANCE_ROLES, PLATFORM_ROLES, access_platform_merchant, platform_scope
from ..models import Merchant, Order, Payment, Payout, Statement

ORDER_REF = "tourism.order"
MERCHANT_REF = "tourism.merchant"


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    return (
        dt.datetime.combine(start, dt.time.min, tzinfo=SHANGHAI),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=SHANGHAI),
    )


def cycle_bounds(merchant: Merchant, day: dt.date) -> tuple[dt.date, dt.date]:
    """The settlement cycle containing ``day`` (weekly Monday–Sunday or the calendar month)."""
    if merchant.settlement_cycle == Merchant.Cycle.WEEKLY:
        start = day - dt.timedelta(days=day.weekday())
        return start, start + dt.timedelta(days=6)
    start = day.replace(day=1)
    nxt = (start + dt.timedelta(days=32)).replace(day=1)
    return start, nxt - dt.timedelta(days=1)


def statement_lines(merchant_id: int, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    """One line per ledger entry touching the merchant's payable in the period (payouts aside)."""
    lo, hi = _bounds(start, end)
    payable = ledger.merchant_payable(merchant_id)
    entry_ids = (
        LedgerLine.objects.filter(account=payable, entry__created_at__gte=lo, entry__created_at__lt=hi)
        .exclude(entry__kind="payout")
        .values("entry_id")
    )
    rows = list(
        LedgerLine.objects.filter(entry_id__in=entry_ids)
        .values_list(
            "entry_id",
            "entry__kind",
            "entry__created_at",
            "entry__ref_type",
            "entry__ref_id",
            "entry__memo",
            "account",
            "amount_fen",
        )
        .order_by("entry_id", "id")
    )
    # The ledger names the order by reference (funds imports no scenario app): one query for the
    # numbers of the orders on this statement.
    numbers = dict(
        Order.objects.filter(pk__in={r[4] for r in rows if r[3] == ORDER_REF}).values_list("pk", "number")
    )
    by_entry: dict[int, dict[str, Any]] = {}
    for entry_id, kind, at, ref_type, ref_id, memo, account, amount in rows:
        number = numbers.get(ref_id) if ref_type == ORDER_REF and ref_id is not None else None
        line = by_entry.setdefault(
            entry_id,
            {
                "entry": entry_id,
                "kind": kind,
                "at": at.astimezone(SHANGHAI).isoformat(timespec="seconds"),
                "ref": number or memo,
                "payable": 0,
                "commission": 0,
            },
        )
        if account == payable:
            line["payable"] -= amount
        elif account == ledger.COMMISSION:
            line["commission"] -= amount
    out = list(by_entry.values())
    for line in out:
        line["gross"] = line["payable"] + line["commission"] if line["kind"] in ("payment", "refund") else 0
    return out


def statement_build(*, actor: User, merchant_id: Any, start: dt.date, end: dt.date) -> Statement:
    merchant = access_platform_merchant(actor, merchant_id)
    if end < start:
        raise ValidationFailed(fields={"end": _("截止日不能早于起始日。")})
    lines = statement_lines(merchant.pk, start, end)
    totals = {"gross": 0, "refunds": 0, "commission": 0, "entries": 0, "net": 0}
    for line in lines:
        if line["kind"] == "payment":
            totals["gross"] += line["gross"]
        elif line["kind"] == "refund":
            totals["refunds"] -= line["gross"]
        elif line["kind"] == "pass_entry":
            totals["entries"] += line["payable"]
        totals["commission"] += line["commission"]
        totals["net"] += line["payable"]
    with transaction.atomic():
        if Statement.objects.filter(merchant=merchant, period_start__lte=end, period_end__gte=start).exists():
            raise Conflict(_("该商户在此期间已有结算单。"), code="overlap")
        try:
            statement = Statement.objects.create(
                merchant=merchant,
                period_start=start,
                period_end=end,
                gross_fen=totals["gross"],
                refunds_fen=totals["refunds"],
                commission_fen=totals["commission"],
                entries_fen=totals["entries"],
                net_fen=totals["net"],
                lines=lines,
            )
        except IntegrityError:
            raise Conflict(_("该商户在此期间已有结算单。"), code="overlap") from None
        audit_record(
            actor=actor, action="tourism.statement_build", obj=statement, union_id=merchant.host_union_id
        )
    return statement


def payout_record(*, actor: User, statement: Statement | int, reference: str = "") -> Payout:
    """Finance records the bank transfer that pays a statement; the ledger clears the payable."""
    pk = statement.pk if isinstance(statement, Statement) else statement
    with transaction.atomic():
        locked = (
            platform_scope(
                Statement.objects.select_for_update(), actor, path_field="merchant__host_union__path"
            )
            .filter(pk=pk)
            .first()
        )
        if locked is None:
            raise NotFound()
        merchant = access_platform_merchant(actor, locked.merchant_id, roles=FINANCE_ROLES)
        if locked.status != Statement.Status.OPEN:
            raise Conflict(_("该结算单已付款。"), code="paid")
        if locked.net_fen <= 0:
            raise Conflict(_("应付金额为零或负数，无需付款。"), code="nothing_due")
        payout = Payout.objects.create(
            merchant=merchant,
            statement=locked,
            amount_fen=locked.net_fen,
            reference=clean_text(reference) or f"PO{secrets.token_hex(6).upper()}",
            paid_by=actor,
        )
        ledger.post(
            kind="payout",
            lines=[
                (ledger.merchant_payable(merchant.pk), locked.net_fen),
                (ledger.PLATFORM_CASH, -locked.net_fen),
            ],
            memo=f"statement {locked.pk} {payout.reference}",
            merchant=merchant,
        )
        locked.status = Statement.Status.PAID
        locked.save(update_fields=["status"])
        audit_record(actor=actor, action="tourism.payout", obj=locked, union_id=merchant.host_union_id)
    return payout


@dataclass
class Difference:
    kind: str
    ref: str
    expected: int
    actual: int
    note: str = ""

    @property
    def delta(self) -> int:
        return self.actual - self.expected


@dataclass
class Reconciliation:
    start: dt.date
    end: dt.date
    orders: int = 0
    payments_fen: int = 0
    ledger_fen: int = 0
    trial_balance: int = 0
    differences: list[Difference] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.differences


SETTLED = (Order.Status.PAID, Order.Status.USED, Order.Status.REFUNDED)
MONEY_IN = (Payment.Status.SUCCEEDED, Payment.Status.REFUNDED)


def _sees_whole_ledger(actor: User) -> bool:
    return actor is None or any(is_root_path(p) for p in scope_paths(actor, PLATFORM_ROLES))


def _scoped_entries(actor: User) -> QuerySet[LedgerEntry]:
    """The ledger entries of the orders and merchants the actor settles (entries name them by
    reference: the ledger is funds', which imports no scenario app)."""
    orders = scope_filter(
        Order.objects.all(), actor, path_field="merchant__host_union__path", roles=PLATFORM_ROLES
    )
    merchants = scope_filter(
        Merchant.objects.all(), actor, path_field="host_union__path", roles=PLATFORM_ROLES
    )
    return LedgerEntry.objects.filter(
        Q(ref_type=ORDER_REF, ref_id__in=orders.values("pk"))
        | Q(ref_type=MERCHANT_REF, ref_id__in=merchants.values("pk"))
    )


def reconcile(*, actor: User, start: dt.date, end: dt.date) -> Reconciliation:
    """Orders created in the period, of merchants the actor settles: what the order says was paid
    (amount − refunded), what the payments say, what the ledger's cash/union-funds lines say — and
    every difference. Plus every unbalanced ledger entry and the trial balance. Four grouped queries
    whatever the number of orders."""
    lo, hi = _bounds(start, end)
    orders = list(
        platform_scope(Order.objects.all(), actor, path_field="merchant__host_union__path")
        .filter(created_at__gte=lo, created_at__lt=hi)
        .values_list("pk", "number", "status", "amount_fen", "refunded_fen")
    )
    ids = [o[0] for o in orders]
    pay: dict[int, int] = defaultdict(int)
    venue: dict[int, int] = defaultdict(int)
    for order_id, provider, amount, refunded in Payment.objects.filter(
        order_id__in=ids, status__in=MONEY_IN
    ).values_list("order_id", "provider", "amount_fen", "refunded_fen"):
        pay[order_id] += amount - refunded
        if provider == "venue":
            venue[order_id] += amount - refunded
    books: dict[int, int] = {
        row["entry__ref_id"]: int(row["s"] or 0)
        for row in LedgerLine.objects.filter(entry__ref_type=ORDER_REF, entry__ref_id__in=ids)
        .filter(Q(account=ledger.PLATFORM_CASH) | Q(account__startswith="union_funds:"))
        .values("entry__ref_id")
        .annotate(s=Sum("amount_fen"))
    }
    report = Reconciliation(start=start, end=end, orders=len(orders))
    for pk, number, status, amount, refunded in orders:
        expected = amount - refunded if status in SETTLED else 0
        paid = pay.get(pk, 0)
        booked = books.get(pk, 0) + venue.get(pk, 0)
        report.payments_fen += paid
        report.ledger_fen += booked
        if paid != expected:
            report.differences.append(
                Difference("order_vs_payments", number, expected, paid, _("订单应收与支付记录不符"))
            )
        if booked != paid:
            report.differences.append(
                Difference("payments_vs_ledger", number, paid, booked, _("支付记录与账簿不符"))
            )
    # The ledger-wide checks, scoped like the orders: a district sees the entries of merchants it
    # settles; the whole ledger (entries of no merchant included) only from the root.
    entries = None if _sees_whole_ledger(actor) else _scoped_entries(actor)
    for entry_id, total in ledger.unbalanced_entries(entries):
        report.differences.append(Difference("unbalanced_entry", f"#{entry_id}", 0, total, _("凭证借贷不平")))
    report.trial_balance = ledger.trial_balance(entries)
    if report.trial_balance:
        report.differences.append(
            Difference("trial_balance", "ledger", 0, report.trial_balance, _("总账借贷不平"))
        )
    return report
