"""The lottery draw written to the database at the issue's scale (issue 18: ≤ 5 s for 100,000
sign-ups, result written included).

* ``events_draw`` (micro, one call): each of ``BENCH_DRAW_ROUNDS`` (default 3) rounds makes a fresh
  activity (2,000 places: 20 grassroots quotas of 95, four of which hand 10 further down to a
  workshop union, 100 kept by the organiser), inserts ``BENCH_DRAW_SIGNUPS`` (default 100,000)
  sign-ups in one statement (a third with a prior win, weighting on), closes sign-up and times
  ``services.activity_draw`` — seed check, pools, the pure draw, every write (winners, waiting
  ranks, the activity's seed, audit, fact) and the commit — in wall time, this process's CPU and
  the PostgreSQL backend's CPU. Then it times the public re-computation (``verify.verify``, what
  ``manage.py lottery_verify`` runs) and checks it matches, the public record (the lottery page's
  JSON download, built and then re-checked as ``lottery.py`` does it: seconds and megabytes) and
  the public draw page's reads (the pools and the 500th page of the list), and deletes the
  round's rows. Medians and the load average are printed and returned.

    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench_draw \\
        .venv/bin/python -m bench -s events_draw

  or alone (Django set up from the environment): ``python -m bench.scenarios.events_draw [rounds]``.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from typing import Any

from bench.registry import Ctx, micro

SIGNUPS = 100_000
LEAVES = 20
WORKSHOPS = 4  # leaves 0-3 each have a workshop union with a nested quota
PLACES = 2_000
LEAF_PLACES = 95
WORKSHOP_PLACES = 10
SEED = "bench-draw-seed"


def _signups() -> int:
    return max(100, int(os.environ.get("BENCH_DRAW_SIGNUPS", str(SIGNUPS))))


def seed_draw(ctx: Ctx) -> dict[str, Any]:
    """The unions and the members (idempotent: only the missing members are made)."""
    from django.db import transaction

    from yugong.accounts.system import system_actor
    from yugong.members.models import Membership, Person
    from yugong.orgs.models import Union
    from yugong.orgs.services import union_create

    actor = system_actor()
    city = Union.objects.filter(code="BENCH-DRAW").first() or union_create(
        actor=actor, parent=None, name="压测抽签总工会", code="BENCH-DRAW", kind="city"
    )
    leaves = list(Union.objects.filter(parent=city).order_by("pk"))
    for n in range(len(leaves), LEAVES):
        leaves.append(
            union_create(
                actor=actor, parent=city, name=f"压测抽签基层{n}", code=f"BENCH-DRAW-{n}", kind="grassroots"
            )
        )
    shops = []
    for n, leaf in enumerate(leaves[:WORKSHOPS]):
        shops.append(
            Union.objects.filter(parent=leaf).order_by("pk").first()
            or union_create(
                actor=actor, parent=leaf, name=f"压测抽签车间{n}", code=f"BENCH-DRAW-W{n}", kind="grassroots"
            )
        )
    homes = leaves + shops + [city]
    have = Membership.objects.filter(union__in=homes, status=Membership.Status.ACTIVE).count()
    want = _signups()
    if have < want:
        with transaction.atomic():
            people = Person.objects.bulk_create(
                [Person(name=f"抽签职工{i}") for i in range(have, want)], batch_size=5000
            )
            Membership.objects.bulk_create(
                [
                    Membership(
                        person=p, union=homes[(have + i) % len(homes)], status=Membership.Status.ACTIVE
                    )
                    for i, p in enumerate(people)
                ],
                batch_size=5000,
            )
    return {
        "city_id": city.pk,
        "leaf_ids": [u.pk for u in leaves],
        "shop_ids": [u.pk for u in shops],
        "home_ids": [u.pk for u in homes],
    }


def _backend_cpu(cursor: Any) -> float | None:
    """CPU seconds of this connection's PostgreSQL backend (it runs on this machine)."""
    cursor.execute("SELECT pg_backend_pid()")
    pid = cursor.fetchone()[0]
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _prepare_round(ctx: Ctx) -> int:
    import datetime as dt

    from django.db import connection

    from yugong.accounts.system import system_actor
    from yugong.core import timeutil
    from yugong.events import lottery
    from yugong.events.models import Activity, Quota, SignUp
    from yugong.events.services import activity_create, quota_allocate
    from yugong.members.models import Membership
    from yugong.orgs.models import Union

    actor = system_actor()
    now = timeutil.now()
    activity = activity_create(
        actor=actor,
        union_id=ctx["city_id"],
        title="压测抽签职工运动会",
        kind="sports",
        places=PLACES,
        signup_opens_at=now - dt.timedelta(hours=1),
        signup_closes_at=now + dt.timedelta(hours=1),
        repeat_penalty_pct=100,
        seed_hash=lottery.commitment(SEED),
    )
    for leaf in ctx["leaf_ids"]:
        quota_allocate(actor=actor, activity_id=activity.pk, union_id=leaf, places=LEAF_PLACES)
    for shop in ctx["shop_ids"]:
        quota_allocate(actor=actor, activity_id=activity.pk, union_id=shop, places=WORKSHOP_PLACES)
    t_signup, t_member, t_union, t_quota = (
        SignUp._meta.db_table,
        Membership._meta.db_table,
        Union._meta.db_table,
        Quota._meta.db_table,
    )
    # The sign-ups as the one-statement sign-up leaves them: pool = the deepest quota at sign-up,
    # prior wins frozen (a third won once, a seventh twice).
    sql = f"""
        INSERT INTO {t_signup} (activity_id, person_id, union_id, quota_id, prior_wins, status,
                                in_draw, won_at_draw, no_show, created_at)
        SELECT %s, m.person_id, m.union_id,
               (SELECT q.id FROM {t_quota} q WHERE q.activity_id = %s AND u.path LIKE q.union_path || '%%'
                ORDER BY length(q.union_path) DESC LIMIT 1),
               CASE WHEN m.id %% 7 = 0 THEN 2 WHEN m.id %% 3 = 0 THEN 1 ELSE 0 END,
               'entered', false, false, false, now()
        FROM {t_member} m JOIN {t_union} u ON u.id = m.union_id
        WHERE m.union_id = ANY(%s) AND m.status = 'active'
        ORDER BY m.id LIMIT %s
    """  # noqa: S608 - the models' own tables
    with connection.cursor() as cursor:
        cursor.execute(sql, [activity.pk, activity.pk, ctx["home_ids"], _signups()])
        cursor.execute(f"ANALYZE {t_signup}")
    Activity.objects.filter(pk=activity.pk).update(signup_closes_at=timeutil.now() - dt.timedelta(seconds=1))
    return activity.pk


def _drop_round(activity_id: int) -> None:
    from django.db import connection

    from yugong.events.models import Activity, Quota, SignUp

    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {SignUp._meta.db_table} WHERE activity_id = %s", [activity_id])  # noqa: S608
        cursor.execute(  # children before parents (PROTECT)
            f"DELETE FROM {Quota._meta.db_table} WHERE activity_id = %s AND parent_id IS NOT NULL",  # noqa: S608
            [activity_id],
        )
        cursor.execute(f"DELETE FROM {Quota._meta.db_table} WHERE activity_id = %s", [activity_id])  # noqa: S608
    Activity.objects.filter(pk=activity_id).delete()


def draw_rounds(ctx: Ctx, rounds: int) -> dict[str, Any]:
    import gc
    import json

    from django.core.paginator import Paginator
    from django.db import connection

    from yugong.accounts.system import system_actor
    from yugong.events import lottery, selectors, views
    from yugong.events.models import Activity, SignUp
    from yugong.events.services import activity_draw
    from yugong.events.verify import verify

    runs: list[dict[str, Any]] = []
    for rnd in range(rounds):
        activity_id = _prepare_round(ctx)
        actor = system_actor()
        gc.collect()
        with connection.cursor() as cursor:
            db0 = _backend_cpu(cursor)
        load = os.getloadavg()[0]
        cpu0, t0 = time.process_time(), time.perf_counter()
        result = activity_draw(actor=actor, activity_id=activity_id, seed=SEED)
        wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        with connection.cursor() as cursor:
            db1 = _backend_cpu(cursor)
        t1 = time.perf_counter()
        check = verify(Activity.objects.get(pk=activity_id), SEED)
        verify_s = time.perf_counter() - t1
        activity = Activity.objects.select_related("union").get(pk=activity_id)
        # The public record: the JSON download built, then re-checked as lottery.py does it.
        t2 = time.perf_counter()
        text = "".join(selectors.published_record(activity))
        record_s = time.perf_counter() - t2
        t3 = time.perf_counter()
        record_ok = lottery.check_published(json.loads(text)).ok
        record_check_s = time.perf_counter() - t3
        # The public draw page's reads: the pools, and a page from the middle of the list.
        t4 = time.perf_counter()
        pools = selectors.draw_pools(activity)
        listed = Paginator(selectors.draw_list(activity), views.LOTTERY_PAGE).get_page(500)
        shown = len(list(listed.object_list))
        page_s = time.perf_counter() - t4
        entries = SignUp.objects.filter(activity_id=activity_id, in_draw=True).count()
        winners = sum(len(w) for w in result.winners.values())
        run = {
            "draw_s": round(wall, 3),
            "draw_cpu_s": round(cpu, 3),
            "db_cpu_s": round(db1 - db0, 3) if db0 is not None and db1 is not None else None,
            "verify_s": round(verify_s, 3),
            "verified": check.ok,
            "record_s": round(record_s, 3),
            "record_mb": round(len(text.encode()) / 1e6, 2),
            "record_check_s": round(record_check_s, 3),
            "record_verified": record_ok,
            "page_reads_s": round(page_s, 3),
            "page_rows": shown,
            "pools": len(pools),
            "entries": entries,
            "winners": winners,
            "load_avg_1m": round(load, 2),
        }
        print(f"draw round {rnd + 1}/{rounds}: {run}", flush=True)
        runs.append(run)
        _drop_round(activity_id)
        if not (check.ok and record_ok):
            raise RuntimeError(f"the recomputed draw differs from the written one: {run}")

    def med(key: str) -> float | None:
        values = [r[key] for r in runs if r[key] is not None]
        return round(statistics.median(values), 3) if values else None

    out = {
        "rounds": runs,
        "median_draw_s": med("draw_s"),
        "median_draw_cpu_s": med("draw_cpu_s"),
        "median_db_cpu_s": med("db_cpu_s"),
        "median_verify_s": med("verify_s"),
        "median_record_s": med("record_s"),
        "median_record_check_s": med("record_check_s"),
        "median_page_reads_s": med("page_reads_s"),
        "load_avg": [round(x, 2) for x in os.getloadavg()],
    }
    print(f"events_draw: {({k: v for k, v in out.items() if k != 'rounds'})}", flush=True)
    return out


@micro(
    "events_draw",
    "the lottery over 100,000 sign-ups written to the database (BENCH_DRAW_ROUNDS rounds, default 3; "
    "BENCH_DRAW_SIGNUPS): draw wall/CPU, backend CPU and re-compute time per round printed",
    setup=seed_draw,
    iterations=1,
    warmup_iterations=0,
    default=False,
)
def events_draw(ctx: Ctx) -> Any:
    return draw_rounds(ctx, max(1, int(os.environ.get("BENCH_DRAW_ROUNDS", "3"))))


if __name__ == "__main__":  # python -m bench.scenarios.events_draw [rounds]
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yugong.settings")
    django.setup()
    context: Ctx = dict(seed_draw({}))
    draw_rounds(context, int(sys.argv[1]) if len(sys.argv) > 1 else 3)
