"""The system actor and the system administrators' duties.

Trusted callers (periodic jobs, imports run by a worker process, seeds, event handlers) act as one
explicit user, :func:`system_actor`, instead of skipping checks with ``actor=None`` or
``check_permission=False``. The access layer (``yugong.orgs.access.grants``) gives it every role at
every root of the union tree, the audit log names it, and it can never sign in: it has no usable
password, no phone and no token, and every sign-in path refuses ``is_system`` users.

System administration (MLPS level 3: system, security and audit administrators are three
different people) is a separate axis from business roles. :func:`may_administer` is the one answer
to "may this administrator do X"; the table below is the whole rule.
"""

from __future__ import annotations

from typing import Any, Literal

from django.db import IntegrityError, transaction

from .models import User

SYSTEM_USERNAME = "__system__"

Duty = Literal[
    "admin_site",  # the /sysadmin/ site
    "audit.read_all",  # the whole audit log, every union
    "sms.outbox",  # the demo SMS outbox
    "admin_roles.assign",  # make someone a system / security / audit administrator
    "events.replay",  # see and replay dead-lettered domain events
    "console",  # open the staff console at all
]

# duty -> the administrator roles that hold it. Superusers hold every duty (they exist for
# break-glass system work; the access layer still gives them no business data).
DUTIES: dict[str, frozenset[str]] = {
    "admin_site": frozenset({User.AdminRole.SYSTEM}),
    "audit.read_all": frozenset({User.AdminRole.AUDIT, User.AdminRole.SECURITY}),
    "sms.outbox": frozenset({User.AdminRole.SYSTEM, User.AdminRole.SECURITY}),
    "admin_roles.assign": frozenset({User.AdminRole.SECURITY}),
    "events.replay": frozenset({User.AdminRole.SYSTEM}),
    "console": frozenset({User.AdminRole.SYSTEM, User.AdminRole.SECURITY, User.AdminRole.AUDIT}),
}


def may_administer(user: Any, duty: Duty) -> bool:
    """May ``user`` perform the system-administration ``duty``? Unknown duties raise (fail closed)."""
    if duty not in DUTIES:
        raise ValueError(f"unknown administration duty: {duty!r}")
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return False
    if getattr(user, "is_system", False):
        return False
    if getattr(user, "is_superuser", False):
        return True
    return getattr(user, "admin_role", "") in DUTIES[duty]


_cached_pk: int | None = None


def system_actor() -> User:
    """The system user (created on first use). A fresh instance each call: callers may memoise
    grants on it without leaking between jobs."""
    global _cached_pk
    if _cached_pk is not None:
        user = User.objects.filter(pk=_cached_pk, is_system=True).first()
        if user is not None:
            return user
    user = User.objects.filter(is_system=True).order_by("pk").first()
    if user is None:
        try:
            with transaction.atomic():
                user = User(username=SYSTEM_USERNAME, display_name="系统", is_system=True, is_active=True)
                user.set_unusable_password()
                user.save()
        except IntegrityError:  # another process made it first
            user = User.objects.get(username=SYSTEM_USERNAME, is_system=True)
    _cached_pk = user.pk
    return user


def is_system_actor(user: Any) -> bool:
    return bool(getattr(user, "is_system", False))
