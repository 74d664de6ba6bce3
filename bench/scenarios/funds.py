"""Funds: concurrent budget reservations on hot lines, and the 1,000,000-line reconciliation.

* ``funds_reserve_hot`` (HTTP): the chair approves pending spending requests spread over 100 lines
  of one union — every approval is a reservation (the conditional UPDATE on a hot line row). Lines
  hold less than all requests ask, so later approvals are refused (409): the check
  ``python -m bench.scenarios.funds check`` proves no line was overdrawn.
* ``funds_reserve_city`` (HTTP): the issue's scale — inside the city of ``manage.py seed_city``
  (100,000 unions when seeded so; made with ``BENCH_FUNDS_CITY_UNIONS`` unions when missing), 100 hot
  lines, one in each of 100 grassroots unions, and 12,000 pending requests (100 fit a line, so
  10,000 can win); the city chair approves them (``--requests 10000``). Check with ``check``.
* ``funds_reconcile_1m`` (micro): a 1,000,000-line WeChat Pay trade bill (generated file, 100
  planted differences) reconciled against a ledger of 1,000,000 payments; prints the seconds and
  the peak RSS growth. ``python -m bench.scenarios.funds reconcile [lines]`` runs it directly.
"""

from __future__ import annotations

import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

from bench import Auth, Request, micro, scenario
from bench.registry import Ctx

LINES = 100
REQUESTS = 40_000
EACH_FEN = 100
LINE_FEN = EACH_FEN * 150  # 150 approvals fit a line: 15,000 of the 40,000 requests can win


def _world() -> dict[str, Any]:
    from yugong.accounts.models import User
    from yugong.accounts.system import system_actor
    from yugong.core.timeutil import local_today
    from yugong.funds import services
    from yugong.funds.models import Budget, Category
    from yugong.orgs.models import RoleAssignment, Union
    from yugong.orgs.services import union_create

    city = Union.objects.filter(code="BENCH-FUNDS").first() or union_create(
        actor=system_actor(), parent=None, name="压测经费工会", code="BENCH-FUNDS", kind="city"
    )
    preparer, _ = User.objects.get_or_create(
        username="bench_funds_preparer", defaults={"display_name": "压测编制"}
    )
    approver, _ = User.objects.get_or_create(
        username="bench_funds_approver", defaults={"display_name": "压测审批"}
    )
    RoleAssignment.objects.get_or_create(user=preparer, union=city, role="staff", active=True)
    RoleAssignment.objects.get_or_create(user=approver, union=city, role="chair", active=True)
    year = local_today().year
    budget = Budget.objects.filter(union=city, year=year).first()
    if budget is None:
        budget = services.budget_create(actor=preparer, union=city, year=year)
        for n in range(LINES):
            services.budget_line_add(
                actor=preparer,
                budget=budget,
                category=Category.ACTIVITIES,
                name=f"热门项目{n}",
                amount_fen=LINE_FEN,
            )
        services.budget_submit(actor=preparer, budget=budget)
        services.budget_approve(actor=approver, budget=budget)
    return {"city": city, "preparer": preparer, "budget": budget}


def seed_reserve(ctx: Ctx) -> dict[str, Any]:
    """Fresh lines (amounts restored, reservations cleared) and REQUESTS fresh pending requests."""
    from django.db.models import F

    from yugong.funds.models import BudgetLine, Commitment
    from yugong.orgs.models import RoleAssignment

    w = _world()
    RoleAssignment.objects.get_or_create(
        user_id=ctx["auth_user_id"], union=w["city"], role="chair", active=True
    )
    lines = list(BudgetLine.objects.filter(budget=w["budget"]).order_by("pk").values_list("pk", flat=True))
    # Start every run from empty lines (bench data only: the ledger's memorandum rows of earlier runs
    # stay, so this world's budget accounts are not expected to match after a reset).
    Commitment.objects.filter(line_id__in=lines, status="reserved").update(status="closed", reserved_fen=0)
    BudgetLine.objects.filter(pk__in=lines).update(reserved_fen=0, spent_fen=F("spent_fen") * 0)
    made = Commitment.objects.bulk_create(
        Commitment(
            line_id=lines[i % len(lines)],
            union=w["city"],
            amount_fen=EACH_FEN,
            purpose="压测",
            requested_by=w["preparer"],
        )
        for i in range(REQUESTS)
    )
    return {"commitments": [c.pk for c in made], "line_ids": lines}


@scenario(
    "funds_reserve_hot",
    "POST /api/v1/funds/commitments/{id}/approve: reservations spread over 100 hot budget lines "
    "(check: python -m bench.scenarios.funds check)",
    setup=seed_reserve,
    auth=Auth("bench_funds_chair", staff=True),
    default=False,
)
def funds_reserve_hot(ctx: Ctx, i: int) -> Request:
    ids = ctx["commitments"]
    n = (ctx.get("_round", 0) * 7919 + i) % len(ids)
    return Request.json("POST", f"/api/v1/funds/commitments/{ids[n]}/approve", {})


CITY_LINES = 100
CITY_REQUESTS = 12_000
CITY_LINE_FEN = EACH_FEN * 100  # 100 reservations fit a line: 10,000 of the 12,000 can win
CITY_LINE_NAME = "压测热门项目"


def _city_world() -> dict[str, Any]:
    """The seeded city, a chair at its root, and one approved budget line in each of 100
    grassroots unions (made once)."""
    from django.core.management import call_command

    from yugong.accounts.models import User
    from yugong.core.timeutil import local_today
    from yugong.funds import services
    from yugong.funds.models import BudgetLine, Category
    from yugong.members import citygen
    from yugong.orgs.models import RoleAssignment, Union

    root = Union.objects.filter(code=citygen.CITY_CODE, parent__isnull=True).first()
    if root is None:
        units = int(os.environ.get("BENCH_FUNDS_CITY_UNIONS", "2000"))
        call_command("seed_city", members=1000, unions=units, allow_existing=True, stdout=sys.stderr)
        root = Union.objects.get(code=citygen.CITY_CODE, parent__isnull=True)
    preparer, _ = User.objects.get_or_create(
        username="bench_funds_city_staff", defaults={"display_name": "压测编制"}
    )
    approver, _ = User.objects.get_or_create(
        username="bench_funds_city_leader", defaults={"display_name": "压测审批"}
    )
    RoleAssignment.objects.get_or_create(user=preparer, union=root, role="staff", active=True)
    RoleAssignment.objects.get_or_create(user=approver, union=root, role="chair", active=True)
    year = local_today().year
    lines = list(
        BudgetLine.objects.filter(name=CITY_LINE_NAME, year=year).order_by("pk").values_list("pk", "union_id")
    )
    if len(lines) < CITY_LINES:
        have = {u for _, u in lines}
        leaves = (
            Union.objects.filter(path__startswith=root.path, kind="grassroots")
            .exclude(pk__in=have)
            .order_by("path")[: CITY_LINES - len(lines)]
        )
        for union in leaves:
            budget = services.budget_create(actor=preparer, union=union, year=year)
            services.budget_line_add(
                actor=preparer,
                budget=budget,
                category=Category.ACTIVITIES,
                name=CITY_LINE_NAME,
                amount_fen=CITY_LINE_FEN,
            )
            services.budget_submit(actor=preparer, budget=budget)
            services.budget_approve(actor=approver, budget=budget)
        lines = list(
            BudgetLine.objects.filter(name=CITY_LINE_NAME, year=year)
            .order_by("pk")
            .values_list("pk", "union_id")
        )
    return {"root": root, "preparer": preparer, "lines": lines[:CITY_LINES]}


def seed_reserve_city(ctx: Ctx) -> dict[str, Any]:
    from django.db.models import F

    from yugong.funds.models import BudgetLine, Commitment
    from yugong.orgs.models import RoleAssignment, Union

    w = _city_world()
    RoleAssignment.objects.get_or_create(
        user_id=ctx["auth_user_id"], union=w["root"], role="chair", active=True
    )
    line_ids = [pk for pk, _ in w["lines"]]
    Commitment.objects.filter(line_id__in=line_ids, status__in=["reserved", "pending"]).update(
        status="closed", reserved_fen=0
    )
    BudgetLine.objects.filter(pk__in=line_ids).update(reserved_fen=0, spent_fen=F("spent_fen") * 0)
    made = Commitment.objects.bulk_create(
        Commitment(
            line_id=w["lines"][i % len(line_ids)][0],
            union_id=w["lines"][i % len(line_ids)][1],
            amount_fen=EACH_FEN,
            purpose="压测",
            requested_by=w["preparer"],
        )
        for i in range(CITY_REQUESTS)
    )
    unions = Union.objects.filter(path__startswith=w["root"].path).count()
    print(
        f"funds_reserve_city: {unions} unions, {len(line_ids)} hot lines, {len(made)} requests",
        file=sys.stderr,
    )
    return {"commitments": [c.pk for c in made], "line_ids": line_ids, "unions": unions}


@scenario(
    "funds_reserve_city",
    "POST /api/v1/funds/commitments/{id}/approve in a seeded city: 100 hot lines in 100 grassroots unions, "
    "the city chair approves (check: python -m bench.scenarios.funds check)",
    setup=seed_reserve_city,
    auth=Auth("bench_funds_city_chair", staff=True),
    default=False,
)
def funds_reserve_city(ctx: Ctx, i: int) -> Request:
    ids = ctx["commitments"]
    return Request.json("POST", f"/api/v1/funds/commitments/{ids[i % len(ids)]}/approve", {})


def check_no_overdraw() -> int:
    from django.db.models import Sum

    from yugong.funds.models import BudgetLine, Commitment

    bad = 0
    from django.db.models import Q

    for line in BudgetLine.objects.filter(Q(union__code="BENCH-FUNDS") | Q(name=CITY_LINE_NAME)):
        reserved = (
            Commitment.objects.filter(line=line, status="reserved").aggregate(s=Sum("reserved_fen"))["s"] or 0
        )
        if line.reserved_fen + line.spent_fen > line.amount_fen or reserved != line.reserved_fen:
            bad += 1
            print(
                f"line {line.pk}: amount {line.amount_fen}, reserved {line.reserved_fen}, commitments {reserved}"
            )
    reserved_total = BudgetLine.objects.filter(
        Q(union__code="BENCH-FUNDS") | Q(name=CITY_LINE_NAME)
    ).aggregate(s=Sum("reserved_fen"))["s"]
    print(f"reserved in all: {reserved_total} fen")
    print("no line overdrawn" if not bad else f"{bad} lines overdrawn")
    return 1 if bad else 0


# --- 1,000,000-line reconciliation -----------------------------------------------------------------


def _bill_path(n: int) -> Path:
    base = Path(os.environ.get("YUGONG_VAR_DIR", "var"))
    base.mkdir(parents=True, exist_ok=True)
    return base / f"bench-wechat-bill-{n}.csv"


PLANTED = 100


def seed_reconcile(ctx: Ctx, n: int | None = None) -> dict[str, Any]:
    """A ledger of ``n`` gateway payments (COPY, once) and the provider's bill for them with
    ``PLANTED`` differences: amounts changed, lines missing, lines unknown to the ledger."""
    from django.db import connection

    from yugong.funds import ledger
    from yugong.funds.models import LedgerEntry, LedgerLine
    from yugong.funds.payments.wechatpay_bill import BillRow, write_bill

    n = n or int(os.environ.get("BENCH_RECONCILE_LINES", "1000000"))
    tag = f"bench-reconcile-{n}"
    if not LedgerEntry.objects.filter(kind="payment", memo=tag).exists():
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = 0")  # bench data: two million rows by COPY
            cursor.execute("SELECT COALESCE(MAX(id), 0) FROM funds_ledgerentry")
            start = int(cursor.fetchone()[0]) + 1
            raw = cursor.cursor
            with raw.copy(
                "COPY funds_ledgerentry (id, kind, memo, ref_type, refs, external_ref, created_at) FROM STDIN"
            ) as copy:
                for k in range(n):
                    copy.write_row((start + k, "payment", tag, "", "{}", f"B{n}T{k:09d}", "now"))
            with raw.copy("COPY funds_ledgerline (entry_id, account, amount_fen) FROM STDIN") as copy:
                for k in range(n):
                    amount = 100 + k % 9000
                    copy.write_row((start + k, ledger.PLATFORM_CASH, amount))
                    copy.write_row((start + k, ledger.merchant_payable(1), -amount))
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('funds_ledgerentry', 'id'), (SELECT MAX(id) FROM funds_ledgerentry))"
            )
        assert LedgerLine.objects.filter(entry_id=start).count() == 2
    path = _bill_path(n)
    if not path.exists():

        def rows() -> Any:
            for k in range(n):
                amount = 100 + k % 9000
                if k % (n // PLANTED) == 1:
                    amount += 1  # planted: the provider says another amount
                if k % (n // PLANTED) == 2:
                    continue  # planted: missing from the bill
                yield BillRow(
                    "2026-12-05 10:00:00",
                    f"42{k:026d}",
                    f"B{n}T{k:09d}",
                    "SUCCESS",
                    amount,
                    "",
                    "",
                    0,
                    amount * 6 // 1000,
                )
            for k in range(PLANTED):
                yield BillRow(
                    "2026-12-05 11:00:00", f"49{k:026d}", f"B{n}X{k:09d}", "SUCCESS", 500, "", "", 0, 3
                )

        with path.open("w", encoding="utf-8", newline="") as out:
            write_bill(rows(), out)
    return {"bill": str(path), "lines": n}


def reconcile_once(ctx: Ctx) -> dict[str, Any]:
    from yugong.accounts.models import User
    from yugong.core.timeutil import local_today
    from yugong.funds.payments.wechatpay_bill import read_bill
    from yugong.funds.services import provider_bill_reconcile
    from yugong.orgs.models import RoleAssignment

    w = _world()
    user = User.objects.get(username="bench_funds_approver")
    RoleAssignment.objects.get_or_create(user=user, union=w["city"], role="finance", active=True)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    with open(ctx["bill"], "rb") as f:
        chunks = iter(lambda: f.read(1 << 20), b"")
        run = provider_bill_reconcile(actor=user, union=w["city"], day=local_today(), rows=read_bill(chunks))
    seconds = time.perf_counter() - t0
    grew_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    out = {
        "bill_lines": run.statement_lines,
        "differences": run.differences,
        "seconds": round(seconds, 1),
        "peak_rss_growth_mb": round(grew_mb, 1),
    }
    print(f"reconcile: {out}", file=sys.stderr)
    return out


@micro(
    "funds_reconcile_1m",
    "provider bill reconciliation: a 1,000,000-line WeChat Pay bill against the ledger (BENCH_RECONCILE_LINES); "
    "seconds and peak RSS growth printed",
    setup=seed_reconcile,
    iterations=1,
    warmup_iterations=0,
    default=False,
)
def funds_reconcile_1m(ctx: Ctx) -> Any:
    return reconcile_once(ctx)


if __name__ == "__main__":  # python -m bench.scenarios.funds reconcile [lines] | check
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yugong.settings")
    django.setup()
    if sys.argv[1:2] == ["check"]:
        raise SystemExit(check_no_overdraw())
    lines = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
    context: Ctx = dict(seed_reconcile({}, lines))
    result = reconcile_once(context)
    print(result)
