"""Helpers that run *inside* a Django process (scenario setup and micro-benchmarks).

Import this module only from setup functions and micro callables, never at the top of a scenario
module: the load generator imports scenario modules without setting Django up.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import secrets
from typing import Any

BENCH_USER_PREFIX = "bench_"


def ensure_user(username: str, *, staff: bool = False, superuser: bool = False, **fields: Any) -> Any:
    """Get or create a benchmark user (no usable password); keeps its flags as asked."""
    from django.contrib.auth import get_user_model

    if not username.startswith(BENCH_USER_PREFIX):
        raise ValueError(f"benchmark users are named {BENCH_USER_PREFIX}*, not {username!r}")
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(
        username=username, defaults={"is_staff": staff, "is_superuser": superuser, **fields}
    )
    changed = created
    if user.is_staff != staff or user.is_superuser != superuser or not user.is_active:
        user.is_staff, user.is_superuser, user.is_active = staff, superuser, True
        changed = True
    if created:
        user.set_unusable_password()
    if changed:
        user.save()
    return user


def issue_token(username: str, *, staff: bool = False, superuser: bool = False) -> tuple[int, str]:
    """A fresh bearer token for the benchmark user ``username``: ``(user_id, token)``.

    Uses ``manage.py issue_token USERNAME`` when the project has it (the token is read from its
    output), else creates the :class:`~yugong.accounts.models.ApiToken` row directly. Earlier tokens
    of this benchmark user (older than six hours: earlier runs) are deleted first, so repeated runs
    do not pile them up."""
    from django.core.management import call_command
    from django.utils import timezone

    from yugong.accounts.auth import TOKEN_PREFIX, hash_token
    from yugong.accounts.models import ApiToken

    user = ensure_user(username, staff=staff, superuser=superuser)
    # Tokens of earlier runs go; tokens issued earlier in this run (another scenario's setup for the
    # same user) must keep working.
    ApiToken.objects.filter(user=user, created_at__lt=timezone.now() - dt.timedelta(hours=6)).delete()
    try:
        out = io.StringIO()
        call_command("issue_token", username, stdout=out, stderr=io.StringIO())
        match = re.search(re.escape(TOKEN_PREFIX) + r"[A-Za-z0-9_\-]{16,}", out.getvalue())
        if match and ApiToken.objects.filter(key_hash=hash_token(match.group(0)), user=user).exists():
            return user.pk, match.group(0)
    except Exception:  # noqa: BLE001, S110 - command missing or different: fall back below
        pass
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, name="bench", prefix=token[:8], key_hash=hash_token(token))
    return user.pk, token
