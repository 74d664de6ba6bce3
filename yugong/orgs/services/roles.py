"""Role grants and revocations at union nodes, and the three system administrator roles."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.accounts.system import is_system_actor, may_administer
from yugong.core.audit import audit_record
from yugong.core.errors import Conflict, PermissionDenied, ValidationFailed
from yugong.core.validators import clean_text

from ..access import CHAIR_ROLES, forget_grants
from ..models import RoleAssignment, Union
from .common import _check, _require_active


@transaction.atomic
def role_grant(*, actor: User, user: Any, union: Union, role: str) -> RoleAssignment:
    """A chair grants ``role`` at a node of their subtree. System administrators (``admin_role``)
    cannot hold business roles: administration and business are different accounts (MLPS 3)."""
    _check(actor, union, CHAIR_ROLES)
    if role not in RoleAssignment.Role.values:
        raise ValidationFailed(fields={"role": _("不是有效的岗位角色。")})
    _require_active(union)
    user = type(user).objects.select_for_update().get(pk=user.pk)
    if not user.is_active or is_system_actor(user):
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
def role_revoke(*, actor: User, assignment: RoleAssignment, reason: str = "") -> RoleAssignment:
    """End a role. A chair over the node revokes; nobody revokes their own role (no lock-out by
    accident: another chair, or a chair above, does it)."""
    _check(actor, assignment.union, CHAIR_ROLES)
    assignment = (
        RoleAssignment.objects.select_for_update().select_related("union", "user").get(pk=assignment.pk)
    )
    if assignment.user_id == actor.pk:
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
def admin_role_assign(*, actor: User, user: Any, admin_role: str) -> Any:
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

    if not (is_system_actor(actor) or may_administer(actor, "admin_roles.assign")):
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
