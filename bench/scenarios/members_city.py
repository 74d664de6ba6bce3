"""Members at city scale: search and list for a district federation's staff, and the roster import.

* ``members_search`` / ``members_list`` (HTTP, ``GET /api/v1/members/``) run against a city made by
  ``manage.py seed_city``. The setup seeds only when the benchmark database holds fewer members than
  ``BENCH_MEMBERS`` (default 20,000 so that a plain ``make bench`` stays quick). The goal figure is at
  5,000,000 members: seed once into a dedicated database and keep it —

      createdb -h 127.0.0.1 -U postgres yugong_bench_city
      BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/yugong_bench_city BENCH_MEMBERS=5000000 \\
          .venv/bin/python -m bench -s members_search,members_list

  (the 5M seed takes about half an hour on the 2-core machine: COPY at ~3,000 rows/s with
  encryption and blind indexes computed per row, then the indexes built once).
* ``roster_import`` (micro, one call): for each size in ``BENCH_IMPORT_SIZES`` (default
  10000,50000,100000) a generated roster is imported (``all_or_nothing``) in a **fresh
  subprocess**, reporting rows/s, rows per importer CPU-second, the load average and the peak
  resident memory (``VmHWM``, reset when the child starts) before and after, to show memory flat as
  the file grows. The imported members are deleted afterwards. Also runnable
  alone: ``python -m bench.scenarios.members_city``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from typing import Any

from bench.registry import Auth, Ctx, Request, micro, scenario

DISTRICT_CODE = "CQ500112"  # 渝北区: the biggest district of the generated city
SURNAME_PREFIXES = ("王", "李", "张伟", "刘", "陈静", "杨", "赵", "黄")


def _target() -> int:
    return max(1000, int(os.environ.get("BENCH_MEMBERS", "20000")))


def seed(ctx: Ctx) -> dict[str, Any]:
    """Seed the city when missing (or too small), give the bench user a staff role at 渝北区总工会,
    and pick realistic search terms from the data."""
    from django.core.management import call_command
    from django.db import connection

    from yugong.members.models import Membership, Person
    from yugong.orgs.models import Employer, RoleAssignment, Union

    target = _target()
    have = Person.objects.count()
    root = Union.objects.filter(code="CQ", parent__isnull=True).first()
    if root is None:
        call_command(
            "seed_city",
            members=target,
            unions=max(200, min(100_000, target // 50)),
            allow_existing=True,
            stdout=sys.stderr,
        )
    elif have < target * 0.9:
        call_command("seed_city", members=target - have, unions=0, append=True, stdout=sys.stderr)
    district = Union.objects.get(code=DISTRICT_CODE)
    RoleAssignment.objects.get_or_create(
        user_id=ctx["auth_user_id"], union=district, role="staff", active=True
    )
    in_district = Membership.objects.filter(union__path__startswith=district.path, status="active")
    sample = list(in_district.order_by("-id").values_list("member_no", "person__phone_tail")[:400:8])
    employers = list(
        Employer.objects.filter(union__path__startswith=district.path)
        .order_by("id")
        .values_list("name", flat=True)[:50]
    )
    # a cursor ~2,000 rows deep into the district's list (page 41 of 50): keyset, no OFFSET at run time
    deep = in_district.order_by("-id").values_list("id", flat=True)[2000:2001]
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM members_membership")
        memberships = cursor.fetchone()[0]
    return {
        "district_id": district.pk,
        "member_nos": [m for m, _t in sample if m],
        "tails": [t for _m, t in sample if t],
        "employers": [e[:4] for e in employers] or ["重庆"],
        "deep_after": deep[0] if deep else None,
        "memberships": memberships,
    }


def _q(value: str) -> str:
    from urllib.parse import quote

    return quote(value)


@scenario(
    "members_search",
    "GET /api/v1/members/?q=… as 渝北区 staff: name prefix, member number, last 4 phone digits, employer",
    setup=seed,
    auth=Auth("bench_members_district", staff=True),
)
def members_search(ctx: Ctx, i: int) -> Request:
    kind = i % 4
    if kind == 0:
        q = f"q={_q(SURNAME_PREFIXES[i // 4 % len(SURNAME_PREFIXES)])}"
    elif kind == 1 and ctx["member_nos"]:
        q = f"q={ctx['member_nos'][i // 4 % len(ctx['member_nos'])]}"
    elif kind == 2 and ctx["tails"]:
        q = f"q={ctx['tails'][i // 4 % len(ctx['tails'])]}"
    else:
        q = f"employer={_q(ctx['employers'][i // 4 % len(ctx['employers'])])}"
    return Request("GET", f"/api/v1/members/?{q}&limit=20")


@scenario(
    "members_list",
    "GET /api/v1/members/ as 渝北区 staff: the first page and a page ~2,000 rows deep (keyset cursor)",
    setup=seed,
    auth=Auth("bench_members_district", staff=True),
)
def members_list(ctx: Ctx, i: int) -> Request:
    if i % 2 and ctx.get("deep_after"):
        return Request("GET", f"/api/v1/members/?after={ctx['deep_after']}&limit=50")
    return Request("GET", "/api/v1/members/?limit=50")


# --- Roster import: rows/s and peak memory per file size ------------------------------------------

_MAKE_FILE = r"""
import sys, datetime as dt
from openpyxl import Workbook
from yugong.members.citygen import id_number_for, phone_for, DISTRICTS
from yugong.members.roster.parsing import COLUMNS
n, code, path, k0 = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
regions = [c for _n, c, _w in DISTRICTS]
wb = Workbook(write_only=True)
ws = wb.create_sheet("会员名册")
ws.append([c.header for c in COLUMNS])
forms = ["单位职工", "外卖骑手", "快递员", "灵活就业"]
for i in range(n):
    k = k0 + i
    ws.append(["张" + "伟芳娜敏静丽强磊"[i % 8] + "军洋勇艳"[i % 4], id_number_for(k, regions), phone_for(k), code,
               forms[i % 4], "是" if i % 3 == 0 else "否", "高中", "操作工", None, "2024-03-01"])
wb.save(path)
"""

_RUN_IMPORT = r"""
import json, os, resource, sys, time
import django
django.setup()
from django.core.files.uploadedfile import SimpleUploadedFile
from yugong.accounts.models import User
from yugong.members.roster.run import roster_import_create, roster_import_run
from yugong.members.roster.models import RosterImport
from yugong.orgs.models import Union
path, union_id, user_id = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def hwm_kb():
    # VmHWM: this process's peak RSS since the reset below (ru_maxrss is inherited across the
    # fork from the bench process, so it can read the parent's size at start)
    try:
        with open("/proc/self/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # reset the peak to the current RSS (Linux)
except OSError:
    pass
usage = resource.getrusage(resource.RUSAGE_SELF)
before, cpu0 = hwm_kb(), usage.ru_utime + usage.ru_stime
data = open(path, "rb").read()
union, user = Union.objects.get(pk=union_id), User.objects.get(pk=user_id)
RosterImport.objects.filter(union=union).delete()
t = time.perf_counter()
from django.test.utils import override_settings
with override_settings(CELERY_TASK_ALWAYS_EAGER=False):
    ri, _ = roster_import_create(actor=user, union=union, uploaded=SimpleUploadedFile("r.xlsx", data), mode="all_or_nothing")
    ri = roster_import_run(import_id=ri.pk)
seconds = time.perf_counter() - t
usage = resource.getrusage(resource.RUSAGE_SELF)
after, cpu = hwm_kb(), usage.ru_utime + usage.ru_stime - cpu0
print(json.dumps({"load_avg": os.getloadavg(), "rows": ri.total, "created": ri.created, "status": ri.status, "message": ri.message,
                  "seconds": seconds, "cpu_seconds": cpu, "rss_before_mb": before / 1024,
                  "rss_peak_mb": after / 1024, "file_mb": len(data) / 1e6}))
"""


def _import_setup(ctx: Ctx) -> dict[str, Any]:
    from yugong.accounts.system import system_actor
    from yugong.orgs.models import RoleAssignment, Union
    from yugong.orgs.services import union_create

    union = Union.objects.filter(code="BENCH-IMPORT").first()
    if union is None:
        root = Union.objects.filter(parent__isnull=True).order_by("id").first()
        if root is None:
            root = union_create(
                actor=system_actor(), parent=None, name="基准测试市总工会", code="BENCH-ROOT", kind="city"
            )
        union = union_create(
            actor=system_actor(), parent=root, name="基准测试导入工会", code="BENCH-IMPORT", kind="grassroots"
        )
    RoleAssignment.objects.get_or_create(user_id=ctx["auth_user_id"], union=union, role="staff", active=True)
    return {"import_union_id": union.pk}


def _cleanup(union_id: int) -> None:
    from django.db import transaction

    from yugong.members.models import Membership, Person

    with transaction.atomic():
        ids = list(Membership.objects.filter(union_id=union_id).values_list("person_id", flat=True))
        Membership.objects.filter(union_id=union_id).delete()
        for start in range(0, len(ids), 10_000):
            Person.objects.filter(pk__in=ids[start : start + 10_000], memberships__isnull=True).delete()


def import_sizes(ctx: Ctx, sizes: list[int]) -> list[dict[str, Any]]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "yugong.settings"),
    }
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            _cleanup(ctx["import_union_id"])
            path = os.path.join(tmp, f"roster-{n}.xlsx")
            subprocess.run(  # the file is made in its own process: its memory is not the importer's
                [
                    sys.executable,
                    "-c",
                    "import django; django.setup()\n" + _MAKE_FILE,
                    str(n),
                    "BENCH-IMPORT",
                    path,
                    "900000000",
                ],
                check=True,
                env=env,
                timeout=900,
            )
            out = subprocess.run(
                [
                    sys.executable,
                    "-c",
                    _RUN_IMPORT,
                    path,
                    str(ctx["import_union_id"]),
                    str(ctx["auth_user_id"]),
                ],
                check=True,
                env=env,
                capture_output=True,
                text=True,
                timeout=1800,
            )
            figures = json.loads(out.stdout.strip().splitlines()[-1])
            figures["rows_per_s"] = figures["rows"] / figures["seconds"] if figures["seconds"] else 0.0
            # the importer's own CPU (the database's is not in it): steadier than wall time on a
            # shared machine, like "srv cpu ms/req" for the HTTP scenarios
            cpu = figures.get("cpu_seconds") or 0.0
            figures["rows_per_cpu_s"] = figures["rows"] / cpu if cpu else 0.0
            results.append(figures)
            print(
                f"roster_import {n:>7} rows: {figures['rows_per_s']:,.0f} rows/s, "
                f"{figures['rows_per_cpu_s']:,.0f} rows per importer CPU-second, "
                f"{figures['seconds']:.1f}s, peak RSS {figures['rss_peak_mb']:.0f} MB "
                f"(after setup {figures['rss_before_mb']:.0f} MB), file {figures['file_mb']:.1f} MB, "
                f"{figures['status']}, load average {figures['load_avg'][0]:.1f}",
                file=sys.stderr,
            )
        _cleanup(ctx["import_union_id"])
    return results


@micro(
    "roster_import",
    "roster import of generated 10k/50k/100k-row files (BENCH_IMPORT_SIZES), each in a fresh "
    "subprocess: rows/s and peak RSS printed per size; the timed call is the whole series",
    setup=_import_setup,
    auth=Auth("bench_roster_import", staff=True),
    iterations=1,
    warmup_iterations=0,
    default=False,
)
def roster_import(ctx: Ctx) -> Any:
    sizes = [int(s) for s in os.environ.get("BENCH_IMPORT_SIZES", "10000,50000,100000").split(",") if s]
    return import_sizes(ctx, sizes)


if __name__ == "__main__":  # python -m bench.scenarios.members_city [sizes]
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yugong.settings")
    django.setup()
    from bench.djangoside import ensure_user

    user = ensure_user("bench_roster_import", staff=True)
    context: Ctx = {"auth_user_id": user.pk}
    context.update(_import_setup(context))
    wanted = [int(s) for s in (sys.argv[1] if len(sys.argv) > 1 else "10000,50000,100000").split(",")]
    print(json.dumps(import_sizes(context, wanted), ensure_ascii=False, indent=1))
