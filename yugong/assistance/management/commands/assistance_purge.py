from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from yugong.accounts.system import system_actor
from yugong.assistance.services.dynamic import files_purge_expired


class Command(BaseCommand):
    help = "Delete hardship files closed more than ASSISTANCE_RETENTION_YEARS ago (audited, one by one)."

    def handle(self, *args: Any, **options: Any) -> None:
        count = files_purge_expired(actor=system_actor())
        self.stdout.write(f"deleted {count} closed hardship file(s)")
