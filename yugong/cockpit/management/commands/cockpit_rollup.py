"""``manage.py cockpit_rollup --rebuild [--start 2023-01-01] [--end 2023-12-31]``: recompute the
cockpit's monthly roll-up from the facts (after a bulk load that bypassed the services, or as a
nightly check); default: the whole span of the facts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Max, Min

from yugong.cockpit import rollup
from yugong.cockpit.cache import bump_version
from yugong.core.models import DailyFact


class Command(BaseCommand):
    help = "Recompute the cockpit's monthly roll-up from the facts."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--rebuild", action="store_true", required=True)
        parser.add_argument("--start", type=dt.date.fromisoformat)
        parser.add_argument("--end", type=dt.date.fromisoformat)

    def handle(self, *args: Any, **o: Any) -> None:
        span = DailyFact.objects.aggregate(first=Min("day"), last=Max("day"))
        start, end = o["start"] or span["first"], o["end"] or span["last"]
        if start is None or end is None:
            self.stdout.write("no facts")
            return
        if start > end:
            raise CommandError("--start is after --end")
        rows = rollup.rebuild(start=start, end=end)
        bump_version()
        self.stdout.write(f"rolled up {start:%Y-%m} .. {end:%Y-%m}: {rows} rows")
