"""Assistance: freezing a city-wide 冬送温暖 list over 100,000 households.

* ``assistance_freeze_100k`` (micro): 100,000 active hardship files (``BENCH_AID_HOUSEHOLDS``) in 200
  grassroots unions of one district, one in ten with a child in school; each run builds a new
  cycle's list by the rules (tiers, children in school for the extra amount) through
  ``cycle_build`` — the service the pages call — then submits it and freezes it (a leader's
  approval, the money reserved in funds). Prints the seconds of the build and of the whole freeze,
  the households listed and the peak RSS growth. ``python -m bench.scenarios.assistance [n]`` runs
  it directly.
* ``assistance_bank_file_100k`` (micro): the bank file (代发文件) of an exported batch of 100,000
  lines (seeded once by bulk insert: paying a cycle line by line is funds' service, not measured
  here), streamed through the response the page returns — csv (GBK) and xlsx (openpyxl write-only
  to a temporary file, then streamed). Prints seconds, bytes and the growth of the resident memory
  while streaming (sampled every chunk).

* ``assistance_pay_100k`` (micro): a frozen 100,000-household cycle paid through funds
  (``cycle_pay``: one bank batch, a line, a ledger entry and two audit rows per household, written
  set-based on PostgreSQL). ``pay-small`` pays one grassroots union's households by both paths
  (set-based and line by line) alternately, for the ratio.

``python -m bench.scenarios.assistance [households] [runs] [freeze|bank|pay|pay-small|all]`` runs them ``runs``
times (3 by default) and prints each run and the medians. Wall seconds follow the machine's load;
``*_cpu_seconds`` (this process plus its PostgreSQL backend) do not.
"""

from __future__ import annotations

import datetime as dt
import os
import resource
import statistics
import sys
import time
from typing import Any

from bench import micro
from bench.registry import Ctx

UNIONS = 200
TAG = "bench-aid"


def seed(ctx: Ctx, n: int | None = None) -> dict[str, Any]:
    """The district, its unions, ``n`` people with active files (bulk inserts, once), the district's
    approved budget with an aid line, and a staff member and a chair."""
    from django.db import transaction

    from yugong.accounts.models import User
    from yugong.accounts.system import system_actor
    from yugong.assistance.models import HardshipFile, HouseholdMember
    from yugong.core.timeutil import local_today
    from yugong.funds import services as funds
    from yugong.funds.models import BudgetLine, Category
    from yugong.members.models import Person
    from yugong.orgs.models import RoleAssignment, Union
    from yugong.orgs.services import union_create

    n = n or int(os.environ.get("BENCH_AID_HOUSEHOLDS", "100000"))
    system = system_actor()
    root = Union.objects.filter(parent__isnull=True).order_by("pk").first()
    if root is None:
        root = union_create(actor=system, parent=None, name="重庆市总工会", code="BENCHAIDROOT", kind="city")
    district = Union.objects.filter(name=f"{TAG}-区总工会").first()
    if district is None:
        district = union_create(
            actor=system,
            parent=root,
            name=f"{TAG}-区总工会",
            code="BENCHAIDD",
            kind="district",
            district="基准区",
        )
        for i in range(UNIONS):
            union_create(
                actor=system,
                parent=district,
                name=f"{TAG}-基层{i}",
                code=f"BENCHAIDG{i:04d}",
                kind="grassroots",
            )
    unions = list(Union.objects.filter(parent=district).order_by("pk").values_list("pk", flat=True))
    have = HardshipFile.objects.filter(union_id__in=unions).count()
    year = local_today().year
    chunk = 5000
    for start in range(have, n, chunk):
        size = min(chunk, n - start)
        with transaction.atomic():
            people = Person.objects.bulk_create(Person(name=f"帮扶{start + k}") for k in range(size))
            files = HardshipFile.objects.bulk_create(
                HardshipFile(
                    union_id=unions[(start + k) % len(unions)],
                    applicant=p,
                    district="基准区",
                    year=year,
                    causes=["illness"] if k % 3 else ["unemployment"],
                    household_size=1,
                    monthly_income_fen=50_000,
                    tier="deep" if k % 4 else "relative",
                    status=HardshipFile.Status.ACTIVE,
                    consent_income_check=True,
                    bank_card=f"62220200{start + k:011d}",
                    bank_card_tail=f"{start + k:011d}"[-4:],
                )
                for k, p in enumerate(people)
            )
            HouseholdMember.objects.bulk_create(
                HouseholdMember(file=f, name="子女", relation="子", in_school=True)
                for k, f in enumerate(files)
                if k % 10 == 0
            )
        print(f"seeded {start + size}/{n} files", file=sys.stderr)
    _add_cards(unions)
    if have < n:
        from django.db import connection

        if connection.vendor == "postgresql":  # what autovacuum does after a bulk load
            with connection.cursor() as cursor:
                for table in ("assistance_hardshipfile", "assistance_householdmember", "members_person"):
                    cursor.execute(f"ANALYZE {table}")
    staff, _ = User.objects.get_or_create(username="bench_aid_staff")
    chair, _ = User.objects.get_or_create(username="bench_aid_chair")
    RoleAssignment.objects.get_or_create(user=staff, union=district, role="staff", active=True)
    RoleAssignment.objects.get_or_create(user=chair, union=district, role="chair", active=True)
    finance, _ = User.objects.get_or_create(username="bench_aid_finance")
    RoleAssignment.objects.get_or_create(user=finance, union=district, role="finance", active=True)
    line = BudgetLine.objects.filter(union=district, name=f"{TAG}-帮扶", open=True).first()
    if line is None:
        budget = funds.budget_create(actor=staff, union=district, year=year)
        line = funds.budget_line_add(
            actor=staff, budget=budget, category=Category.ACTIVITIES, name=f"{TAG}-帮扶", amount_fen=10**13
        )
        funds.budget_submit(actor=staff, budget=budget)
        funds.budget_approve(actor=chair, budget=budget)
    return {"district": district.pk, "line": line.pk, "households": n}


def _add_cards(unions: list[int]) -> None:
    """A bank card on every seeded file that has none (files seeded before the payment bench)."""
    from django.db import transaction

    from yugong.assistance.models import HardshipFile

    while True:
        with transaction.atomic():
            files = list(
                HardshipFile.objects.filter(union_id__in=unions, bank_card_tail="")
                .only("pk")
                .order_by("pk")[:5000]
            )
            if not files:
                return
            for f in files:
                f.bank_card = f"62220200{f.pk:011d}"
                f.bank_card_tail = f.bank_card[-4:]
            HardshipFile.objects.bulk_update(files, ["bank_card", "bank_card_tail"], batch_size=1000)
        print(f"carded {len(files)} files", file=sys.stderr)


def _frozen_cycle(ctx: Ctx, *, area: int | None = None) -> Any:
    """A new cycle over the seeded district (or one grassroots union of it), built and frozen."""
    from django.conf import settings

    from yugong.accounts.models import User
    from yugong.assistance import services as s
    from yugong.core.timeutil import local_today
    from yugong.orgs.models import Union

    settings.FUNDS_SECOND_APPROVAL_FEN = 10**15
    staff = User.objects.get(username="bench_aid_staff")
    chair = User.objects.get(username="bench_aid_chair")
    district = Union.objects.get(pk=ctx["district"])
    camp = s.campaign_create(
        actor=staff, union=district, kind="winter_warmth", title=f"{TAG} 冬送温暖", budget_line=ctx["line"]
    )
    rules: dict[str, Any] = {"tiers": ["deep", "relative"]}
    if area is not None:
        rules["area_union_id"] = area
    cycle = s.cycle_create(
        actor=staff,
        campaign=camp,
        name=f"{TAG} {time.time():.3f}",
        starts_on=local_today(),
        ends_on=local_today() + dt.timedelta(days=60),
        rules=rules,
        amounts={"deep": 100_000, "relative": 50_000, "per_student": 20_000},
    )
    s.cycle_build(actor=staff, cycle=cycle)
    s.cycle_submit(actor=staff, cycle=cycle)
    return s.cycle_approve(actor=chair, cycle=cycle)


def pay_once(ctx: Ctx, *, path: str = "set", area: int | None = None) -> dict[str, Any]:
    """Freeze a new cycle (not measured), then pay it through funds: ``cycle_pay`` — the batch, its
    lines, their ledger entries and audit rows, the list's statuses — by ``path`` (``set``: the
    PostgreSQL ``INSERT … SELECT``; ``rows``: one funds line per household)."""
    from django.conf import settings

    from yugong.accounts.models import User
    from yugong.assistance import services as s

    cycle = _frozen_cycle(ctx, area=area)
    finance = User.objects.get(username="bench_aid_finance")
    settings.ASSISTANCE_PAY_PATH = path
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    rss_before = _rss_mb()
    cpu0 = _cpu_seconds()
    t0 = time.perf_counter()
    batch = s.cycle_pay(actor=finance, cycle=cycle)
    seconds = time.perf_counter() - t0
    cpu = _cpu_seconds() - cpu0
    grew_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    out = {
        "path": path,
        "lines": batch.line_count,
        "total_yuan": batch.total_fen // 100,
        "pay_seconds": round(seconds, 2),
        "pay_cpu_seconds": round(cpu, 2),
        "ms_per_line": round(1000 * seconds / max(batch.line_count, 1), 3),
        "load_average": os.getloadavg()[0],
        "peak_rss_growth_mb": round(grew_mb, 1),
        "rss_growth_mb": round(_rss_mb() - rss_before, 1),
    }
    print(f"assistance pay: {out}", file=sys.stderr)
    return out


def freeze_once(ctx: Ctx) -> dict[str, Any]:
    from django.conf import settings

    from yugong.accounts.models import User
    from yugong.assistance import services as s
    from yugong.core.timeutil import local_today
    from yugong.orgs.models import Union

    settings.FUNDS_SECOND_APPROVAL_FEN = 10**15  # one leader approves the bench's large total
    staff = User.objects.get(username="bench_aid_staff")
    chair = User.objects.get(username="bench_aid_chair")
    district = Union.objects.get(pk=ctx["district"])
    camp = s.campaign_create(
        actor=staff, union=district, kind="winter_warmth", title=f"{TAG} 冬送温暖", budget_line=ctx["line"]
    )
    cycle = s.cycle_create(
        actor=staff,
        campaign=camp,
        name=f"{TAG} {time.time():.0f}",
        starts_on=local_today(),
        ends_on=local_today() + dt.timedelta(days=60),
        rules={"tiers": ["deep", "relative"]},
        amounts={"deep": 100_000, "relative": 50_000, "per_student": 20_000},
    )
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    rss_before = _rss_mb()
    cpu0 = _cpu_seconds()
    t0 = time.perf_counter()
    cycle = s.cycle_build(actor=staff, cycle=cycle)
    built = time.perf_counter() - t0
    s.cycle_submit(actor=staff, cycle=cycle)
    cycle = s.cycle_approve(actor=chair, cycle=cycle)
    seconds = time.perf_counter() - t0
    cpu = _cpu_seconds() - cpu0
    grew_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    out = {
        "households_listed": cycle.people,
        "total_yuan": cycle.total_fen // 100,
        "build_seconds": round(built, 2),
        "freeze_seconds": round(seconds, 2),
        "freeze_cpu_seconds": round(cpu, 2),
        "load_average": os.getloadavg()[0],
        "peak_rss_growth_mb": round(grew_mb, 1),
        "rss_growth_mb": round(_rss_mb() - rss_before, 1),
        "status": str(cycle.status),
    }
    print(f"assistance freeze: {out}", file=sys.stderr)
    return out


def _rss_mb() -> float:
    """The resident memory now (not the peak): VmRSS from /proc."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _cpu_seconds() -> float:
    """CPU seconds used so far by this process and by its PostgreSQL backend (on this machine):
    a figure the other processes' load does not inflate. The backend's share is 0 elsewhere."""
    from django.db import connection

    ticks = os.sysconf("SC_CLK_TCK")
    own = sum(os.times()[:2])
    if connection.vendor != "postgresql":
        return own
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return own + (int(fields[11]) + int(fields[12])) / ticks
    except OSError:
        return own


def seed_batch(ctx: Ctx) -> dict[str, Any]:
    """An exported aid batch of ``households`` lines at the district (bulk insert, once)."""
    from django.db import transaction

    from yugong.accounts.models import User
    from yugong.funds.models import PayoutBatch, PayoutLine
    from yugong.orgs.models import Union

    n = int(str(ctx.get("households") or os.environ.get("BENCH_AID_HOUSEHOLDS", "100000")))
    district = Union.objects.get(pk=ctx["district"])
    staff = User.objects.get(username="bench_aid_staff")
    batch = PayoutBatch.objects.filter(union=district, title=f"{TAG} 代发 {n}").first()
    if batch is None:
        batch = PayoutBatch.objects.create(
            union=district,
            kind=PayoutBatch.Kind.AID,
            status=PayoutBatch.Status.EXPORTED,
            title=f"{TAG} 代发 {n}",
            cash_account=f"funds_cash:{district.pk}",
            bank_format="csv_gbk",
            created_by=staff,
        )
    have = PayoutLine.objects.filter(batch=batch).count()
    for start in range(have, n, 5000):
        with transaction.atomic():
            PayoutLine.objects.bulk_create(
                PayoutLine(
                    batch=batch,
                    payee_name=f"帮扶{k}",
                    account_no=f"6222020{k:012d}",
                    amount_fen=100_000,
                    purpose="冬送温暖",
                    debit_account="bench",
                    status=PayoutLine.Status.SENT,
                )
                for k in range(start, min(start + 5000, n))
            )
        print(f"seeded {min(start + 5000, n)}/{n} bank lines", file=sys.stderr)
    PayoutBatch.objects.filter(pk=batch.pk).update(line_count=n, total_fen=n * 100_000)
    return {"batch": batch.pk}


def bank_file_once(ctx: Ctx) -> dict[str, Any]:
    from yugong.assistance.exports import bank_file_response
    from yugong.funds.models import PayoutBatch

    out: dict[str, Any] = {}
    for fmt in ("csv_gbk", "xlsx"):
        PayoutBatch.objects.filter(pk=ctx["batch"]).update(bank_format=fmt)
        batch = PayoutBatch.objects.get(pk=ctx["batch"])
        start_mb = top_mb = _rss_mb()
        cpu0 = _cpu_seconds()
        t0 = time.perf_counter()
        response = bank_file_response(batch, "bench")
        size = 0
        for chunk in response.streaming_content:  # type: ignore[union-attr]
            size += len(chunk)
            top_mb = max(top_mb, _rss_mb())
        out[f"{fmt}_seconds"] = round(time.perf_counter() - t0, 2)
        out[f"{fmt}_cpu_seconds"] = round(_cpu_seconds() - cpu0, 2)  # before close() ends the connection
        response.close()
        out[f"{fmt}_mb"] = round(size / 2**20, 1)
        out[f"{fmt}_rss_growth_mb"] = round(top_mb - start_mb, 1)
    print(f"assistance bank file: {out}", file=sys.stderr)
    return out


def _seed_all(ctx: Ctx) -> dict[str, Any]:
    base = seed(ctx)
    return {**base, **seed_batch(base)}


@micro(
    "assistance_bank_file_100k",
    "the bank file of an exported 100,000-line aid batch (BENCH_AID_HOUSEHOLDS), csv and xlsx, "
    "streamed; seconds, size and resident-memory growth printed",
    setup=_seed_all,
    iterations=1,
    warmup_iterations=0,
    default=False,
)
def assistance_bank_file_100k(ctx: Ctx) -> Any:
    return bank_file_once(ctx)


@micro(
    "assistance_pay_100k",
    "paying a frozen 冬送温暖 cycle of 100,000 households (BENCH_AID_HOUSEHOLDS) through funds: one "
    "bank batch, its lines, one ledger entry and audit rows per line, set-based on PostgreSQL; each "
    "iteration freezes a new cycle first (printed: the payment's seconds, CPU and peak RSS growth)",
    setup=seed,
    iterations=3,
    warmup_iterations=0,
    default=False,
)
def assistance_pay_100k(ctx: Ctx) -> Any:
    return pay_once(ctx)


@micro(
    "assistance_freeze_100k",
    "冬送温暖 over 100,000 households (BENCH_AID_HOUSEHOLDS): build the cycle's list by the rules, "
    "submit and freeze it; seconds and peak RSS growth printed",
    setup=seed,
    iterations=1,
    warmup_iterations=0,
    default=False,
)
def assistance_freeze_100k(ctx: Ctx) -> Any:
    return freeze_once(ctx)


if __name__ == "__main__":  # python -m bench.scenarios.assistance [households]
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yugong.settings")
    django.setup()
    households = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    only = sys.argv[3] if len(sys.argv) > 3 else "all"  # freeze | bank | pay | pay-small | all
    context: Ctx = dict(seed({}, households))
    measured = []
    if only in ("pay", "all"):
        measured.append(("pay", [pay_once(context) for _ in range(runs)]))
    if only == "pay-small":  # one grassroots union's households, both paths alternated
        from yugong.orgs.models import Union

        small = (
            Union.objects.filter(parent_id=context["district"]).order_by("pk").values_list("pk", flat=True)[0]
        )
        both = [
            (pay_once(context, path="set", area=small), pay_once(context, path="rows", area=small))
            for _ in range(runs)
        ]
        measured.append(("pay one union, set", [a for a, _b in both]))
        measured.append(("pay one union, rows", [b for _a, b in both]))
    if only in ("bank", "all"):
        context.update(seed_batch(context))
    if only in ("freeze", "all"):
        measured.append(("freeze", [freeze_once(context) for _ in range(runs)]))
    if only in ("bank", "all"):
        measured.append(("bank file", [bank_file_once(context) for _ in range(runs)]))
    for name, results in measured:
        medians = {
            k: statistics.median(r[k] for r in results)
            for k, v in results[0].items()
            if isinstance(v, int | float)
        }
        print(f"{name}: median of {runs}: {medians}")
