"""Seed stations at national scale (150,000 by default) for benchmarks and load tests.

Clustered like the real thing: 5,220 in Chongqing (the city's count), the rest around forty big
cities (Gaussian, σ ≈ 9 km) and 5 % scattered across the country. Codes ``NAT-0000001`` …; the
command replaces earlier ``NAT-`` stations. PostgreSQL: one COPY; elsewhere bulk_create in batches.
Reproducible (``--seed``)."""

from __future__ import annotations

import json
import time
from typing import Any

import numpy as np
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from yugong.orgs.models import Union
from yugong.stations.models import ALL_AMENITIES_MASK, Station
from yugong.stations.spatial import bump_index_version

CITIES = [
    (39.90, 116.40), (31.23, 121.47), (23.13, 113.26), (22.54, 114.06), (30.66, 104.07),
    (30.59, 114.30), (34.34, 108.94), (30.27, 120.15), (32.06, 118.80), (39.13, 117.20),
    (41.80, 123.43), (45.80, 126.53), (43.88, 125.32), (36.65, 117.12), (36.07, 120.38),
    (34.75, 113.62), (28.23, 112.94), (28.68, 115.86), (26.07, 119.30), (24.48, 118.09),
    (25.04, 102.71), (26.65, 106.63), (22.82, 108.37), (20.04, 110.32), (36.06, 103.83),
    (36.62, 101.78), (38.49, 106.23), (43.83, 87.62), (29.65, 91.13), (40.84, 111.75),
    (37.87, 112.55), (38.04, 114.51), (31.82, 117.23), (31.30, 120.58), (23.02, 113.75),
    (23.02, 113.12), (29.87, 121.55), (31.49, 120.31), (38.91, 121.61),
]  # fmt: skip
CHONGQING = (29.56, 106.55)
CHONGQING_COUNT = 5220
HOURS = [
    {d: ["00:00-24:00"] for d in "1234567"},
    {**{d: ["08:00-20:00"] for d in "12345"}, "6": ["09:00-18:00"], "7": ["09:00-18:00"]},
    {d: ["20:00-06:00"] for d in "1234567"},
]


def generate(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    cq = min(CHONGQING_COUNT, n)
    scattered = int(n * 0.05) if n > cq else 0
    rest = n - cq - scattered
    lats = [CHONGQING[0] + rng.normal(0, 0.08, cq)]
    lngs = [CHONGQING[1] + rng.normal(0, 0.08, cq)]
    if rest > 0:
        city = rng.integers(0, len(CITIES), rest)
        centres = np.array(CITIES)[city]
        lats.append(centres[:, 0] + rng.normal(0, 0.08, rest))
        lngs.append(centres[:, 1] + rng.normal(0, 0.08, rest))
    if scattered:
        lats.append(rng.uniform(22, 45, scattered))
        lngs.append(rng.uniform(100, 122, scattered))
    lat, lng = np.concatenate(lats), np.concatenate(lngs)
    amen = rng.integers(0, ALL_AMENITIES_MASK + 1, n) | 4 * (rng.random(n) < 0.8)  # most have water
    hours = rng.choice(len(HOURS), n, p=[0.5, 0.4, 0.1])
    return lat, lng, amen, hours


class Command(BaseCommand):
    help = "Seed national-scale stations (NAT-*) for benchmarks: 150,000 by default."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--count", type=int, default=150_000)
        parser.add_argument("--union", default="", help="host union code (default: the root union)")
        parser.add_argument("--seed", type=int, default=20261122)

    def handle(self, *args: Any, count: int, union: str, seed: int, **options: Any) -> None:
        if not (1 <= count <= 2_000_000):
            raise CommandError("--count must be between 1 and 2,000,000")
        host = (
            Union.objects.filter(code=union).first()
            if union
            else Union.objects.filter(parent__isnull=True).order_by("pk").first()
        )
        if host is None:
            raise CommandError("no host union: run seed_demo first or pass --union CODE")
        started = time.perf_counter()
        lat, lng, amen, hours = generate(count, seed)
        hours_json = [json.dumps(h) for h in HOURS]
        now = timezone.now()
        with transaction.atomic():
            Station.objects.filter(code__startswith="NAT-").delete()
            if connection.vendor == "postgresql":
                self._copy(host.pk, lat, lng, amen, hours, hours_json, now)
            else:
                batch = []
                for i in range(count):
                    batch.append(
                        Station(
                            code=f"NAT-{i + 1:07d}",
                            name=f"工会驿站 {i + 1}",
                            union_id=host.pk,
                            address="",
                            district="",
                            lat=float(lat[i]),
                            lng=float(lng[i]),
                            hours=HOURS[hours[i]],
                            amenities=int(amen[i]),
                        )
                    )
                    if len(batch) == 5000:
                        Station.objects.bulk_create(batch)
                        batch = []
                Station.objects.bulk_create(batch)
        bump_index_version()
        self.stdout.write(f"seeded {count} stations in {time.perf_counter() - started:.1f}s")

    def _copy(
        self, union_id: int, lat: Any, lng: Any, amen: Any, hours: Any, hours_json: list[str], now: Any
    ) -> None:
        table = Station._meta.db_table
        cols = (
            "code, name, kind, union_id, host, address, district, lat, lng, hours, holiday_hours, "
            "exception_dates, amenities, contact_name, contact_phone, status, visit_count, rating_count, "
            "rating_sum, created_at, updated_at"
        )
        with connection.cursor() as cursor:
            raw = cursor.cursor  # psycopg 3 cursor
            with raw.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                for i in range(len(lat)):
                    copy.write_row(
                        (
                            f"NAT-{i + 1:07d}",
                            f"工会驿站 {i + 1}",
                            "harbour",
                            union_id,
                            "",
                            "",
                            "",
                            float(lat[i]),
                            float(lng[i]),
                            hours_json[hours[i]],
                            None,
                            "{}",
                            int(amen[i]),
                            "",
                            "",
                            "open",
                            0,
                            0,
                            0,
                            now,
                            now,
                        )
                    )
