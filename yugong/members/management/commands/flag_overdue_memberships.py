from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from yugong.members.services import membership_flag_overdue


class Command(BaseCommand):
    help = "Flag pending membership applications past their deadline to the union above (once each)."

    def handle(self, *args: Any, **options: Any) -> None:
        count = membership_flag_overdue()
        self.stdout.write(f"flagged {count} overdue application(s)")
