from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from yugong.accounts.system import system_actor
from yugong.events.services import offers_expire


class Command(BaseCommand):
    help = "Pass waiting-list offers that ran out to the next in line (run every few minutes)."

    def handle(self, *args: Any, **options: Any) -> None:
        n = offers_expire(actor=system_actor())
        self.stdout.write(f"expired offers: {n}")
