"""``manage.py seed_annual --year 2023 [--scale 1.0]``: on an empty database, a year shaped like the
federation's published figures (数说工会, seed 003), loaded through the apps' own write paths —
``union_create``, the stations import, the members' bulk join (``members.bulk.join_bulk``: the roster
import's write and facts, without the file), ``competition_create`` — so every fact is recorded
exactly as those paths record it (no fact is written by hand). The facts land on days of
the year through ``yugong.core.facts.facts_dated``.

What it loads at ``--scale 1``: the 38 district federations (dated the year before), 938 new
grassroots unions and federations, 5,220 outdoor-worker stations of which 633 demonstration points
(45 with a national 最美 honour), 400,000 new members from new employment forms and migrant
workers, 21 city-level skills competitions. Then ``annual_report --year 2023 --union CQ --draft``
prints those figures (or confirm and lock the year first for the formal report).

Lives in the shell (``web``) because it drives several scenario apps, which never import each other.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import time
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from yugong.accounts.models import User
from yugong.accounts.system import system_actor
from yugong.contests.skills import competition_create
from yugong.core.facts import facts_dated
from yugong.core.validators import id_check_char
from yugong.members.bulk import join_bulk
from yugong.members.citygen import DISTRICTS
from yugong.orgs.models import RoleAssignment, Union
from yugong.orgs.services import union_create
from yugong.stations.imports import stations_import

NEW_UNIONS = 938
STATIONS = 5220
DEMONSTRATION = 633
NATIONAL_HONOURS = 45
NEW_FORM_MEMBERS = 250_000
MIGRANT_MEMBERS = 150_000
SKILLS_COMPETITIONS = 21
STATION_ROWS = 20_000
FORMS = ("courier", "rider", "ride_hailing", "truck_driver", "domestic", "flexible")
MEMBER_BATCH = 20_000


def _scaled(n: int, scale: float) -> int:
    return max(1, round(n * scale)) if n else 0


def ident(k: int) -> str:
    birth = dt.date(1965, 1, 1) + dt.timedelta(days=k // 900)
    first17 = f"500103{birth:%Y%m%d}{k % 900 + 100:03d}"
    return first17 + id_check_char(first17)


def _xlsx(header: list[str], rows: list[list[Any]]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(header)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


class Command(BaseCommand):
    help = "Load a year shaped like the published 数说工会 figures through the apps' own write paths."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--scale", type=float, default=1.0, help="multiply every count (tests: 0.01)")
        parser.add_argument(
            "--members-scale",
            type=float,
            default=None,
            help="scale of the 400,000 new members alone (default: --scale)",
        )
        parser.add_argument("--seed", type=int, default=2023)

    def handle(self, *args: Any, **o: Any) -> None:
        year, scale = o["year"], o["scale"]
        if not 0 < scale <= 1:
            raise CommandError("--scale must be in (0, 1].")
        if Union.objects.exists():
            raise CommandError("seed_annual needs an empty database (unions exist).")
        rng = random.Random(o["seed"])  # noqa: S311 - sample data, not secrets
        started = time.perf_counter()

        def log(msg: str) -> None:
            self.stdout.write(f"[{time.perf_counter() - started:7.1f}s] {msg}")

        def month_day(i: int, n: int) -> dt.date:
            return dt.date(year, 1 + (i * 12) // max(n, 1), 15)

        # The tree as it was at the end of the year before.
        with transaction.atomic(), facts_dated(dt.date(year - 1, 12, 31)):
            root = union_create(
                actor=system_actor(), parent=None, name="重庆市总工会", code="CQ", kind="city"
            )
            actor = User.objects.create(username="seed_annual", is_staff=True)
            RoleAssignment.objects.create(user=actor, union=root, role="chair")
            districts = [
                union_create(
                    actor=actor,
                    parent=root,
                    name=f"{name}总工会",
                    code=f"CQ-{code}",
                    kind="district",
                    district=name,
                )
                for name, code, _w in DISTRICTS
            ]
        weights = [w for _n, _c, w in DISTRICTS]
        log(f"tree: the city and {len(districts)} districts")

        # New unions through the year: a federation of new-form workers per district, the rest grassroots.
        n_unions = _scaled(NEW_UNIONS, scale)
        federations: list[Union] = []
        grassroots: list[Union] = []
        for i in range(n_unions):
            with transaction.atomic(), facts_dated(month_day(i, n_unions)):
                if i < min(len(districts), n_unions):
                    d = districts[i]
                    federations.append(
                        union_create(
                            actor=actor,
                            parent=d,
                            name=f"{d.district}新就业形态劳动者工会联合会",
                            code=f"{d.code}-F",
                            kind="federation",
                            district=d.district,
                        )
                    )
                else:
                    d = rng.choices(districts, weights)[0]
                    grassroots.append(
                        union_create(
                            actor=actor,
                            parent=d,
                            name=f"{d.district}第{i:04d}号企业工会",
                            code=f"{d.code}-{i:04d}",
                            kind="grassroots",
                            district=d.district,
                        )
                    )
        log(f"new unions: {n_unions}")

        # Stations, one import per month.
        from yugong.stations.imports import COLUMNS as STATION_COLUMNS

        n_st, n_demo, n_nat = (
            _scaled(STATIONS, scale),
            _scaled(DEMONSTRATION, scale),
            _scaled(NATIONAL_HONOURS, scale),
        )
        header = [str(h) for h, _f in STATION_COLUMNS]
        by_month: dict[int, list[list[Any]]] = {}
        for i in range(n_st):
            d = rng.choices(districts, weights)[0]
            kind = "劳动者港湾示范点" if i < n_demo else "渝工港湾"
            honours = f"{year} 全国最美" if i < n_nat else ""
            row = {
                "code": f"CQ-ST-{i:05d}",
                "name": f"{d.district}户外劳动者服务站点{i:05d}",
                "kind": kind,
                "union": d.code,
                "host": "",
                "address": f"{d.district}某街道{i % 300}号",
                "district": d.district,
                "lat": round(29.56 + rng.gauss(0, 0.2), 5),
                "lng": round(106.55 + rng.gauss(0, 0.3), 5),
                "hours": "1-7 08:00-20:00",
                "holiday_hours": "",
                "amenities": "取暖、纳凉、饮水、如厕、歇脚、药箱",
                "contact_name": "",
                "contact_phone": "",
                "honours": honours,
            }
            by_month.setdefault(1 + (i * 12) // n_st, []).append([row[f] for _h, f in STATION_COLUMNS])
        for month, rows in sorted(by_month.items()):
            for start in range(0, len(rows), STATION_ROWS):
                with facts_dated(dt.date(year, month, 20)):
                    stations_import(
                        actor=actor, file=io.BytesIO(_xlsx(header, rows[start : start + STATION_ROWS]))
                    )
        log(f"stations: {n_st} ({n_demo} demonstration points)")

        # Members through the members app's bulk path (``join_bulk``: what the roster import writes
        # and records for rows that passed, without the file): new-form workers at the federations,
        # migrant workers at the grassroots unions, a month at a time.
        m_scale = scale if o["members_scale"] is None else o["members_scale"]
        if not 0 < m_scale <= 1:
            raise CommandError("--members-scale must be in (0, 1].")
        n_new, n_migrant = _scaled(NEW_FORM_MEMBERS, m_scale), _scaled(MIGRANT_MEMBERS, m_scale)
        holders_new = federations or grassroots
        holders_migrant = grassroots or federations
        total = n_new + n_migrant
        joining: dict[int, list[int]] = {}
        for k in range(total):
            joining.setdefault(1 + (k * 12) // total, []).append(k)
        for month, ks in sorted(joining.items()):
            for start in range(0, len(ks), MEMBER_BATCH):
                people, unions = [], []
                for k in ks[start : start + MEMBER_BATCH]:
                    new_form = k < n_new
                    union = rng.choice(holders_new if new_form else holders_migrant)
                    people.append(
                        {
                            "name": "职工"
                            + "甲乙丙丁戊己庚辛壬癸"[k % 10]
                            + "子丑寅卯辰巳午未申酉戌亥"[k % 12],
                            "id_number": ident(k),
                            "phone": f"13{k:09d}",
                            "employment_form": FORMS[k % len(FORMS)] if new_form else "regular",
                            "migrant_worker": not new_form,
                        }
                    )
                    unions.append(union.pk)
                day = dt.date(year, month, 25)
                with facts_dated(day):
                    join_bulk(people=people, union_ids=unions, started_on=day)
            log(f"members: month {month} joined ({len(ks)} people)")

        # City-level skills competitions.
        n_comp = _scaled(SKILLS_COMPETITIONS, scale)
        for i in range(n_comp):
            with facts_dated(month_day(i, n_comp)):
                competition_create(
                    actor=actor, organiser=root, title=f"{year}年重庆市重点劳动和技能竞赛第{i + 1}场"
                )
        log(f"skills competitions: {n_comp}")
        # The year's facts were recorded outside any request: fold them into the cockpit's monthly
        # roll-up now (what the refresh consumer does), so the report reads them at once.
        call_command(
            "cockpit_rollup", "--rebuild", f"--start={year}-01-01", f"--end={year}-12-31", stdout=self.stdout
        )
        log("cockpit roll-up rebuilt")
        self.stdout.write(
            self.style.SUCCESS(f"seed_annual {year} done in {time.perf_counter() - started:.0f}s")
        )
