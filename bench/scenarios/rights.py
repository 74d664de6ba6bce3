"""Rights (12351): the supervisors' overdue queue at city scale, 查政策 over a big library, intake.

* ``rights_overdue_queue`` (HTTP): ``GET /api/v1/rights/queues/overdue?limit=50`` for a hotline
  operator at the city root (the whole tree in scope): the 50 most overdue plus the count. The
  setup tops the benchmark database up to ``BENCH_APPEALS`` appeals (default 20,000 so a plain run
  stays quick; the goal figure is at 1,000,000 —

      BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/yugong_rights BENCH_APPEALS=1000000 \\
          .venv/bin/python -m bench -s rights_overdue_queue

  — the COPY seed takes a few minutes on the 2-core machine).
* ``rights_policy_search`` (HTTP): ``GET /api/v1/rights/policies/search?q=…`` cycling through
  realistic queries over ``BENCH_POLICIES`` policies (default 10,000, the goal size).
* ``rights_intake`` (HTTP): ``POST /api/v1/rights/appeals`` by the operator — routing, number
  allocation, stage and clocks, timeline, audit, facts and the SMS hand-off per request.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from bench.registry import Auth, Ctx, Request, scenario

QUERIES = [
    "拖欠工资",
    "劳动合同",
    "工伤认定",
    "加班工资",
    "骑手休息",
    "社会保险",
    "经济补偿",
    "年休假",
    "最低工资",
    "法律援助",
]


def _root_and_role(ctx: Ctx) -> Any:
    from yugong.orgs.models import RoleAssignment, Union

    root = Union.objects.filter(parent__isnull=True, status="active").order_by("id").first()
    if root is None:
        from yugong.orgs import demo

        demo.seed(sys.stderr)
        root = Union.objects.filter(parent__isnull=True, status="active").order_by("id").first()
    RoleAssignment.objects.get_or_create(user_id=ctx["auth_user_id"], union=root, role="hotline", active=True)
    return root


def seed_appeals(ctx: Ctx) -> dict[str, Any]:
    from django.core.management import call_command

    from yugong.rights.models import Appeal

    _root_and_role(ctx)
    target = max(1000, int(os.environ.get("BENCH_APPEALS", "20000")))
    have = Appeal.objects.count()
    if have < target * 0.95:
        call_command("rights_seed_bench", appeals=target - have, stdout=sys.stderr)
    from yugong.core.timeutil import now

    return {"appeals": Appeal.objects.count(), "overdue": Appeal.objects.filter(due_at__lte=now()).count()}


def seed_policies(ctx: Ctx) -> dict[str, Any]:
    from django.core.management import call_command

    from yugong.rights.models import Policy

    target = max(100, int(os.environ.get("BENCH_POLICIES", "10000")))
    have = Policy.objects.count()
    if have < target * 0.95:
        call_command("rights_seed_bench", policies=target - have, stdout=sys.stderr)
    return {"policies": Policy.objects.count()}


def seed_intake(ctx: Ctx) -> dict[str, Any]:
    _root_and_role(ctx)
    return {}


@scenario(
    "rights_overdue_queue",
    "GET /api/v1/rights/queues/overdue?limit=50 for the city root (BENCH_APPEALS appeals)",
    setup=seed_appeals,
    auth=Auth("bench_rights_supervisor"),
    default=False,
)
def overdue_queue(ctx: Ctx, i: int) -> Request:
    return Request("GET", "/api/v1/rights/queues/overdue?limit=50")


@scenario(
    "rights_policy_search",
    "GET /api/v1/rights/policies/search?q=… over BENCH_POLICIES policies (jieba + FTS)",
    setup=seed_policies,
    default=False,
)
def policy_search(ctx: Ctx, i: int) -> Request:
    from urllib.parse import quote

    return Request("GET", f"/api/v1/rights/policies/search?q={quote(QUERIES[i % len(QUERIES)])}&limit=20")


@scenario(
    "rights_intake",
    "POST /api/v1/rights/appeals by a hotline operator (routing, clocks, timeline, audit, facts, SMS)",
    setup=seed_intake,
    auth=Auth("bench_rights_operator"),
    default=False,
)
def intake(ctx: Ctx, i: int) -> Request:
    return Request.json(
        "POST",
        "/api/v1/rights/appeals",
        {
            "channel": "hotline",
            "category": "wages",
            "facts": "公司拖欠三个月工资，约一万八千元。",
            "caller_name": "基准",
            "caller_phone": f"137{i % 100_000_000:08d}",
            "district": "渝中区",
        },
    )
