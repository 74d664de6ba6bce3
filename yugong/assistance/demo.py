"""Demo 困难帮扶 data (after orgs, members and funds; idempotent): this year's 低保 lines of 渝中区
and 江北区; hardship files of demo members in several tiers and unions, one at each step of the
flow (applied, visiting, approving, in 公示, active, exited with its exit notice); the demo worker
张师傅 with an active file; two files due for review and the district's spot-check draw; and a
冬送温暖 campaign of 渝中区总工会 whose list was frozen and paid by
the bank (one line failed and waits for a follow-up). Everything goes through the services, so the
timeline, the audit log, the notices and the funds ledger are what real use would leave."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.conf import settings
from django.db.models import Count

from yugong.accounts.models import User
from yugong.core.timeutil import local_today, now
from yugong.members.models import Membership, Person
from yugong.orgs.models import Union

from . import services
from .models import Campaign, CampaignCycle, HardshipFile, MinimumLivingLine, SpotCheckDraw

LINES = {"渝中区": 79_000, "江北区": 79_000}  # 重庆 urban 低保, fen per person per month
TITLE = "冬送温暖·困难职工慰问"

# union code, index among its active members, step to leave the file at, application
PLAN: list[tuple[str, int, str, dict[str, Any]]] = [
    ("CQ-YZ-001", 1, "active", {"income": 120_000, "size": 2, "causes": ["illness"], "students": 0}),
    ("CQ-YZ-001", 2, "active", {"income": 300_000, "size": 3, "causes": ["education"], "students": 1}),
    ("CQ-YZ-001", 3, "submitted", {"income": 150_000, "size": 2, "causes": ["unemployment"], "students": 0}),
    ("CQ-YZ-001-01", 0, "visiting", {"income": 90_000, "size": 2, "causes": ["disability"], "students": 0}),
    ("CQ-YZ-001", 4, "notice", {"income": 160_000, "size": 2, "causes": ["single_parent"], "students": 1}),
    ("CQ-YZ-002", 0, "approving", {"income": 60_000, "size": 1, "causes": ["accident"], "students": 0}),
    ("CQ-YZ-002", 1, "active", {"income": 400_000, "size": 2, "causes": ["disaster"], "students": 0}),
    ("CQ-YZ-001", 5, "exited", {"income": 100_000, "size": 2, "causes": ["illness"], "students": 0}),
    ("CQ-JB-001", 0, "active", {"income": 110_000, "size": 2, "causes": ["illness"], "students": 1}),
    ("CQ-JB-001", 1, "submitted", {"income": 260_000, "size": 2, "causes": ["unemployment"], "students": 0}),
]
ORDER = ["submitted", "visiting", "approving", "notice", "active", "exited"]


def _application(spec: dict[str, Any], n: int) -> dict[str, Any]:
    household = [
        {
            "name": f"家属{k + 1}",
            "relation": "子女" if k < spec["students"] else "配偶",
            "in_school": k < spec["students"],
        }
        for k in range(spec["size"] - 1)
    ]
    return {
        "household": household,
        "incomes": [{"source": "工资性收入", "monthly_fen": spec["income"]}],
        "costs": [{"kind": "medical", "monthly_fen": 80_000}] if "illness" in spec["causes"] else [],
        "causes": spec["causes"],
        "sudden_event": "2026年7月家中遭受洪灾" if "disaster" in spec["causes"] else "",
        "illness_note": "慢性肾病，每周透析两次" if "illness" in spec["causes"] else "",
        "bank_card": f"62220200{n:011d}",
        "consent": True,
        "employment_months": 36,
    }


def _advance(f: HardshipFile, step: str, staff: User, approver: User) -> None:
    """Take the file through the services up to ``step`` (the 公示 period is shortened by moving its
    end into the past, the only shortcut: the demo cannot wait five working days)."""
    target = ORDER.index(step)
    if target >= 1:
        services.file_review(actor=staff, file=f, approve=True, note="材料齐全，同意入户走访")
    if target >= 2:
        services.file_visit(
            actor=staff,
            file=f,
            visited_at=now() - dt.timedelta(hours=3),
            place="申请人家中",
            visitors="工会主席、工会干事",
            findings="家庭情况与申请一致，住房简陋，收入来源单一。",
        )
    if target >= 3:
        services.file_approve(actor=approver, file=f, approve=True, note="同意建档，进入公示")
    if target >= 4:
        HardshipFile.objects.filter(pk=f.pk).update(notice_ends_at=now() - dt.timedelta(minutes=1))
        services.file_activate(actor=staff, file=f)
    if target >= 5:
        services.file_close(actor=staff, file=f, kind="exit", reason="子女就业，家庭收入已超过低保标准")


def _officers() -> tuple[User, User, User, User] | None:
    found = {
        u.username: u
        for u in User.objects.filter(username__in=["yuzhong_staff", "city_chair", "funds_finance"])
    }
    worker = User.objects.filter(username="w_demo_worker").first()
    if len(found) < 3 or worker is None:
        return None
    return found["yuzhong_staff"], found["city_chair"], found["funds_finance"], worker


def _member(union: Union, index: int) -> Person | None:
    people = list(
        Person.objects.filter(
            memberships__union=union, memberships__status=Membership.Status.ACTIVE, user__isnull=True
        ).order_by("pk")[: index + 1]
    )
    return people[index] if len(people) > index else None


def seed(stdout: Any) -> None:
    year = local_today().year
    for district, fen in LINES.items():
        for y in (year - 1, year):
            MinimumLivingLine.objects.get_or_create(
                district=district,
                year=y,
                defaults={"monthly_fen": fen - (y != year) * 3_000, "note": "渝府办发〔2025〕低保标准"},
            )
    officers = _officers()
    unions = {u.code: u for u in Union.objects.filter(code__in={p[0] for p in PLAN})}
    if officers is None or len(unions) < 4:
        stdout.write("assistance demo: the spine's demo is not there")
        return
    staff, chair, finance, worker = officers
    made = 0
    for n, (code, index, step, spec) in enumerate(PLAN, 1):
        person = _member(unions[code], index)
        if person is None or HardshipFile.objects.filter(applicant=person).exists():
            continue
        officer = staff if code.startswith("CQ-YZ") else chair
        f = services.file_apply(actor=officer, person=person, **_application(spec, n))
        _advance(f, step, officer, officer)
        made += 1
    mine = Person.objects.filter(user=worker).first()
    if mine is not None and not HardshipFile.objects.filter(applicant=mine).exists():
        spec = {"income": 130_000, "size": 3, "causes": ["illness"], "students": 1}
        f = services.file_apply(actor=staff, person=mine, **_application(spec, 99))
        _advance(f, "active", staff, staff)
        made += 1
    _campaign(staff, chair, finance)
    _spot_checks(staff)
    counts = dict(HardshipFile.objects.values_list("status").annotate(n=Count("pk")))
    stdout.write(f"assistance demo: {made} new hardship files; by status {counts}")


def _campaign(staff: User, chair: User, finance: User) -> None:
    district = Union.objects.filter(code="CQ-YZ").first()
    if district is None or Campaign.objects.filter(union=district, title=TITLE).exists():
        return
    from yugong.funds.models import BudgetLine, PayoutLine

    line = BudgetLine.objects.filter(budget__union=district, name="法律援助与困难帮扶", open=True).first()
    if line is None:
        return
    camp = services.campaign_create(
        actor=staff, union=district, kind="winter_warmth", title=TITLE, budget_line=line
    )
    today = local_today()
    cycle = services.cycle_create(
        actor=staff,
        campaign=camp,
        name=f"{today.year}年第一批",
        starts_on=today - dt.timedelta(days=10),
        ends_on=today + dt.timedelta(days=50),
        rules={"tiers": ["deep", "relative", "sudden"]},
        amounts={"deep": 80_000, "relative": 50_000, "sudden": 50_000, "per_student": 30_000},
    )
    services.cycle_build(actor=staff, cycle=cycle)
    services.cycle_submit(actor=staff, cycle=cycle)
    if (
        int(getattr(settings, "FUNDS_SECOND_APPROVAL_FEN", 0))
        < CampaignCycle.objects.get(pk=cycle.pk).total_fen
    ):
        return  # a deployment with a lower threshold: the list waits for its second approver
    services.cycle_approve(actor=chair, cycle=cycle)
    batch = services.cycle_pay(actor=finance, cycle=cycle, bank_format="csv_gbk")
    lines = list(PayoutLine.objects.filter(batch=batch).order_by("pk"))
    rows = ["客户流水号,处理结果,失败原因,金额"]
    for k, pl in enumerate(lines):
        failed = k == 0 and len(lines) > 1  # one household waits for a follow-up
        rows.append(
            f"{pl.number},{'失败' if failed else '成功'},{'户名与账号不符' if failed else ''},{pl.amount_fen / 100:.2f}"
        )
    data = io.BytesIO("\r\n".join(rows).encode("gbk"))
    services.cycle_results_import(actor=finance, cycle=cycle, batch=batch, data=data)


def _spot_checks(staff: User) -> None:
    """Two files activated "a year ago" are due for their annual review; the district draws this
    year's spot checks (once: the draw is one per union and year)."""
    district = Union.objects.filter(code="CQ-YZ").first()
    if district is None or SpotCheckDraw.objects.filter(union=district, year=local_today().year).exists():
        return
    due = list(
        HardshipFile.objects.filter(status=HardshipFile.Status.ACTIVE, union__code__startswith="CQ-YZ")
        .order_by("pk")
        .values_list("pk", flat=True)[:2]
    )
    HardshipFile.objects.filter(pk__in=due).update(review_due_on=local_today() + dt.timedelta(days=12))
    services.spot_check_draw(actor=staff, union=district)
