from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from yugong.rights.notify import sla_notify


class Command(BaseCommand):
    help = (
        "Notify handlers (and the level above when overdue) of appeals whose time limits approach or passed."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"rights: {sla_notify()} SLA notices sent")
