"""Writes on the union tree, employers, roles, 职工之家 ratings and volunteer teams.

Every function: keyword-only arguments, one transaction, permission through ``orgs.access``
(``actor=None`` means a trusted caller: bootstrap, demo data, imports that checked already),
validation with Chinese messages, an audit row, a ``UnionEvent`` for every change of a node, and
facts for the cockpit (``unions.created`` by kind, ``unions.merged``, ``unions.closed``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Model, Value
from django.db.models.functions import Concat, Length, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from yugong.core.audit import audit_record, diff, snapshot
from yugong.core.errors import Conflict, PermissionDenied, ValidationFailed, from_django_validation
from yugong.core.facts import fact_record
from yugong.core.timeutil import local_today
from yugong.core.validators import clean_text, normalize_phone, normalize_uscc

from . import extensions
from .access import CHAIR_ROLES, LEADER_ROLES, MANAGE_ROLES, forget_grants, require_role
from .models import (
    PATH_STEP,
    Employer,
    HomeRating,
    RoleAssignment,
    ServedForm,
    ServiceRecord,
    Union,
    UnionEvent,
    Volunteer,
    VolunteerTeam,
    path_segment,
)

MAX_DEPTH = 255 // PATH_STEP - 1  # path is a CharField(255): 28 levels below the root


def _full_clean(obj: Model, *, exclude: list[str] | None = None) -> None:
    try:
        obj.full_clean(exclude=exclude)
    except DjangoValidationError as exc:
        raise from_django_validation(exc) from None


def _event(*, union: Union, kind: str, actor: Any, before: Any = None, after: Any = None) -> UnionEvent:
    return UnionEvent.objects.create(
        union=union,
        kind=kind,
        from_value=before or {},
        to_value=after or {},
        actor=actor if getattr(actor, "pk", None) else None,
    )


def _check(actor: Any, union: Union, roles: frozenset[str]) -> None:
    if actor is not None:
        require_role(actor, union, roles)


def _ref(union: Union | None) -> dict[str, Any] | None:
    return {"id": union.pk, "name": union.name, "code": union.code} if union is not None else None


def _require_active(union: Union, field: str = "union") -> None:
    if union.status != Union.Status.ACTIVE:
        raise ValidationFailed(fields={field: _("该工会已撤销或已合并，不能在其下操作。")})


def _lock(*unions: Union) -> list[Union]:
    """Lock the rows in primary-key order (no deadlock between two moves) and return them re-read,
    in the order asked."""
    ids = sorted({u.pk for u in unions})
    locked = {u.pk: u for u in Union.objects.select_for_update().filter(pk__in=ids).order_by("pk")}
    return [locked[u.pk] for u in unions]


# --- Union tree -----------------------------------------------------------------------------

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
    *, actor: Any, parent: Union | None, name: str, code: str, kind: str, **fields: Any
) -> Union:
    """Create a node under ``parent`` (the root when ``parent`` is None, actor=None for bootstrap)."""
    unknown = set(fields) - set(UNION_FIELDS)
    if unknown:
        raise TypeError(f"unknown union fields: {sorted(unknown)}")
    if parent is not None:
        _check(actor, parent, MANAGE_ROLES)
        (parent,) = _lock(parent)
        _require_active(parent, "parent")
        if parent.depth + 1 > MAX_DEPTH:
            raise ValidationFailed(fields={"parent": _("层级过深，不能再建立下级工会。")})
    elif actor is not None:
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
def union_update(*, actor: Any, union: Union, **fields: Any) -> Union:
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
    extensions.fire_subtree_moved(old_path=old_path, new_path=new_path)


@transaction.atomic
def union_move(*, actor: Any, union: Union, new_parent: Union) -> Union:
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


def _retire_roles(*, actor: Any, union: Union, reason: str) -> int:
    now = timezone.now()
    ids = list(RoleAssignment.objects.filter(union=union, active=True).values_list("pk", flat=True))
    RoleAssignment.objects.filter(pk__in=ids).update(active=False, revoked_at=now)
    if ids:
        audit_record(
            actor=actor, action="role.revoke", union_id=union.pk, extra={"assignments": ids, "reason": reason}
        )
    return len(ids)


@transaction.atomic
def union_merge(*, actor: Any, union: Union, into: Union) -> Union:
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
def union_close(*, actor: Any, union: Union, reason: str = "", closed_on: dt.date | None = None) -> Union:
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
    Employer.objects.filter(pk__in=employers).update(union=None, unionised=False)
    _retire_roles(actor=actor, union=union, reason="closed")
    closed_on = closed_on or local_today()
    Union.objects.filter(pk=union.pk).update(status=Union.Status.CLOSED, closed_on=closed_on)
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
def union_reopen(*, actor: Any, union: Union) -> Union:
    """Undo a close (not a merge: a merged union's members and children live elsewhere now)."""
    _check(actor, union, LEADER_ROLES)
    (union,) = _lock(union)
    if union.status != Union.Status.CLOSED:
        raise ValidationFailed(fields={"union": _("只有已撤销的工会可以恢复。")})
    if union.parent is not None and union.parent.status != Union.Status.ACTIVE:
        raise ValidationFailed(fields={"union": _("上级工会已撤销或合并，请先恢复上级或移动本工会。")})
    closed_on = union.closed_on
    Union.objects.filter(pk=union.pk).update(status=Union.Status.ACTIVE, closed_on=None)
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


# --- Employers ------------------------------------------------------------------------------

EMPLOYER_FIELDS = (
    "name",
    "uscc",
    "industry",
    "district",
    "address",
    "headcount",
    "unionised",
    "union",
    "managing_union",
)
COVERING_KINDS = frozenset(
    {Union.Kind.GRASSROOTS, Union.Kind.JOINT, Union.Kind.FEDERATION, Union.Kind.BRANCH}
)


def _employer_values(actor: Any, values: dict[str, Any]) -> dict[str, Any]:
    out = dict(values)
    if "name" in out:
        out["name"] = clean_text(out["name"])
        if not out["name"]:
            raise ValidationFailed(fields={"name": _("请填写单位名称。")})
    if "uscc" in out:
        out["uscc"] = normalize_uscc(out["uscc"])
    for key in ("district", "address"):
        if key in out:
            out[key] = clean_text(out[key])
    if "headcount" in out and (out["headcount"] is None or int(out["headcount"]) < 0):
        raise ValidationFailed(fields={"headcount": _("职工人数不能为负数。")})
    if out.get("union") is not None:
        union = out["union"]
        _check(actor, union, MANAGE_ROLES)
        _require_active(union)
        if union.kind not in COVERING_KINDS:
            raise ValidationFailed(fields={"union": _("所属工会应为基层工会、联合基层工会或工会联合会。")})
    if out.get("managing_union") is not None:
        _check(actor, out["managing_union"], MANAGE_ROLES)
        _require_active(out["managing_union"], "managing_union")
    return out


def _save_employer(employer: Employer) -> None:
    _full_clean(employer)
    try:
        with transaction.atomic():
            employer.save()
    except IntegrityError:
        raise ValidationFailed(fields={"uscc": _("该统一社会信用代码已登记。")}) from None


@transaction.atomic
def employer_create(
    *,
    actor: Any,
    name: str,
    uscc: str,
    managing_union: Union | None,
    union: Union | None = None,
    industry: str = "",
    district: str = "",
    address: str = "",
    headcount: int = 0,
    unionised: bool | None = None,
) -> Employer:
    """Register an employer. Staff must name the union responsible for it (``managing_union``,
    inside their subtree); ``union`` is the grassroots union covering it, if any."""
    if actor is not None and managing_union is None:
        raise ValidationFailed(fields={"managing_union": _("请选择属地管理工会。")})
    values = _employer_values(
        actor,
        {
            "name": name,
            "uscc": uscc,
            "managing_union": managing_union,
            "union": union,
            "industry": industry,
            "district": district,
            "address": address,
            "headcount": headcount,
        },
    )
    if Employer.objects.filter(uscc=values["uscc"]).exists():
        raise ValidationFailed(fields={"uscc": _("该统一社会信用代码已登记。")})
    employer = Employer(**values, unionised=union is not None if unionised is None else unionised)
    _save_employer(employer)
    audit_record(
        actor=actor,
        action="employer.create",
        obj=employer,
        union_id=employer.union_id or employer.managing_union_id,
        changes={"name": [None, employer.name], "uscc": [None, employer.uscc]},
    )
    return employer


@transaction.atomic
def employer_update(*, actor: Any, employer: Employer, **fields: Any) -> Employer:
    unknown = set(fields) - set(EMPLOYER_FIELDS)
    if unknown:
        raise TypeError(f"unknown employer fields: {sorted(unknown)}")
    employer = Employer.objects.select_for_update().get(pk=employer.pk)
    if actor is not None:
        anchor = employer.union or employer.managing_union
        if anchor is None:
            raise PermissionDenied()
        require_role(actor, anchor, MANAGE_ROLES)
    values = _employer_values(actor, fields)
    if values.get("uscc") and Employer.objects.filter(uscc=values["uscc"]).exclude(pk=employer.pk).exists():
        raise ValidationFailed(fields={"uscc": _("该统一社会信用代码已登记。")})
    if "union" in values and "unionised" not in values:
        values["unionised"] = values["union"] is not None
    before = snapshot(employer, values.keys())
    for key, value in values.items():
        setattr(employer, key, value)
    changes = diff(before, snapshot(employer, values.keys()))
    if not changes:
        return employer
    _save_employer(employer)
    anchor = employer.union or employer.managing_union
    audit_record(
        actor=actor,
        action="employer.update",
        obj=employer,
        union_id=anchor.pk if anchor else None,
        changes=changes,
    )
    return employer


# --- Roles and system administrators ----------------------------------------------------------


@transaction.atomic
def role_grant(*, actor: Any, user: Any, union: Union, role: str) -> RoleAssignment:
    """A chair grants ``role`` at a node of their subtree. System administrators (``admin_role``)
    cannot hold business roles: administration and business are different accounts (MLPS 3)."""
    _check(actor, union, CHAIR_ROLES)
    if role not in RoleAssignment.Role.values:
        raise ValidationFailed(fields={"role": _("不是有效的岗位角色。")})
    _require_active(union)
    user = type(user).objects.select_for_update().get(pk=user.pk)
    if not user.is_active:
        raise ValidationFailed(fields={"user": _("该用户已停用。")})
    if getattr(user, "admin_role", ""):
        raise Conflict(
            _("该用户是系统管理员（%(role)s），系统管理账号不能兼任业务岗位，请使用另一个账号。")
            % {"role": user.get_admin_role_display()}
        )
    assignment = RoleAssignment.objects.filter(user=user, union=union, role=role, active=True).first()
    if assignment is not None:
        return assignment
    assignment = RoleAssignment.objects.create(user=user, union=union, role=role, active=True)
    audit_record(
        actor=actor,
        action="role.grant",
        obj=assignment,
        union_id=union.pk,
        changes={"role": [None, role], "user": [None, user.pk]},
    )
    forget_grants(user)
    return assignment


@transaction.atomic
def role_revoke(*, actor: Any, assignment: RoleAssignment, reason: str = "") -> RoleAssignment:
    """End a role. A chair over the node revokes; nobody revokes their own role (no lock-out by
    accident: another chair, or a chair above, does it)."""
    _check(actor, assignment.union, CHAIR_ROLES)
    assignment = (
        RoleAssignment.objects.select_for_update().select_related("union", "user").get(pk=assignment.pk)
    )
    if actor is not None and assignment.user_id == actor.pk:
        raise ValidationFailed(fields={"assignment": _("不能撤销自己的岗位角色。")})
    if not assignment.active:
        return assignment
    assignment.active = False
    assignment.revoked_at = timezone.now()
    assignment.save(update_fields=["active", "revoked_at"])
    audit_record(
        actor=actor,
        action="role.revoke",
        obj=assignment,
        union_id=assignment.union_id,
        changes={"active": [True, False]},
        extra={"user": assignment.user_id, "role": assignment.role, "reason": clean_text(reason)[:200]},
    )
    forget_grants(assignment.user)
    return assignment


@transaction.atomic
def admin_role_assign(*, actor: Any, user: Any, admin_role: str) -> Any:
    """Make ``user`` a system, security or audit administrator ("" takes the role away).

    The decision (MLPS level 3, 三员分立): the three administrators are different people, and an
    administrator account is not a business account.

    * Only a superuser or the security administrator assigns administrator roles, and nobody
      changes their own (no self-elevation, no self-removal of the audit trail's watcher).
    * A user holds at most one administrator role: ``admin_role`` is one field, and changing one
      role into another must go through "" first, so a system administrator never quietly becomes
      the auditor of their own actions.
    * A user holding active business roles at union nodes cannot be made an administrator (and
      :func:`role_grant` refuses business roles to administrators): such a person uses two accounts.
      The access layer never reads ``admin_role``: an administrator sees no business data.
    """
    from yugong.accounts.models import User

    if actor is not None:
        if not (actor.is_superuser or getattr(actor, "admin_role", "") == User.AdminRole.SECURITY):
            raise PermissionDenied(_("只有安全管理员可以分配系统管理角色。"))
        if actor.pk == user.pk:
            raise PermissionDenied(_("不能修改自己的系统管理角色。"))
    if admin_role not in User.AdminRole.values:
        raise ValidationFailed(fields={"admin_role": _("不是有效的系统管理角色。")})
    user = User.objects.select_for_update().get(pk=user.pk)
    old = user.admin_role
    if old == admin_role:
        return user
    if admin_role and old:
        raise Conflict(
            _("该用户已是%(role)s，一人只能担任一种系统管理角色；请先取消原角色。")
            % {"role": user.get_admin_role_display()}
        )
    if admin_role and RoleAssignment.objects.filter(user=user, active=True).exists():
        raise Conflict(_("该用户持有工会岗位角色，系统管理员与业务人员须分设账号。"))
    user.admin_role = admin_role
    user.save(update_fields=["admin_role"])
    audit_record(actor=actor, action="user.admin_role", obj=user, changes={"admin_role": [old, admin_role]})
    return user


# --- 职工之家 ratings ---------------------------------------------------------------------------


@transaction.atomic
def home_rating_create(
    *, actor: Any, union: Union, level: str, kind: str, year: int, note: str = ""
) -> HomeRating:
    _check(actor, union, MANAGE_ROLES)
    rating = HomeRating(union=union, level=level, kind=kind, year=year, note=clean_text(note))
    if HomeRating.objects.filter(union=union, level=level, kind=kind, year=year).exists():
        raise ValidationFailed(fields={"year": _("该工会本年度已有同级别、同类别的评定。")})
    _full_clean(rating, exclude=["union"])
    try:
        with transaction.atomic():
            rating.save()
    except IntegrityError:
        raise ValidationFailed(fields={"year": _("该工会本年度已有同级别、同类别的评定。")}) from None
    audit_record(
        actor=actor,
        action="home_rating.create",
        obj=rating,
        union_id=union.pk,
        changes={"level": [None, level], "kind": [None, kind], "year": [None, year]},
    )
    return rating


@transaction.atomic
def home_rating_delete(*, actor: Any, rating: HomeRating) -> None:
    _check(actor, rating.union, MANAGE_ROLES)
    audit_record(
        actor=actor,
        action="home_rating.delete",
        obj=rating,
        union_id=rating.union_id,
        changes={"year": [rating.year, None], "level": [rating.level, None], "kind": [rating.kind, None]},
    )
    rating.delete()


# --- Volunteers -------------------------------------------------------------------------------


@transaction.atomic
def volunteer_team_create(
    *, actor: Any, union: Union, name: str, tier: str, parent: VolunteerTeam | None = None
) -> VolunteerTeam:
    """1+N+X: one general team per union (no parent); branch teams under a general team;
    community teams under a general or a branch team. The parent team belongs to the same union or
    one above it."""
    _check(actor, union, MANAGE_ROLES)
    _require_active(union)
    name = clean_text(name)
    if not name:
        raise ValidationFailed(fields={"name": _("请填写队伍名称。")})
    if tier not in VolunteerTeam.Tier.values:
        raise ValidationFailed(fields={"tier": _("不是有效的队伍层级。")})
    if tier == VolunteerTeam.Tier.GENERAL:
        if parent is not None:
            raise ValidationFailed(fields={"parent": _("总队没有上级队伍。")})
        if VolunteerTeam.objects.filter(union=union, tier=tier).exists():
            raise ValidationFailed(fields={"tier": _("每个工会只能有一个志愿服务总队。")})
    else:
        if parent is None:
            raise ValidationFailed(fields={"parent": _("支队和社区服务队须选择上级队伍。")})
        allowed = (
            {VolunteerTeam.Tier.GENERAL}
            if tier == VolunteerTeam.Tier.BRANCH
            else {
                VolunteerTeam.Tier.GENERAL,
                VolunteerTeam.Tier.BRANCH,
            }
        )
        if parent.tier not in allowed:
            raise ValidationFailed(fields={"parent": _("上级队伍层级不符合“1+N+X”结构。")})
        if not union.path.startswith(parent.union.path):
            raise ValidationFailed(fields={"parent": _("上级队伍须属于本工会或上级工会。")})
    team = VolunteerTeam.objects.create(union=union, name=name, tier=tier, parent=parent)
    audit_record(
        actor=actor,
        action="volunteer_team.create",
        obj=team,
        union_id=union.pk,
        changes={"name": [None, name]},
    )
    return team


@transaction.atomic
def volunteer_add(*, actor: Any, team: VolunteerTeam, name: str, phone: str, skills: str = "") -> Volunteer:
    _check(actor, team.union, MANAGE_ROLES)
    name = clean_text(name)
    if not name:
        raise ValidationFailed(fields={"name": _("请填写姓名。")})
    phone = normalize_phone(phone) if clean_text(phone) else ""
    volunteer = Volunteer(team=team, name=name, phone=phone, skills=clean_text(skills)[:200])
    try:
        with transaction.atomic():
            volunteer.save()
    except IntegrityError:
        raise ValidationFailed(fields={"phone": _("该手机号已在本队登记。")}) from None
    audit_record(
        actor=actor,
        action="volunteer.add",
        obj=volunteer,
        union_id=team.union_id,
        changes={"name": [None, name], "phone": "changed"},
    )
    return volunteer


@transaction.atomic
def service_record_add(
    *,
    actor: Any,
    volunteer: Volunteer,
    served_on: dt.date,
    description: str,
    minutes: int | None = None,
    hours: Any = None,
) -> ServiceRecord:
    """Record service time, given in whole ``minutes`` or in (decimal) ``hours``."""
    from decimal import Decimal, InvalidOperation

    team = volunteer.team
    _check(actor, team.union, MANAGE_ROLES)
    if minutes is None:
        try:
            minutes = int((Decimal(str(hours)) * 60).to_integral_value())
        except (InvalidOperation, TypeError, ValueError):
            raise ValidationFailed(fields={"hours": _("请填写服务时长。")}) from None
    if minutes <= 0 or minutes > 24 * 60:
        raise ValidationFailed(fields={"hours": _("服务时长应在1分钟到24小时之间。")})
    if served_on > local_today():
        raise ValidationFailed(fields={"served_on": _("服务日期不能晚于今天。")})
    description = clean_text(description)
    if not description:
        raise ValidationFailed(fields={"description": _("请填写服务内容。")})
    record = ServiceRecord.objects.create(
        volunteer=volunteer, team=team, served_on=served_on, minutes=minutes, description=description[:200]
    )
    audit_record(
        actor=actor,
        action="volunteer.service",
        obj=record,
        union_id=team.union_id,
        changes={"minutes": [None, minutes], "served_on": [None, served_on.isoformat()]},
    )
    return record
