"""Signal receivers that keep the shared API token cache honest (``auth.py``, "Token look-up
cache"): every ``save()``/``delete()`` of a token or a user — the admin site, seeds, factories,
cascades — writes tombstones over the cached tokens it concerns, at once and again on commit.
Writes through ``QuerySet.update`` or SQL send no signals: such code calls
:func:`~yugong.accounts.auth.forget_token` / :func:`~yugong.accounts.auth.forget_user_tokens`."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save, pre_delete

from .auth import forget_token, forget_user_tokens
from .models import ApiToken, User


def _token_changed(sender: Any, instance: ApiToken, created: bool = False, **kwargs: Any) -> None:
    if not created:  # a new token was never cached
        forget_token(instance.key_hash)


def _user_saved(
    sender: Any, instance: User, created: bool = False, update_fields: Any = None, **kwargs: Any
) -> None:
    # A new user has no tokens; a login stamps last_login only, which no token depends on.
    if created or (update_fields is not None and set(update_fields) <= {"last_login"}):
        return
    forget_user_tokens(instance.pk)


def _user_deleting(sender: Any, instance: User, **kwargs: Any) -> None:
    forget_user_tokens(instance.pk)  # before the cascade takes the token rows


def connect() -> None:
    post_save.connect(_token_changed, sender=ApiToken, dispatch_uid="accounts.tokens.token_saved")
    post_delete.connect(_token_changed, sender=ApiToken, dispatch_uid="accounts.tokens.token_deleted")
    post_save.connect(_user_saved, sender=User, dispatch_uid="accounts.tokens.user_saved")
    pre_delete.connect(_user_deleting, sender=User, dispatch_uid="accounts.tokens.user_deleting")
