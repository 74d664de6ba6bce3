from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from yugong.accounts.services import sms_codes_purge


class Command(BaseCommand):
    help = "Delete SMS login codes that expired more than SMS_CODE_RETENTION_HOURS ago."

    def handle(self, *args: Any, **options: Any) -> None:
        count = sms_codes_purge()
        self.stdout.write(f"deleted {count} expired SMS code(s)")
