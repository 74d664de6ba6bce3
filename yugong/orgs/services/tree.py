"""Writes on the union tree: create, update, move, merge, close, reopen."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Length, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.accounts.system import is_system_actor
from yugong.core.audit import audit_record, diff, snapshot
from yugong.core.errors import PermissionDenied, ValidationFailed
from yugong.core.facts import fact_record
from yugong.core.timeutil import local_today
from yugong.core.validators import clean_text, normalize_uscc

from .. import extensions
from ..access import LEADER_ROLES, MANAGE_ROLES, forget_grants, tree_changed
from ..models import Employer, RoleAssignment, ServedForm, Union, UnionEvent, path_segment
from .common import MAX_DEPTH, _check, _event, _full_clean, _lock, _ref, _refuse_nulls, _require_active

UNION_FIELDS = (
    "name",
    "short_name",
    "code",
    "kind",
    "uscc",
    "district",
    "address",
    "chair_name",
    "founded_on",
    "serves_forms",
)


def _normalise_union_fields(fields: dict[str, Any]) -> dict[str, Any]:
    _refuse_nulls(Union, {k: v for k, v in fields.items() if k != "serves_forms"})
    out = dict(fields)
    for key in ("name", "short_name", "code", "district", "address", "chair_name"):
        if key in out and out[key] is not None:
            out[key] = clean_text(out[key])
    if "code" in out:
        out["code"] = out["code"].upper().replace(" ", "")
    if out.get("uscc"):
        out["uscc"] = normalize_uscc(out["uscc"])
    elif "uscc" in out:
        out["uscc"] = ""
    if "serves_forms" in out:
        forms = list(dict.fromkeys(out["serves_forms"] or []))
        if any(f not in ServedForm.values for f in forms):
            raise ValidationFailed(fields={"serves_forms": _("服务的就业形态取值无效。")})
        out["serves_forms"] = forms
    return out


@transaction.atomic
def union_create(
    *, actor: User, parent: Union | None, name: str, code: str, kind: str, **fields: Any
) -> Union:
    """Create a node under ``parent`` (a root, when ``parent`` is None, only by the system actor:
    bootstrap and seeds)."""
    unknown = set(fields) - set(UNION_FIELDS)
    if unknown:
        raise TypeError(f"unknown union fields: {sorted(unknown)}")
    if parent is not None:
        _check(actor, parent, MANAGE_ROLES)
        (parent,) = _lock(parent)
        _require_active(parent, "parent")
        if parent.depth + 1 > MAX_DEPTH:
            raise ValidationFailed(fields={"parent": _("层级过深，不能再建立下级工会。")})
    elif not is_system_actor(actor):
        raise PermissionDenied(_("只有系统初始化可以建立根节点。"))
    values = _normalise_union_fields({"name": name, "code": code, "kind": kind, **fields})
    if parent is not None and values["kind"] == Union.Kind.CITY:
        raise ValidationFailed(fields={"kind": _("市总工会只能是根节点。")})
    union = Union(parent=parent, **values)
    _full_clean(union, exclude=["path", "depth"])
    union.save()
    union.path = (parent.path if parent else "") + path_segment(union.pk)
    union.depth = parent.depth + 1 if parent else 0
    Union.objects.filter(pk=union.pk).update(path=union.path, depth=union.depth)
    _event(
        union=union,
        kind=UnionEvent.Kind.CREATED,
        actor=actor,
        after={"id": union.pk, "name": union.name, "code": union.code, "parent": _ref(parent)},
    )
    audit_record(
        actor=actor,
        action="union.create",
        obj=union,
        union_id=union.pk,
        changes={"name": [None, union.name], "code": [None, union.code], "kind": [None, union.kind]},
    )
    fact_record(metric="unions.created", union_id=union.pk, dim=union.kind)
    return union


@transaction.atomic
def union_update(*, actor: User, union: Union, **fields: Any) -> Union:
    """Change a node's own fields (not its place in the tree: see :func:`union_move`)."""
    unknown = set(fields) - set(UNION_FIELDS)
    if unknown:
        raise TypeError(f"unknown union fields: {sorted(unknown)}")
    _check(actor, union, MANAGE_ROLES)
    (union,) = _lock(union)
    _require_active(union)
    values = _normalise_union_fields(fields)
    if values.get("kind") == Union.Kind.CITY and union.parent_id is not None:
        raise ValidationFailed(fields={"kind": _("市总工会只能是根节点。")})
    if union.parent_id is None and values.get("kind", union.kind) != union.kind:
        raise ValidationFailed(fields={"kind": _("根节点的类型不能修改。")})
    before = snapshot(union, values.keys())
    for key, value in values.items():
        setattr(union, key, value)
    _full_clean(union, exclude=["path", "depth"])
    changes = diff(before, snapshot(union, values.keys()))
    if not changes:
        return union
    union.save(update_fields=list(values))
    kind = UnionEvent.Kind.RENAMED if "name" in changes else UnionEvent.Kind.UPDATED
    _event(
        union=union,
        kind=kind,
        actor=actor,
        before={k: v[0] for k, v in changes.items()},
        after={k: v[1] for k, v in changes.items()},
    )
    audit_record(actor=actor, action="union.update", obj=union, union_id=union.pk, changes=changes)
    return union


def _move_subtree(*, union: Union, new_parent: Union) -> None:
    """Rewrite the path prefix of the whole subtree in one UPDATE. Caller holds the locks on
    ``union`` and ``new_parent`` and has checked that ``new_parent`` is not inside the subtree."""
    old_path = union.path
    new_path = new_parent.path + path_segment(union.pk)
    depth_delta = new_parent.depth + 1 - union.depth
    deepest = (
        Union.objects.filter(path__startswith=old_path)
        .order_by("-depth")
        .values_list("depth", flat=True)
        .first()
    )
    if deepest is not None and deepest + depth_delta > MAX_DEPTH:
        raise ValidationFailed(fields={"parent": _("移动后层级过深。")})
    Union.objects.filter(path__startswith=old_path).update(
        path=Concat(Value(new_path), Substr(F("path"), Length(Value(old_path)) + 1)),
        depth=F("depth") + depth_delta,
    )
    Union.objects.filter(pk=union.pk).update(parent=new_parent)
    tree_changed()  # paths moved: every cached grant (they hold paths) goes
    extensions.fire_subtree_moved(old_path=old_path, new_path=new_path)


@transaction.atomic
def union_move(*, actor: User, union: Union, new_parent: Union) -> Union:
    """Move a subtree under a new parent: one UPDATE rewrites the path prefix of every descendant.
    The actor needs a managing role over both the union and its new parent. History: a ``moved``
    event with the old and the new parent."""
    _check(actor, union, MANAGE_ROLES)
    _check(actor, new_parent, MANAGE_ROLES)
    union, new_parent = _lock(union, new_parent)  # re-read: paths may have changed meanwhile
    if union.parent_id is None:
        raise ValidationFailed(fields={"parent": _("根节点不能移动。")})
    _require_active(union)
    _require_active(new_parent, "parent")
    if new_parent.path.startswith(union.path):
        raise ValidationFailed(fields={"parent": _("不能把工会移到它自己或它的下级之下。")})
    if new_parent.pk == union.parent_id:
        raise ValidationFailed(fields={"parent": _("新的上级工会与原上级相同。")})
    old_parent = union.parent
    _move_subtree(union=union, new_parent=new_parent)
    union.refresh_from_db()
    _event(
        union=union,
        kind=UnionEvent.Kind.MOVED,
        actor=actor,
        before={"parent": _ref(old_parent)},
        after={"parent": _ref(new_parent)},
    )
    audit_record(
        actor=actor,
        action="union.move",
        obj=union,
        union_id=union.pk,
        changes={"parent": [old_parent.pk if old_parent else None, new_parent.pk]},
    )
    forget_grants(actor)
    return union


def _retire_roles(*, actor: User, union: Union, reason: str) -> int:
    now = timezone.now()
    ids = list(RoleAssignment.objects.filter(union=union, active=True).values_list("pk", flat=True))
    RoleAssignment.objects.filter(pk__in=ids).update(active=False, revoked_at=now)
    tree_changed()  # QuerySet.update sends no signal: the holders' cached grants go
    if ids:
        audit_record(
            actor=actor, action="role.revoke", union_id=union.pk, extra={"assignments": ids, "reason": reason}
        )
    return len(ids)


@transaction.atomic
def union_merge(*, actor: User, union: Union, into: Union) -> Union:
    """Merge ``union`` into ``into``: its children (whole subtrees) are re-parented under ``into``,
    its employers move to ``into``, the hooks registered with ``extensions.on_union_merged``
    (members: memberships) run in this transaction, its roles end, and it is marked merged with
    ``merged_into`` set. Both keep the history (``merged`` / ``absorbed`` events). The actor needs a
    leading role (chair or vice-chair) over both."""
    _check(actor, union, LEADER_ROLES)
    _check(actor, into, LEADER_ROLES)
    union, into = _lock(union, into)
    if union.parent_id is None:
        raise ValidationFailed(fields={"into": _("根节点不能被合并。")})
    if union.pk == into.pk:
        raise ValidationFailed(fields={"into": _("不能把工会并入它自己。")})
    _require_active(union)
    _require_active(into, "into")
    if into.path.startswith(union.path):
        raise ValidationFailed(fields={"into": _("不能把工会并入它自己的下级。")})
    children = _lock(*union.children.filter(status=Union.Status.ACTIVE).order_by("pk"))
    for child in children:
        old_parent = _ref(union)
        _move_subtree(union=child, new_parent=into)
        child.refresh_from_db()
        _event(
            union=child,
            kind=UnionEvent.Kind.MOVED,
            actor=actor,
            before={"parent": old_parent},
            after={"parent": _ref(into), "reason": "merge"},
        )
    # Closed/merged children stay where they are (their history points at this node).
    employers = list(Employer.objects.filter(union=union).values_list("pk", flat=True))
    Employer.objects.filter(pk__in=employers).update(union=into)
    Employer.objects.filter(managing_union=union).update(managing_union=into)
    extensions.fire_union_merged(actor=actor, union=union, into=into)
    _retire_roles(actor=actor, union=union, reason="merged")
    today = local_today()
    Union.objects.filter(pk=union.pk).update(status=Union.Status.MERGED, merged_into=into, closed_on=today)
    tree_changed()
    union.refresh_from_db()
    _event(
        union=union,
        kind=UnionEvent.Kind.MERGED,
        actor=actor,
        before={"status": Union.Status.ACTIVE},
        after={"into": _ref(into), "children": [c.pk for c in children], "employers": employers},
    )
    _event(union=into, kind=UnionEvent.Kind.ABSORBED, actor=actor, after={"from": _ref(union)})
    audit_record(
        actor=actor,
        action="union.merge",
        obj=union,
        union_id=union.pk,
        changes={"status": [Union.Status.ACTIVE, Union.Status.MERGED], "merged_into": [None, into.pk]},
        extra={"children": [c.pk for c in children], "employers": employers},
    )
    fact_record(metric="unions.merged", union_id=union.pk, dim=union.kind)
    forget_grants(actor)
    return union


@transaction.atomic
def union_close(*, actor: User, union: Union, reason: str = "", closed_on: dt.date | None = None) -> Union:
    """Close (撤销) a union that has no active children left; hooks registered with
    ``extensions.on_union_closing`` may refuse (e.g. members still active). Its roles end, its
    employers are no longer covered."""
    _check(actor, union, LEADER_ROLES)
    (union,) = _lock(union)
    if union.parent_id is None:
        raise ValidationFailed(fields={"union": _("根节点不能撤销。")})
    _require_active(union)
    if union.children.filter(status=Union.Status.ACTIVE).exists():
        raise ValidationFailed(fields={"union": _("该工会还有下级工会，请先移动、合并或撤销下级工会。")})
    reason = clean_text(reason)[:200]
    extensions.fire_union_closing(actor=actor, union=union)
    employers = list(Employer.objects.filter(union=union).values_list("pk", flat=True))
    # An employer covered only by the closing union stays reachable: the parent manages it.
    Employer.objects.filter(pk__in=employers, managing_union__isnull=True).update(managing_union=union.parent)
    Employer.objects.filter(pk__in=employers).update(union=None, unionised=False)
    _retire_roles(actor=actor, union=union, reason="closed")
    closed_on = closed_on or local_today()
    Union.objects.filter(pk=union.pk).update(status=Union.Status.CLOSED, closed_on=closed_on)
    tree_changed()
    union.refresh_from_db()
    _event(
        union=union,
        kind=UnionEvent.Kind.CLOSED,
        actor=actor,
        before={"status": Union.Status.ACTIVE},
        after={
            "status": Union.Status.CLOSED,
            "reason": reason,
            "closed_on": closed_on.isoformat(),
            "employers": employers,
        },
    )
    audit_record(
        actor=actor,
        action="union.close",
        obj=union,
        union_id=union.pk,
        changes={"status": [Union.Status.ACTIVE, Union.Status.CLOSED]},
        extra={"reason": reason},
    )
    fact_record(metric="unions.closed", union_id=union.pk, dim=union.kind)
    forget_grants(actor)
    return union


@transaction.atomic
def union_reopen(*, actor: User, union: Union) -> Union:
    """Undo a close (not a merge: a merged union's members and children live elsewhere now)."""
    _check(actor, union, LEADER_ROLES)
    (union,) = _lock(union)
    if union.status != Union.Status.CLOSED:
        raise ValidationFailed(fields={"union": _("只有已撤销的工会可以恢复。")})
    if union.parent is not None and union.parent.status != Union.Status.ACTIVE:
        raise ValidationFailed(fields={"union": _("上级工会已撤销或合并，请先恢复上级或移动本工会。")})
    closed_on = union.closed_on
    Union.objects.filter(pk=union.pk).update(status=Union.Status.ACTIVE, closed_on=None)
    tree_changed()
    union.refresh_from_db()
    _event(
        union=union,
        kind=UnionEvent.Kind.REOPENED,
        actor=actor,
        before={"status": Union.Status.CLOSED, "closed_on": closed_on.isoformat() if closed_on else None},
        after={"status": Union.Status.ACTIVE},
    )
    audit_record(
        actor=actor,
        action="union.reopen",
        obj=union,
        union_id=union.pk,
        changes={"status": ["closed", "active"]},
    )
    return union
