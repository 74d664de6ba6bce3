from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from yugong.orgs.services import home_reassessments_generate


class Command(BaseCommand):
    help = "Open a re-assessment application for each 职工之家 title whose re-assessment year has come."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"orgs: {home_reassessments_generate()} re-assessment applications opened")
