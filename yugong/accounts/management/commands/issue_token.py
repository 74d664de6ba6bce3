"""``manage.py issue_token USERNAME [--name NAME]``: issue an API token and print it (once)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from yugong.accounts.models import User
from yugong.accounts.services import api_token_create
from yugong.accounts.system import system_actor
from yugong.core.errors import ApplicationError


class Command(BaseCommand):
    help = "Issue an API token for USERNAME and print it; only its hash is stored."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="命令行签发", help="what the token is for")

    def handle(self, *args: Any, username: str, name: str, **options: Any) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user named {username!r}")
        try:
            token, plaintext = api_token_create(actor=system_actor(), user=user, name=name)
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from exc
        self.stderr.write(
            f"token {token.prefix}… ({token.name}) issued for {user.username}; it is shown only once:"
        )
        self.stdout.write(plaintext)
