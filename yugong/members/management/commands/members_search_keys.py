from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from yugong.members.services import membership_search_keys_rebuild


class Command(BaseCommand):
    help = "Re-derive the search keys copied onto memberships (union path, name, employer, form, migrant)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--batch", type=int, default=50_000, help="membership ids per transaction")

    def handle(self, *args: Any, **options: Any) -> None:
        fixed = membership_search_keys_rebuild(batch=max(1, options["batch"]))
        self.stdout.write(f"search keys: {fixed} membership row(s) fixed")
