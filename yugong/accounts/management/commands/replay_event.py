"""Replay a dead-lettered event delivery as the system actor. It lives in accounts, not core:
core imports no domain app, and the system actor is an accounts user."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from yugong.accounts.system import system_actor
from yugong.core.errors import ApplicationError
from yugong.core.events import dead_letters, delivery_replay


class Command(BaseCommand):
    help = "List dead-lettered event deliveries, or replay one (--id) as the system actor."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--id", type=int, help="the delivery to replay")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["id"] is None:
            for d in dead_letters()[:100]:
                self.stdout.write(f"{d.pk}\t{d.event.kind}\t{d.handler}\t{d.attempts}\t{d.last_error[:80]}")
            return
        try:
            ok = delivery_replay(actor=system_actor(), delivery_id=options["id"])
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write("replayed: completed" if ok else "replayed: failed again (see last_error)")
