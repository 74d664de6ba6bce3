from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from yugong.core.audit_actions import action_name
from yugong.core.models import AuditEvent
from yugong.core.pii import mask_name
from yugong.core.validators import is_ascii_digits
from yugong.orgs import tree
from yugong.orgs.access import scope_paths
from yugong.orgs.models import RoleAssignment, Union

AUDIT_ROLES = {"chair", "auditor"}


def can_read_whole_audit_log(user: Any) -> bool:
    return bool(user.is_superuser or user.admin_role in {"audit", "security"})


def audit_events_visible(user: Any) -> QuerySet[AuditEvent]:
    """Audit administrators read everything; union chairs and auditors read the events of their
    subtrees (by the union node each event concerns)."""
    qs = AuditEvent.objects.select_related("actor")
    if can_read_whole_audit_log(user):
        return qs
    condition = tree.subtree_q(scope_paths(user, AUDIT_ROLES), path_field="path")
    if condition is None:
        return qs.none()
    return qs.filter(union_id__in=Union.objects.filter(condition).values("pk"))


def audit_events_search(
    user: Any,
    *,
    q: str = "",
    action: str = "",
    actions: Sequence[str] = (),
    object_type: str = "",
    actor: str = "",
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> QuerySet[AuditEvent]:
    qs = audit_events_visible(user)
    if action:
        qs = qs.filter(action__startswith=action)
    if actions:
        qs = qs.filter(action__in=list(actions))
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


# --- The audit log as people read it ---------------------------------------------------------

# Object types with a console page, and the URL name that takes the object's id.
OBJECT_PAGES = {
    "members.membership": "members:detail",
    "orgs.union": "orgs:union_detail",
    "orgs.employer": "orgs:employer_detail",
    "rights.appeal": "rights:detail",
    "rights.policy": "rights:policy_edit",
    "rights.faq": "rights:faq_edit",
    "stations.station": "stations:console_detail",
    "contests.contest": "contests:console_contest",
    "contests.competition": "contests:console_competition",
}
# Object types whose text (``str(obj)`` when the event was written) is a person's name: masked unless
# the viewer administers the whole audit log.
PERSONAL_OBJECTS = frozenset({"members.person", "orgs.volunteer", "accounts.user"})
# Object types whose text is internal (ids and status codes): not shown, the type and number are.
INTERNAL_OBJECTS = frozenset({"members.membership"})


@dataclass(frozen=True)
class AuditRow:
    event: AuditEvent
    action_name: str
    actor_name: str
    union_name: str
    object_type_name: str
    object_label: str
    object_url: str
    changes: list[tuple[str, str]]
    viewed_fields: list[str]


@cache
def _model(label: str) -> Any:
    try:
        return apps.get_model(label) if "." in label else None
    except LookupError:
        return None


def _field_name(model: Any, name: str) -> str:
    if model is None:
        return name
    try:
        return str(model._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return name


def _object_url(label: str, object_id: str) -> str:
    name = OBJECT_PAGES.get(label)
    if not name or not is_ascii_digits(object_id):
        return ""
    try:
        return reverse(name, args=[int(object_id)])
    except NoReverseMatch:
        return ""


def audit_rows(viewer: Any, events: Sequence[AuditEvent]) -> list[AuditRow]:
    """The page's events for people: action names, union names, actors' display names (workers'
    names masked unless the viewer administers the whole log), the object's type, text and page.
    Two queries for any number of events (union names; which actors are staff); the actors come with
    the events (``select_related``)."""
    clear = can_read_whole_audit_log(viewer)
    union_ids = {e.union_id for e in events if e.union_id}
    unions = dict(Union.objects.filter(pk__in=union_ids).values_list("pk", "name")) if union_ids else {}
    actor_ids = {e.actor_id for e in events if e.actor_id}
    staff_ids = (
        set(RoleAssignment.objects.filter(user_id__in=actor_ids).values_list("user_id", flat=True))
        if actor_ids and not clear
        else set()
    )
    rows = []
    for e in events:
        rows.append(
            AuditRow(
                event=e,
                action_name=action_name(e.action),
                actor_name=_actor_name(e, clear=clear, staff_ids=staff_ids),
                union_name=unions.get(e.union_id, "") if e.union_id else "",
                object_type_name=_type_name(e.object_type),
                object_label=_object_label(e, clear=clear),
                object_url=_object_url(e.object_type, e.object_id),
                changes=[
                    (_field_name(_model(e.object_type), k), _change_text(_model(e.object_type), k, v))
                    for k, v in (e.changes or {}).items()
                ],
                viewed_fields=[
                    _field_name(_model(e.object_type), f) for f in (e.extra or {}).get("fields", [])
                ],
            )
        )
    return rows


def _actor_name(e: AuditEvent, *, clear: bool, staff_ids: set[int]) -> str:
    actor = e.actor
    if actor is None:
        return _("系统") if e.actor_label in ("", "system") else mask_name(e.actor_label)
    if actor.display_name:
        staff = (
            clear or actor.is_staff or actor.is_superuser or bool(actor.admin_role) or actor.pk in staff_ids
        )
        return actor.display_name if staff else mask_name(actor.display_name)
    return str(actor)  # no display name: the account's own masked greeting, never the login name


def _type_name(label: str) -> str:
    model = _model(label)
    return str(model._meta.verbose_name) if model is not None else label


def object_label(e: AuditEvent, *, viewer: Any) -> str:
    """The object's text for ``viewer`` (the API's rule, the same as the page's)."""
    return _object_label(e, clear=can_read_whole_audit_log(viewer))


def _object_label(e: AuditEvent, *, clear: bool) -> str:
    if e.object_type in INTERNAL_OBJECTS:
        return ""
    if e.object_type in PERSONAL_OBJECTS and not clear:
        return mask_name(e.object_repr)
    return e.object_repr


def _change_text(model: Any, name: str, value: Any) -> str:
    """``[old, new]`` → ``old → new`` (a choice shown by its label); a sensitive field recorded only
    as changed → 已修改."""
    if not (isinstance(value, list) and len(value) == 2):
        return _("已修改")
    labels: dict[Any, str] = {}
    if model is not None:
        with contextlib.suppress(FieldDoesNotExist):
            labels = {k: str(v) for k, v in (model._meta.get_field(name).flatchoices or ())}
    old, new = ("—" if v in (None, "") else labels.get(v, str(v)) for v in value)
    return f"{old} → {new}"
