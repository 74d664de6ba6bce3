"""``manage.py seed_annual --year 2023 [--scale 1.0]``: on an empty database, a year shaped like the
federation's published figures (数说工会, seed 003), loaded through the apps' own write paths —
``union_create``, the stations import, the roster import, ``competition_create`` — so every fact is
recorded exactly as those paths record it (no fact is written by hand). The facts land on days of
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

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from yugong.accounts.models import User
from yugong.accounts.system import system_actor
from yugong.contests.skills import competition_create
from yugong.core.facts import facts_dated
from yugong.core.validators import id_check_char
from yugong.members.citygen import DISTRICTS
from yugong.members.roster.run import roster_import_create
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
ROSTER_ROWS = 100_000  # the roster import's limit per file
STATION_ROWS = 20_000
FORMS = ("快递员", "外卖骑手", "网约车司机", "货车司机", "家政服务员", "灵活就业")


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
            help="scale of the 400,000 new members alone (default: --scale); the roster import runs at "
            "~100-500 rows/s on a small shared machine, so the full count takes most of an hour",
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

        # Members through the roster import: new-form workers at the federations, migrant workers
        # at the grassroots unions (one file per month and at most 100,000 rows each).
        from yugong.members.roster.parsing import COLUMNS as ROSTER_COLUMNS

        header = [c.header for c in ROSTER_COLUMNS]
        m_scale = scale if o["members_scale"] is None else o["members_scale"]
        if not 0 < m_scale <= 1:
            raise CommandError("--members-scale must be in (0, 1].")
        n_new, n_migrant = _scaled(NEW_FORM_MEMBERS, m_scale), _scaled(MIGRANT_MEMBERS, m_scale)
        holders_new = federations or grassroots
        holders_migrant = grassroots or federations
        members: dict[int, list[list[Any]]] = {}
        for k in range(n_new + n_migrant):
            new_form = k < n_new
            union = rng.choice(holders_new if new_form else holders_migrant)
            row = {
                "name": "职工" + "甲乙丙丁戊己庚辛壬癸"[k % 10] + "子丑寅卯辰巳午未申酉戌亥"[k % 12],
                "id_number": ident(k),
                "phone": f"13{k:09d}",
                "union_code": union.code,
                "employment_form": FORMS[k % len(FORMS)] if new_form else "单位职工",
                "migrant": "否" if new_form else "是",
                "education": "",
                "occupation": "",
                "employer_uscc": "",
                "member_since": "",
            }
            members.setdefault(1 + (k * 12) // (n_new + n_migrant), []).append(
                [row[c.key] for c in ROSTER_COLUMNS]
            )
        for month, rows in sorted(members.items()):
            for start in range(0, len(rows), ROSTER_ROWS):
                data = _xlsx(header, rows[start : start + ROSTER_ROWS])
                with facts_dated(dt.date(year, month, 25)):
                    ri, _created = roster_import_create(
                        actor=actor,
                        union=root,
                        uploaded=SimpleUploadedFile(f"roster-{month}-{start}.xlsx", data),
                        mode="all_or_nothing",
                    )
                ri.refresh_from_db()
                if ri.status != "done":
                    raise CommandError(f"roster import {ri.pk} ended {ri.status}: {ri.message}")
            log(f"members: month {month} imported ({len(rows)} rows)")

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
