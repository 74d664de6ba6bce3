from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from yugong.tourism.services import release_expired_holds


class Command(BaseCommand):
    help = "Release the seats/stock of pending tourism orders whose payment hold has expired."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--limit", type=int, default=1000, help="at most this many orders per run")

    def handle(self, *args: Any, limit: int = 1000, **options: Any) -> None:
        count = release_expired_holds(limit=max(1, min(limit, 100_000)))
        self.stdout.write(f"released {count} expired hold(s)")
