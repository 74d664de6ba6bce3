from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from yugong.core.events import deliver_due


class Command(BaseCommand):
    help = "Run domain-event deliveries that are due (retries, and anything a crash left behind)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--limit", type=int, default=500)

    def handle(self, *args: Any, **options: Any) -> None:
        done = deliver_due(limit=options["limit"])
        self.stdout.write(f"{done} deliveries completed")
