"""The audit log: written by services, inside their transaction, for every write and every view of
personal data. The IP and request id come from the request context (core.middleware)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models

from .context import current_request_info
from .models import AuditEvent

# Field names whose values never enter the audit log in clear: only "changed" is recorded.
SENSITIVE_FIELDS = frozenset({"phone", "id_number", "password", "bank_account", "secret", "totp_secret"})


def _label(actor: Any) -> str:
    if actor is None:
        return "system"
    return str(getattr(actor, "display_name", None) or getattr(actor, "username", "") or actor.pk)[:150]


def audit_who(actor: Any) -> dict[str, Any]:
    """Who and where, as :func:`audit_record` stores them: ``actor_id``, ``actor_label``, ``ip`` and
    ``request_id``. For a fast path that writes its audit row inside its own SQL statement."""
    info = current_request_info()
    return {
        "actor_id": getattr(actor, "pk", None) or None,
        "actor_label": _label(actor),
        "ip": info.ip,
        "request_id": info.request_id,
    }


def audit_record(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    union_id: int | None = None,
    changes: Mapping[str, Any] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> AuditEvent:
    info = current_request_info()
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=_label(actor),
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        union_id=union_id,
        ip=info.ip,
        request_id=info.request_id,
        changes=dict(changes or {}),
        extra=dict(extra or {}),
    )


def audit_pii_view(
    *, actor: Any, obj: models.Model, fields: Iterable[str], union_id: int | None = None
) -> AuditEvent:
    """A staff member saw personal data in clear (unmasked)."""
    return audit_record(
        actor=actor, action="pii.view", obj=obj, union_id=union_id, extra={"fields": sorted(fields)}
    )


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    return {f: getattr(instance, f) for f in fields}


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """``{"field": [old, new]}`` for changed fields; sensitive fields show only that they changed."""
    out: dict[str, Any] = {}
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        if key in SENSITIVE_FIELDS:
            out[key] = "changed"
        else:
            out[key] = [_jsonable(old), _jsonable(new)]
    return out


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, models.Model):
        return value.pk
    return str(value)
