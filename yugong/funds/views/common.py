"""What the funds pages share: their console section, the unions a form may name, error flashes."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest

from yugong.core.errors import ApplicationError
from yugong.orgs.access import staff_scope

SECTION = "orgs"


def unions_of(request: HttpRequest, roles: frozenset[str]) -> list[tuple[int, str]]:
    """The unions where the signed-in staff member holds one of ``roles`` (a form's choices)."""
    return [(u.pk, u.name) for u in staff_scope(request.user, roles)]


def flash_error(request: HttpRequest, exc: ApplicationError) -> None:
    """The error's field messages (or its message) as a message on the next page."""
    details = "；".join(str(m) for msgs in exc.fields.values() for m in msgs)
    messages.error(request, details or str(exc.message))
