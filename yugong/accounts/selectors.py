"""Shared reads for accounts."""

from __future__ import annotations

from django.db.models import QuerySet

from yugong.core.errors import NotFound

from .models import ApiToken, User


def api_tokens_of(user: User) -> QuerySet[ApiToken]:
    """The user's own tokens, newest first (one query, no joins needed by the list)."""
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-id")


def api_token_of(*, user: User, token_id: int) -> ApiToken:
    """One of the user's own tokens; another user's token is "not found", like a missing one."""
    if not 0 < token_id < 2**63:  # beyond a BIGINT the database would fail, not answer
        raise NotFound()
    token = ApiToken.objects.filter(user=user, pk=token_id).first()
    if token is None:
        raise NotFound()
    return token
