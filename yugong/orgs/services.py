from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Length, Substr

from yugong.core.audit import audit_record
from yugong.core.facts import fact_record

from .access import require_role
from .models import RoleAssignment, Union, path_segment


@transaction.atomic
def union_create(
    *, actor: Any, parent: Union | None, name: str, code: str, kind: str, **fields: Any
) -> Union:
    """Create a node under ``parent`` (the root when ``parent`` is None, actor=None for bootstrap)."""
    if parent is not None and actor is not None:
        require_role(actor, parent, {"chair", "vice_chair", "staff"})
    union = Union(parent=parent, name=name, code=code, kind=kind, **fields)
    union.full_clean(exclude=["path", "depth"])
    union.save()
    union.path = (parent.path if parent else "") + path_segment(union.pk)
    union.depth = parent.depth + 1 if parent else 0
    Union.objects.filter(pk=union.pk).update(path=union.path, depth=union.depth)
    audit_record(
        actor=actor,
        action="union.create",
        obj=union,
        union_id=union.pk,
        changes={"name": [None, name], "code": [None, code], "kind": [None, kind]},
    )
    fact_record(metric="unions.created", union_id=union.pk, dim=kind)
    return union


@transaction.atomic
def union_move(*, actor: Any, union: Union, new_parent: Union) -> Union:
    """Move a subtree under a new parent: one UPDATE rewrites the path prefix of every descendant."""
    require_role(actor, union, {"chair", "vice_chair", "staff"})
    require_role(actor, new_parent, {"chair", "vice_chair", "staff"})
    union = Union.objects.select_for_update().get(pk=union.pk)
    if new_parent.path.startswith(union.path):
        from django.utils.translation import gettext as _

        from yugong.core.errors import ValidationFailed

        raise ValidationFailed(fields={"parent": _("不能把工会移到它自己的下级之下。")})
    old_path, old_parent_id = union.path, union.parent_id
    new_path = new_parent.path + path_segment(union.pk)
    depth_delta = new_parent.depth + 1 - union.depth
    Union.objects.filter(path__startswith=old_path).update(
        path=Concat(Value(new_path), Substr(F("path"), Length(Value(old_path)) + 1)),
        depth=F("depth") + depth_delta,
    )
    Union.objects.filter(pk=union.pk).update(parent=new_parent)
    union.refresh_from_db()
    audit_record(
        actor=actor,
        action="union.move",
        obj=union,
        union_id=union.pk,
        changes={"parent": [old_parent_id, new_parent.pk]},
    )
    return union


@transaction.atomic
def role_grant(*, actor: Any, user: Any, union: Union, role: str) -> RoleAssignment:
    if actor is not None:
        require_role(actor, union, {"chair"})
    assignment, _ = RoleAssignment.objects.get_or_create(user=user, union=union, role=role, active=True)
    audit_record(
        actor=actor,
        action="role.grant",
        obj=assignment,
        union_id=union.pk,
        changes={"role": [None, role], "user": [None, user.pk]},
    )
    return assignment
