"""Load the demo data: idempotent, so `make run` can call it every time.

Each app that has demo data exposes ``demo.seed(stdout)`` (yugong/<app>/demo.py); they run in the
order of INSTALLED_APPS, the spine first. An app whose demo builds on what later apps' demos sent it
through domain events (learning converts the innovation results and honours that reached the credit
bank) also exposes ``demo.seed_late(stdout)``, run after every ``seed``. Demo logins are listed in
README.md.
"""

from __future__ import annotations

import importlib
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction


class Command(BaseCommand):
    help = "Load idempotent demo data (demo accounts, a small union tree, sample records)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--force", action="store_true", help="allow with DEBUG off (never on production data)"
        )

    def handle(self, *args: Any, force: bool = False, **options: Any) -> None:
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo creates well-known demo passwords; refusing with DEBUG off (use --force)."
            )
        modules = []
        for config in apps.get_app_configs():
            if not config.name.startswith("yugong."):
                continue
            try:
                module = importlib.import_module(f"{config.name}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.demo":
                    raise
                continue
            modules.append(module)
            with transaction.atomic():
                module.seed(self.stdout)
        for module in modules:
            late = getattr(module, "seed_late", None)
            if late is not None:
                with transaction.atomic():
                    late(self.stdout)
        self.stdout.write(self.style.SUCCESS("demo data ready"))
