"""Volunteer teams (1+N+X), volunteers and their service records."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.core.audit import audit_record
from yugong.core.errors import ValidationFailed
from yugong.core.facts import fact_record
from yugong.core.timeutil import local_today
from yugong.core.validators import clean_text, normalize_phone

from ..access import MANAGE_ROLES
from ..models import ServiceRecord, Specialty, Union, Volunteer, VolunteerTeam
from .common import _check, _require_active
from .service import count_confirmed


@transaction.atomic
def volunteer_team_create(
    *,
    actor: User,
    union: Union,
    name: str,
    tier: str,
    parent: VolunteerTeam | None = None,
    specialty: str = Specialty.PUBLIC_WELFARE,
) -> VolunteerTeam:
    """1+N+X: one general team per union (no parent); branch teams under a general team;
    community teams under a general or a branch team. The parent team belongs to the same union or
    one above it."""
    _check(actor, union, MANAGE_ROLES)
    _require_active(union)
    name = clean_text(name)
    if not name:
        raise ValidationFailed(fields={"name": _("请填写队伍名称。")})
    if specialty not in Specialty.values:
        raise ValidationFailed(fields={"specialty": _("不是有效的服务方向。")})
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
    team = VolunteerTeam.objects.create(union=union, name=name, tier=tier, parent=parent, specialty=specialty)
    audit_record(
        actor=actor,
        action="volunteer_team.create",
        obj=team,
        union_id=union.pk,
        changes={"name": [None, name]},
    )
    return team


@transaction.atomic
def volunteer_add(*, actor: User, team: VolunteerTeam, name: str, phone: str, skills: str = "") -> Volunteer:
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
    fact_record(metric="volunteers.registered", union_id=team.union_id)
    return volunteer


@transaction.atomic
def service_record_add(
    *,
    actor: User,
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
    # A volunteer with an account confirms the time (only confirmed time counts); one without an
    # account cannot, so the record counts as written.
    pending = volunteer.user_id is not None
    record = ServiceRecord.objects.create(
        volunteer=volunteer,
        team=team,
        served_on=served_on,
        minutes=minutes,
        description=description[:200],
        status=ServiceRecord.Status.PENDING if pending else ServiceRecord.Status.CONFIRMED,
        recorded_by=actor if getattr(actor, "pk", None) else None,
    )
    audit_record(
        actor=actor,
        action="volunteer.service",
        obj=record,
        union_id=team.union_id,
        changes={"minutes": [None, minutes], "served_on": [None, served_on.isoformat()]},
    )
    if not pending:
        count_confirmed(record, team.union_id)
    return record
