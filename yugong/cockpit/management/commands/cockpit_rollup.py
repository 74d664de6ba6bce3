"""``manage.py cockpit_rollup --refresh``: ask for a refresh when facts wait to be folded (cron, in
the embedded default: the same as the Celery beat job ``cockpit-refresh``).

``manage.py cockpit_rollup --rebuild [--start 2023-01-01] [--end 2023-12-31]``: recompute the
cockpit's monthly roll-up from the facts (after a change of a metric's declaration, or as a
nightly check); default: the whole span of the facts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Max, Min

from yugong.cockpit import refresh, rollup
from yugong.cockpit.cache import bump_version
from yugong.cockpit.tasks import cockpit_refresh
from yugong.core.models import DailyFact


class Command(BaseCommand):
    help = "Refresh the cockpit's monthly roll-up with new facts, or recompute it from the facts."

    def add_arguments(self, parser: Any) -> None:
        what = parser.add_mutually_exclusive_group(required=True)
        what.add_argument("--refresh", action="store_true")
        what.add_argument("--rebuild", action="store_true")
        parser.add_argument("--start", type=dt.date.fromisoformat)
        parser.add_argument("--end", type=dt.date.fromisoformat)

    def handle(self, *args: Any, **o: Any) -> None:
        if o["refresh"]:
            asked = cockpit_refresh()
            self.stdout.write("refresh requested" if asked else "nothing to fold")
            return
        span = DailyFact.objects.aggregate(first=Min("day"), last=Max("day"))
        start, end = o["start"] or span["first"], o["end"] or span["last"]
        if start is None or end is None:
            self.stdout.write("no facts")
            return
        if start > end:
            raise CommandError("--start is after --end")
        rows = rollup.rebuild(start=start, end=end)
        bump_version()
        refresh.request("rebuild")
        self.stdout.write(f"rolled up {start:%Y-%m} .. {end:%Y-%m}: {rows} rows")
