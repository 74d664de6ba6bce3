from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet

from yugong.core.models import AuditEvent
from yugong.orgs.access import scope_paths
from yugong.orgs.models import Union

AUDIT_ROLES = {"chair", "auditor"}


def can_read_whole_audit_log(user: Any) -> bool:
    return bool(user.is_superuser or user.admin_role in {"audit", "security"})


def audit_events_visible(user: Any) -> QuerySet[AuditEvent]:
    """Audit administrators read everything; union chairs and auditors read the events of their
    subtrees (by the union node each event concerns)."""
    qs = AuditEvent.objects.select_related("actor")
    if can_read_whole_audit_log(user):
        return qs
    paths = scope_paths(user, AUDIT_ROLES)
    if not paths:
        return qs.none()
    condition = Q()
    for path in paths:
        condition |= Q(path__startswith=path)
    return qs.filter(union_id__in=Union.objects.filter(condition).values("pk"))


def audit_events_search(
    user: Any,
    *,
    q: str = "",
    action: str = "",
    object_type: str = "",
    actor: str = "",
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> QuerySet[AuditEvent]:
    qs = audit_events_visible(user)
    if action:
        qs = qs.filter(action__startswith=action)
    if object_type:
        qs = qs.filter(object_type=object_type)
    if actor:
        qs = qs.filter(actor_label__icontains=actor)
    if q:
        qs = qs.filter(
            Q(object_repr__icontains=q) | Q(object_id=q) | Q(ip=q)
            if _looks_like_ip(q)
            else Q(object_repr__icontains=q) | Q(object_id=q)
        )
    if start:
        qs = qs.filter(at__date__gte=start)
    if end:
        qs = qs.filter(at__date__lte=end)
    return qs.order_by("-at", "-id")


def _looks_like_ip(value: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True
