"""``manage.py lottery_verify --activity N --seed S``: re-compute a drawn activity's lottery."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from yugong.events.models import Activity
from yugong.events.verify import verify


class Command(BaseCommand):
    help = "Re-compute an activity's lottery from its published sign-up list and the revealed seed."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--activity", type=int, required=True)
        parser.add_argument("--seed", required=True)

    def handle(self, *args: Any, activity: int, seed: str, **options: Any) -> None:
        row = Activity.objects.filter(pk=activity).first()
        if row is None:
            raise CommandError(f"activity {activity} not found")
        if row.drawn_at is None:
            raise CommandError(f"activity {activity} has not been drawn yet")
        result = verify(row, seed)
        self.stdout.write(f"commitment sha256(seed) matches: {'yes' if result.commitment_ok else 'NO'}")
        self.stdout.write(f"winners recomputed: {len(result.recomputed)}; recorded: {len(result.recorded)}")
        self.stdout.write("winning sign-up numbers: " + " ".join(str(n) for n in result.recomputed))
        if not result.ok:
            raise CommandError("verification FAILED: the recomputed draw differs from the recorded one")
        self.stdout.write(self.style.SUCCESS("verified: the draw matches"))
