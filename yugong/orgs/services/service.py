"""Volunteer service (志愿服务): activities of a team, workers' sign-up on the phone, service hours
recorded by the team lead (or union staff over the team) and confirmed or disputed by the volunteer.

* **Places** are taken by one conditional UPDATE (``signed_up < capacity``) after the sign-up row is
  inserted in the same transaction: a full activity rolls the sign-up back, so the count and the
  rows never disagree, and the check constraint ``signed_up <= capacity`` is the last judge.
* **Hours** count only once the volunteer confirms them (a volunteer without an account cannot
  confirm: those records count when written). Confirming is one conditional UPDATE on the pending
  row, so a double tap counts once. The cockpit gets 志愿服务人次 and minutes at confirmation, and
  the people who served as distinct people.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.core.audit import audit_record
from yugong.core.errors import Conflict, NotFound, ValidationFailed
from yugong.core.facts import fact_person, fact_record
from yugong.core.pii import blind_index
from yugong.core.timeutil import now
from yugong.core.validators import clean_text

from ..access import MANAGE_ROLES, can_act
from ..models import ServiceActivity, ServiceRecord, ServiceSignup, Volunteer, VolunteerTeam
from . import signup_rules, signup_sql
from .common import _check

MAX_CAPACITY = 10_000


def _pk(value: Any) -> int:
    if isinstance(value, bool):
        raise NotFound()
    try:
        return int(value)
    except (TypeError, ValueError):
        raise NotFound() from None


def _signed_in(actor: User) -> None:
    if not getattr(actor, "is_authenticated", False):
        raise NotFound()


def can_lead(user: Any, team: VolunteerTeam) -> bool:
    """The team lead, or staff with a managing role over the team's union (a predicate for pages)."""
    if getattr(user, "is_authenticated", False) and team.leader_id is not None and team.leader_id == user.pk:
        return True
    return can_act(user, team.union, MANAGE_ROLES)


def require_lead(actor: User, team: VolunteerTeam) -> None:
    if getattr(actor, "is_authenticated", False) and team.leader_id == actor.pk:
        return
    _check(actor, team.union, MANAGE_ROLES)


def _minutes(minutes: Any, hours: Any) -> int:
    if minutes in (None, ""):
        try:
            minutes = int((Decimal(str(hours)) * 60).to_integral_value())
        except (InvalidOperation, TypeError, ValueError):
            raise ValidationFailed(fields={"hours": _("请填写服务时长。")}) from None
    try:
        minutes = int(minutes)
    except (TypeError, ValueError):
        raise ValidationFailed(fields={"hours": _("请填写服务时长。")}) from None
    if minutes <= 0 or minutes > 24 * 60:
        raise ValidationFailed(fields={"hours": _("服务时长应在1分钟到24小时之间。")})
    return minutes


def count_confirmed(record: ServiceRecord, union_id: int) -> None:
    """The cockpit's facts for confirmed service time (called once per record)."""
    fact_record(metric="volunteers.services", union_id=union_id)
    fact_record(metric="volunteers.minutes", union_id=union_id, value=record.minutes)
    user_id = record.volunteer.user_id
    if user_id is not None:
        fact_person(metric="volunteers.people", union_id=union_id, person_id=user_id)


# --- activities -----------------------------------------------------------------------------------


@transaction.atomic
def service_activity_create(
    *,
    actor: User,
    team: VolunteerTeam,
    title: Any,
    beneficiaries: Any,
    place: Any,
    starts_at: Any,
    ends_at: Any,
    capacity: Any,
    description: Any = "",
) -> ServiceActivity:
    """A 服务活动 of ``team``, open for sign-up at once (by the team lead or union staff)."""
    require_lead(actor, team)
    errors: dict[str, Any] = {}
    title = clean_text(title)[:120]
    if not title:
        errors["title"] = _("请填写活动名称。")
    beneficiaries = clean_text(beneficiaries)[:120]
    if not beneficiaries:
        errors["beneficiaries"] = _("请填写服务对象（如环卫工人、困难职工家庭）。")
    place = clean_text(place)[:200]
    if not place:
        errors["place"] = _("请填写服务地点。")
    for field, value in (("starts_at", starts_at), ("ends_at", ends_at)):
        if not isinstance(value, dt.datetime) or value.tzinfo is None:
            errors[field] = _("请填写时间。")
    if "starts_at" not in errors and "ends_at" not in errors:
        if ends_at <= starts_at:
            errors["ends_at"] = _("结束时间须晚于开始时间。")
        elif ends_at - starts_at > dt.timedelta(hours=24):
            errors["ends_at"] = _("一次服务活动不超过24小时。")
        if starts_at <= now():
            errors["starts_at"] = _("开始时间须晚于现在。")
    try:
        capacity = int(capacity)
    except (TypeError, ValueError):
        capacity = 0
    if not 1 <= capacity <= MAX_CAPACITY:
        errors["capacity"] = _("招募人数应在1到%(n)s之间。") % {"n": MAX_CAPACITY}
    if errors:
        raise ValidationFailed(fields=errors)
    activity = ServiceActivity.objects.create(
        team=team,
        title=title,
        description=clean_text(description)[:2000],
        beneficiaries=beneficiaries,
        place=place,
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=capacity,
        created_by=actor,
    )
    audit_record(actor=actor, action="volunteer_activity.create", obj=activity, union_id=team.union_id)
    fact_record(metric="volunteers.activities", union_id=team.union_id, dim=team.specialty)
    return activity


def _lock_activity(actor: User, activity_id: Any) -> ServiceActivity:
    activity = (
        ServiceActivity.objects.select_for_update(of=("self",))
        .select_related("team", "team__union")
        .filter(pk=_pk(activity_id))
        .first()
    )
    if activity is None:
        raise NotFound()
    require_lead(actor, activity.team)
    return activity


@transaction.atomic
def service_activity_close(*, actor: User, activity_id: Any, beneficiary_count: Any) -> ServiceActivity:
    """After the activity: record how many people it served; sign-up ends."""
    activity = _lock_activity(actor, activity_id)
    if activity.status == ServiceActivity.Status.CANCELLED:
        raise Conflict(_("已取消的活动不能结束。"))
    if activity.starts_at > now():
        raise Conflict(_("活动尚未开始。"))
    try:
        count = int(beneficiary_count)
    except (TypeError, ValueError):
        count = -1
    if not 0 <= count <= 1_000_000:
        raise ValidationFailed(fields={"beneficiary_count": _("请填写受益人数（0到1000000）。")})
    before = activity.beneficiary_count
    activity.beneficiary_count = count
    activity.status = ServiceActivity.Status.CLOSED
    activity.save(update_fields=["beneficiary_count", "status"])
    audit_record(
        actor=actor,
        action="volunteer_activity.close",
        obj=activity,
        union_id=activity.team.union_id,
        changes={"beneficiary_count": [before, count]},
    )
    if count != before:
        fact_record(metric="volunteers.beneficiaries", union_id=activity.team.union_id, value=count - before)
    return activity


@transaction.atomic
def service_activity_cancel(*, actor: User, activity_id: Any) -> ServiceActivity:
    activity = _lock_activity(actor, activity_id)
    if activity.status != ServiceActivity.Status.OPEN:
        raise Conflict(_("只有招募中的活动可以取消。"))
    if activity.records.exists():
        raise Conflict(_("已登记服务时长的活动不能取消。"))
    activity.status = ServiceActivity.Status.CANCELLED
    activity.save(update_fields=["status"])
    audit_record(
        actor=actor, action="volunteer_activity.cancel", obj=activity, union_id=activity.team.union_id
    )
    return activity


# --- sign-up ---------------------------------------------------------------------------------------


def _volunteer_for(actor: User, team: VolunteerTeam) -> tuple[Volunteer, bool]:
    """The worker's row on the team's roll: theirs, else one staff entered with their phone (now
    linked to the account), else a new one (True: counted as a new volunteer by the caller)."""
    mine = Volunteer.objects.filter(team=team, user=actor).first()
    if mine is not None:
        if not mine.active:
            mine.active = True
            mine.save(update_fields=["active"])
        return mine, False
    phone = str(getattr(actor, "phone", "") or "")
    if phone:
        entered = Volunteer.objects.filter(
            team=team, user__isnull=True, phone_index=blind_index("phone", phone)
        ).first()
        if entered is not None:
            Volunteer.objects.filter(pk=entered.pk).update(user=actor, active=True)
            entered.user = actor
            return entered, False
        if Volunteer.objects.filter(team=team, phone_index=blind_index("phone", phone)).exists():
            phone = ""  # another account's row holds the number (passed on): a new row without it
    name = signup_rules.volunteer_name(actor)
    try:
        with transaction.atomic():
            volunteer = Volunteer.objects.create(team=team, user=actor, name=name, phone=phone)
    except IntegrityError:  # the same worker signing up twice at once: the other request made it
        return Volunteer.objects.get(team=team, user=actor), False
    audit_record(actor=actor, action="volunteer.join", obj=volunteer, union_id=team.union_id)
    return volunteer, True


def service_signup(*, actor: User, activity_id: Any) -> ServiceSignup:
    """A worker signs up for an open activity that has not started; one place, taken by a
    conditional UPDATE (nothing is written when none is left). On PostgreSQL outside a caller's
    transaction: one statement (``signup_sql``), same rules (``signup_rules``), same rows."""
    _signed_in(actor)
    if signup_sql.fast_path_applies():
        return signup_sql.service_signup_one_statement(actor=actor, activity_id=_pk(activity_id))
    return _service_signup_orm(actor, _pk(activity_id))


@transaction.atomic
def _service_signup_orm(actor: User, activity_id: int) -> ServiceSignup:
    activity = ServiceActivity.objects.select_related("team").filter(pk=activity_id).first()
    refusal = signup_rules.activity_refusal(
        status=activity.status if activity else None,
        starts_at=activity.starts_at if activity else None,
        at=now(),
    )
    if refusal or activity is None:
        raise refusal or NotFound()
    volunteer, joined = _volunteer_for(actor, activity.team)
    try:
        with transaction.atomic():
            signup = ServiceSignup.objects.create(activity=activity, volunteer=volunteer, user=actor)
    except IntegrityError:
        raise signup_rules.already_signed_up() from None
    audit_record(actor=actor, action="volunteer.signup", obj=signup, union_id=activity.team.union_id)
    # Every sign-up of this activity adds to the same day cells of its union: the facts go to the
    # buffer (an INSERT that waits for nobody) instead of queueing on the cells' row locks. The one
    # row they must share — the activity's place count — is taken last, so its lock is held only
    # from here to the commit. A full activity rolls all of it back.
    if joined:
        fact_record(
            metric="volunteers.registered",
            union_id=activity.team.union_id,
            buffered=signup_rules.FACTS_BUFFERED,
        )
    fact_record(
        metric="volunteers.signups", union_id=activity.team.union_id, buffered=signup_rules.FACTS_BUFFERED
    )
    taken = ServiceActivity.objects.filter(
        pk=activity.pk, status=ServiceActivity.Status.OPEN, signed_up__lt=F("capacity")
    ).update(signed_up=F("signed_up") + 1)
    if not taken:
        raise signup_rules.full()
    return signup


@transaction.atomic
def service_signup_cancel(*, actor: User, signup_id: Any) -> ServiceSignup:
    """The worker withdraws before the activity starts; the place goes back."""
    _signed_in(actor)
    signup = (
        ServiceSignup.objects.select_for_update()
        .select_related("activity", "activity__team")
        .filter(pk=_pk(signup_id), user=actor)
        .first()
    )
    if signup is None:
        raise NotFound()
    if signup.status == ServiceSignup.Status.CANCELLED:
        return signup
    if signup.activity.starts_at <= now():
        raise Conflict(_("活动已开始，不能取消报名。"))
    signup.status = ServiceSignup.Status.CANCELLED
    signup.save(update_fields=["status"])
    ServiceActivity.objects.filter(pk=signup.activity_id, signed_up__gt=0).update(
        signed_up=F("signed_up") - 1
    )
    audit_record(
        actor=actor, action="volunteer.signup_cancel", obj=signup, union_id=signup.activity.team.union_id
    )
    return signup


# --- hours -----------------------------------------------------------------------------------------


@transaction.atomic
def service_hours_record(
    *, actor: User, signup_id: Any, minutes: Any = None, hours: Any = None, description: Any = ""
) -> ServiceRecord:
    """The lead records (or, after a dispute, corrects) a volunteer's time on an activity; it waits
    for the volunteer's confirmation. Confirmed time is final."""
    signup = (
        ServiceSignup.objects.select_for_update(of=("self",))
        .select_related("activity", "activity__team", "activity__team__union", "volunteer")
        .filter(pk=_pk(signup_id), status=ServiceSignup.Status.ACTIVE)
        .first()
    )
    if signup is None:
        raise NotFound()
    activity = signup.activity
    require_lead(actor, activity.team)
    if activity.starts_at > now():
        raise Conflict(_("活动尚未开始，不能登记时长。"))
    value = _minutes(minutes, hours)
    span = int((activity.ends_at - activity.starts_at).total_seconds() // 60)
    if value > span:
        raise ValidationFailed(
            fields={"hours": _("服务时长不能超过活动时长（%(h)s小时）。") % {"h": round(span / 60, 2)}}
        )
    text = clean_text(description)[:200] or activity.title[:200]
    record = ServiceRecord.objects.filter(signup=signup).first()
    if record is not None and record.status == ServiceRecord.Status.CONFIRMED:
        raise Conflict(_("志愿者已确认的时长不能修改。"))
    before = record.minutes if record is not None else None
    if record is None:
        record = ServiceRecord(
            volunteer=signup.volunteer, team=activity.team, activity=activity, signup=signup
        )
    record.served_on = timezone.localtime(activity.starts_at).date()
    record.minutes = value
    record.description = text
    record.status = ServiceRecord.Status.PENDING
    record.dispute_note = ""
    record.recorded_by = actor
    record.save()
    audit_record(
        actor=actor,
        action="volunteer.hours_record",
        obj=record,
        union_id=activity.team.union_id,
        changes={"minutes": [before, value]},
    )
    return record


def _own_record(actor: User, record_id: Any) -> ServiceRecord:
    _signed_in(actor)
    record = (
        ServiceRecord.objects.select_related("team", "volunteer")
        .filter(pk=_pk(record_id), volunteer__user=actor)
        .first()
    )
    if record is None:
        raise NotFound()
    return record


@transaction.atomic
def service_hours_confirm(*, actor: User, record_id: Any) -> ServiceRecord:
    """The volunteer confirms their recorded time (one conditional UPDATE: a double tap counts once)."""
    record = _own_record(actor, record_id)
    changed = ServiceRecord.objects.filter(pk=record.pk, status=ServiceRecord.Status.PENDING).update(
        status=ServiceRecord.Status.CONFIRMED, confirmed_at=now()
    )
    record.refresh_from_db(fields=["status", "confirmed_at", "minutes"])
    if not changed:
        if record.status == ServiceRecord.Status.CONFIRMED:
            return record
        raise Conflict(_("该记录有异议，等待队长更正后再确认。"))
    audit_record(actor=actor, action="volunteer.hours_confirm", obj=record, union_id=record.team.union_id)
    count_confirmed(record, record.team.union_id)
    return record


@transaction.atomic
def service_hours_dispute(*, actor: User, record_id: Any, note: Any) -> ServiceRecord:
    record = _own_record(actor, record_id)
    text = clean_text(note)[:200]
    if not text:
        raise ValidationFailed(fields={"note": _("请说明异议（如实际服务时长）。")})
    changed = ServiceRecord.objects.filter(pk=record.pk, status=ServiceRecord.Status.PENDING).update(
        status=ServiceRecord.Status.DISPUTED, dispute_note=text
    )
    if not changed:
        raise Conflict(_("只有待确认的时长可以提出异议。"))
    record.refresh_from_db(fields=["status", "dispute_note"])
    audit_record(
        actor=actor,
        action="volunteer.hours_dispute",
        obj=record,
        union_id=record.team.union_id,
        extra={"note": text},
    )
    return record


@transaction.atomic
def team_leader_set(*, actor: User, team: VolunteerTeam, volunteer_id: Any) -> VolunteerTeam:
    """Union staff name the team lead: one of the team's volunteers who signed up with an account."""
    _check(actor, team.union, MANAGE_ROLES)
    volunteer = (
        Volunteer.objects.select_related("user")
        .filter(pk=_pk(volunteer_id) if volunteer_id not in (None, "") else 0, team=team, active=True)
        .first()
    )
    if volunteer is None or volunteer.user is None or not volunteer.user.is_active:
        raise ValidationFailed(fields={"volunteer": _("请选择本队已用手机号报名的志愿者。")})
    before = team.leader_id
    VolunteerTeam.objects.filter(pk=team.pk).update(leader=volunteer.user)
    team.leader = volunteer.user
    audit_record(
        actor=actor,
        action="volunteer_team.leader",
        obj=team,
        union_id=team.union_id,
        changes={"leader": [before, volunteer.user_id]},
    )
    return team
