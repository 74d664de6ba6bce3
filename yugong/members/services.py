"""Writes for people and memberships: one function per state change (``<entity>_<verb>``).

Every function is keyword-only and atomic, checks the actor's rights through ``yugong.orgs.access``,
writes, records the audit row and the cockpit facts in the same transaction, and sends SMS only
after commit (``core.sms.sms_send``).

The lifecycle::

    apply ──> pending ──approve──> active ──transfer──> transferred (a new active row at the target)
                 │                   │  ↑
                 ├─reject──> rejected │  └─resume── suspended <─suspend─┘
                 └─withdraw─> withdrawn └─leave──> left

Concurrency: approvals lock the membership row (``select_for_update``) and re-check its status
after the lock, so two staff approving the same application at once give exactly one approval and
one member number; the partial unique constraints on ``Membership`` (one current membership and
one pending application per person, one current holder per member number) are the last judge.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from yugong.core.audit import audit_pii_view, audit_record, diff, snapshot
from yugong.core.calendar import add_working_days
from yugong.core.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    Unauthenticated,
    ValidationFailed,
)
from yugong.core.facts import fact_record
from yugong.core.pii import blind_index
from yugong.core.sms import sms_send
from yugong.core.timeutil import local_today, now
from yugong.core.validators import (
    clean_text,
    id_birth_date,
    id_sex,
    normalize_id_number,
    normalize_phone,
)
from yugong.orgs.access import MANAGE_ROLES, can_act, require_role
from yugong.orgs.models import Employer, RoleAssignment, Union

from .models import (
    NEW_EMPLOYMENT_FORMS,
    Education,
    EmploymentForm,
    Membership,
    Person,
    Sex,
    member_numbers_allocate,
)

# Union kinds that take members directly; members of a district or the city belong to one of the
# grassroots unions (or federations) below it.
ACCEPTING_KINDS = frozenset({"grassroots", "joint", "branch", "federation"})
PERSON_FIELDS = (
    "name",
    "id_number",
    "birth_date",
    "sex",
    "phone",
    "employment_form",
    "migrant_worker",
    "education",
    "occupation",
    "employer_id",
    "employer_name",
)


def decision_working_days() -> int:
    return int(getattr(settings, "MEMBERSHIP_DECISION_WORKING_DAYS", 5))


# --- People ---------------------------------------------------------------------------------


def _collect(errors: dict[str, list[str]], exc: ValidationFailed) -> None:
    for key, messages in exc.fields.items():
        errors.setdefault(key, []).extend(str(m) for m in messages)


def _parse_date(value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value).strip())


def _no_control_chars(data: Mapping[str, Any]) -> dict[str, Any]:
    """Control characters (NUL breaks PostgreSQL text) are never part of a name or an address."""
    return {k: re.sub(r"[\x00-\x1f\x7f]", "", v) if isinstance(v, str) else v for k, v in data.items()}


def person_clean(data: Mapping[str, Any]) -> dict[str, Any]:
    """Validate and normalise person fields; raise one ``ValidationFailed`` naming every bad field.

    Birth date and sex are derived from the ID number; given values must agree with it."""
    data = _no_control_chars(data)
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {}

    name = clean_text(data.get("name"))
    if not name:
        errors["name"] = [_("请填写姓名。")]
    elif len(name) > 64:
        errors["name"] = [_("姓名不能超过64个字符。")]
    out["name"] = name

    id_number = ""
    try:
        id_number = normalize_id_number(data.get("id_number"))
    except ValidationFailed as exc:
        if not clean_text(data.get("id_number")):
            errors["id_number"] = [_("请填写身份证号码。")]
        else:
            _collect(errors, exc)
    out["id_number"] = id_number

    if id_number:
        derived_birth, derived_sex = id_birth_date(id_number), id_sex(id_number)
        try:
            given_birth = _parse_date(data.get("birth_date"))
        except ValueError:
            errors["birth_date"] = [_("出生日期格式不正确，应为 YYYY-MM-DD。")]
            given_birth = None
        if given_birth and given_birth != derived_birth:
            errors["birth_date"] = [_("出生日期与身份证号码不一致。")]
        given_sex = clean_text(data.get("sex")).upper()
        given_sex = {"男": "M", "女": "F"}.get(given_sex, given_sex)
        if given_sex and given_sex not in Sex.values:
            errors["sex"] = [_("性别只能填写男或女。")]
        elif given_sex and given_sex != derived_sex:
            errors["sex"] = [_("性别与身份证号码不一致。")]
        out["birth_date"], out["sex"] = derived_birth, derived_sex

    if "phone" in data:
        raw_phone = clean_text(data.get("phone"))
        if raw_phone:
            try:
                out["phone"] = normalize_phone(raw_phone)
            except ValidationFailed as exc:
                _collect(errors, exc)
        elif data.get("phone_required"):
            errors["phone"] = [_("请填写手机号码。")]

    if "employment_form" in data:
        form = clean_text(data.get("employment_form")) or EmploymentForm.REGULAR
        if form not in EmploymentForm.values:
            errors["employment_form"] = [_("请选择有效的就业形态。")]
        out["employment_form"] = form
    if "education" in data:
        education = clean_text(data.get("education"))
        if education not in Education.values:
            errors["education"] = [_("请选择有效的学历。")]
        out["education"] = education
    if "migrant_worker" in data:
        out["migrant_worker"] = bool(data.get("migrant_worker"))
    if "occupation" in data:
        occupation = clean_text(data.get("occupation"))
        if len(occupation) > 64:
            errors["occupation"] = [_("职业不能超过64个字符。")]
        out["occupation"] = occupation
    if "employer_name" in data:
        employer_name = clean_text(data.get("employer_name"))
        if len(employer_name) > 200:
            errors["employer_name"] = [_("工作单位名称不能超过200个字符。")]
        out["employer_name"] = employer_name
    if "employer" in data:
        employer = data.get("employer")
        if employer is not None and not isinstance(employer, Employer):
            errors["employer"] = [_("工作单位无效。")]
        else:
            out["employer_id"] = employer.pk if employer else None
            if employer is not None and not out.get("employer_name"):
                out["employer_name"] = employer.name

    if errors:
        raise ValidationFailed(fields=errors)
    return out


@transaction.atomic
def person_upsert(*, actor: Any, data: Mapping[str, Any], user: Any = None) -> Person:
    """Find the person by the blind index of the ID number, or create them; update the given fields.

    Not a permission boundary: callers (membership services, imports) check the actor's rights.
    ``user`` links the person to a signed-in worker account; an ID number already linked to another
    account, or an account already linked to another ID number, is refused."""
    values = person_clean(data)
    index = blind_index("id_number", values["id_number"])
    person = Person.objects.select_for_update().filter(id_number_index=index).first()
    created = person is None
    if person is None:
        person = Person(id_number=values["id_number"])
    before = {} if created else snapshot(person, PERSON_FIELDS)

    if user is not None and getattr(user, "pk", None):
        if person.user_id is not None and person.user_id != user.pk:
            raise Conflict(
                _("该身份证号码已绑定其他账号，请用原手机号登录，或联系工会处理。"),
                fields={"id_number": _("已绑定其他账号。")},
            )
        other = Person.objects.filter(user_id=user.pk).exclude(pk=person.pk).first()
        if other is not None:
            raise Conflict(
                _("您的账号已绑定其他身份证号码，不能再为他人申请。"),
                fields={"id_number": _("与账号绑定的身份证号码不一致。")},
            )
        person.user_id = user.pk

    for key, value in values.items():
        setattr(person, key, value)
    if "phone" in values:
        person.phone_tail = values["phone"][-4:] if values["phone"] else ""
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError:
        # Another request created the same person between our look-up and insert.
        raise Conflict(_("该职工信息正在被其他操作修改，请稍后重试。")) from None
    audit_record(
        actor=actor,
        action="person.create" if created else "person.update",
        obj=person,
        changes=diff(before, snapshot(person, PERSON_FIELDS)),
    )
    return person


# --- Routing --------------------------------------------------------------------------------


def _federation_for(district: str, form: str) -> Union | None:
    """The district's federation for new-employment-form workers: one serving ``form`` if any,
    else a general one (``serves_forms`` empty)."""
    if not district:
        return None
    candidates = list(
        Union.objects.filter(kind="federation", status=Union.Status.ACTIVE, district=district).order_by("id")
    )
    for union in candidates:
        if form in (union.serves_forms or []):
            return union
    return next((u for u in candidates if not u.serves_forms), None)


def membership_route(
    *, union: Union | None, employer: Employer | None, employment_form: str, district: str = ""
) -> Union:
    """Which union an application goes to: the one chosen (scan-to-join), else the employer's
    grassroots union, else for new-employment-form workers the federation of their district."""
    if union is not None:
        if union.status != Union.Status.ACTIVE:
            raise ValidationFailed(fields={"union": _("该工会已撤销或合并，不能接收入会申请。")})
        if union.kind not in ACCEPTING_KINDS:
            raise ValidationFailed(
                fields={"union": _("该工会不直接发展会员，请选择基层工会或行业工会联合会。")}
            )
        return union
    if employer is not None and employer.union_id is not None:
        target = Union.objects.filter(pk=employer.union_id, status=Union.Status.ACTIVE).first()
        if target is not None:
            return target
    if employment_form in NEW_EMPLOYMENT_FORMS:
        target = _federation_for(district or (employer.district if employer else ""), employment_form)
        if target is not None:
            return target
        raise ValidationFailed(
            fields={"district": _("所在区县暂无新就业形态工会联合会，请扫描相关工会的入会二维码申请。")}
        )
    raise ValidationFailed(
        message=_("无法确定入会的工会。"),
        fields={"union": _("请扫描所在单位工会的入会二维码，或选择已建立工会的工作单位。")},
    )


# --- Notifications --------------------------------------------------------------------------


def _notify(person: Person, text: str) -> None:
    if person.phone:
        sms_send(phone=person.phone, text=text)


# --- Applications ---------------------------------------------------------------------------


def _ensure_no_open_membership(person: Person) -> None:
    existing = (
        Membership.objects.filter(person=person, status__in=[*Membership.CURRENT, Membership.Status.PENDING])
        .select_related("union")
        .first()
    )
    if existing is None:
        return
    if existing.status == Membership.Status.PENDING:
        raise Conflict(
            _("已有待审核的入会申请（%(union)s），请等待审核结果。") % {"union": existing.union.name}
        )
    raise Conflict(_("已是%(union)s会员，如需变更所在工会请申请转会。") % {"union": existing.union.name})


@transaction.atomic
def membership_apply(
    *,
    actor: Any,
    person_data: Mapping[str, Any],
    union: Union | None = None,
    employer: Employer | None = None,
    channel: str = Membership.Channel.ONLINE,
    district: str = "",
    note: str = "",
) -> Membership:
    """An application to join. A worker applies for themself (online / scan: the person is linked
    to their account); staff apply on a worker's behalf (``staff``: the actor needs a managing role
    over the target union)."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise Unauthenticated()
    if channel not in {Membership.Channel.ONLINE, Membership.Channel.SCAN, Membership.Channel.STAFF}:
        raise ValidationFailed(fields={"channel": _("入会渠道无效。")})
    data = dict(person_data)
    if employer is not None:
        data["employer"] = employer
    if channel != Membership.Channel.STAFF:
        data["phone_required"] = True
        data.setdefault("phone", getattr(actor, "phone", ""))
    values = person_clean(data)  # validate before routing so every field error shows at once
    target = membership_route(
        union=union,
        employer=employer,
        employment_form=values.get("employment_form", EmploymentForm.REGULAR),
        district=clean_text(district or person_data.get("district")).replace("\x00", ""),
    )
    if channel == Membership.Channel.STAFF:
        require_role(actor, target, MANAGE_ROLES)
        person = person_upsert(actor=actor, data=data)
    else:
        person = person_upsert(actor=actor, data=data, user=actor)
    _ensure_no_open_membership(person)

    moment = now()
    membership = Membership(
        person=person,
        union=target,
        status=Membership.Status.PENDING,
        channel=channel,
        applied_at=moment,
        due_at=add_working_days(moment, decision_working_days()),
        note=clean_text(note).replace("\x00", "")[:500],
    )
    try:
        with transaction.atomic():
            membership.save()
    except IntegrityError:
        raise Conflict(_("已有待审核的入会申请，请勿重复提交。")) from None
    audit_record(
        actor=actor,
        action="membership.apply",
        obj=membership,
        union_id=target.pk,
        changes={"status": [None, "pending"], "channel": [None, channel]},
    )
    fact_record(metric="members.applied", union_id=target.pk, dim=person.employment_form)
    _notify(
        person,
        _("【渝工】您的入会申请已提交至%(union)s，将在%(days)s个工作日内完成审核。")
        % {"union": target.name, "days": decision_working_days()},
    )
    return membership


@transaction.atomic
def membership_withdraw(*, actor: Any, membership: Membership | int) -> Membership:
    """The applicant takes back their own pending application."""
    m = _lock(membership)
    if m.person.user_id is None or m.person.user_id != getattr(actor, "pk", None):
        raise NotFound()
    _require_status(m, {Membership.Status.PENDING})
    m.status = Membership.Status.WITHDRAWN
    m.decided_at = now()
    m.save(update_fields=["status", "decided_at", "updated_at"])
    audit_record(
        actor=actor,
        action="membership.withdraw",
        obj=m,
        union_id=m.union_id,
        changes={"status": ["pending", "withdrawn"]},
    )
    return m


# --- Decisions ------------------------------------------------------------------------------


def _lock(membership: Membership | int) -> Membership:
    """Re-read the membership under a row lock (callers are inside a transaction)."""
    pk = membership if isinstance(membership, int) else membership.pk
    try:
        locked = Membership.objects.select_for_update().get(pk=pk)
    except Membership.DoesNotExist:
        raise NotFound() from None
    # Related rows are read after the lock, unlocked (select_related would lock them too).
    locked.person = Person.objects.get(pk=locked.person_id)
    locked.union = Union.objects.get(pk=locked.union_id)
    return locked


def _require_status(m: Membership, allowed: set[str]) -> None:
    if m.status not in allowed:
        raise Conflict(
            _("该会籍当前状态为“%(status)s”，不能执行此操作。") % {"status": m.get_status_display()}
        )


def _manage(actor: Any, union: Union) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise Unauthenticated()
    require_role(actor, union, MANAGE_ROLES)


@transaction.atomic
def membership_approve(*, actor: Any, membership: Membership | int) -> Membership:
    """Approve a pending application: allocate the member number, start the membership."""
    m = _lock(membership)
    _manage(actor, m.union)
    _require_status(m, {Membership.Status.PENDING})
    if m.previous_id is not None:
        return _transfer_complete(actor=actor, m=m)
    if Membership.objects.filter(person_id=m.person_id, status__in=Membership.CURRENT).exists():
        raise Conflict(_("该职工已在其他工会登记为会员，请改为办理转会。"))
    today = local_today()
    m.status = Membership.Status.ACTIVE
    m.member_no = member_numbers_allocate(count=1)[0]
    m.member_since = today
    m.started_on = today
    m.decided_at = now()
    m.decided_by = actor
    m.save()
    audit_record(
        actor=actor,
        action="membership.approve",
        obj=m,
        union_id=m.union_id,
        changes={"status": ["pending", "active"], "member_no": [None, m.member_no]},
    )
    fact_record(metric="members.approved", union_id=m.union_id, dim=m.person.employment_form)
    if m.person.migrant_worker:
        fact_record(metric="members.migrant_joined", union_id=m.union_id)
    _notify(
        m.person,
        _("【渝工】恭喜您已成为%(union)s会员，会员编号%(no)s。可在“我的-我的会员卡”出示电子会员卡。")
        % {"union": m.union.name, "no": m.member_no},
    )
    return m


@transaction.atomic
def membership_reject(*, actor: Any, membership: Membership | int, reason: str) -> Membership:
    reason = clean_text(reason).replace("\x00", "")
    if not reason:
        raise ValidationFailed(fields={"reason": _("请填写驳回理由。")})
    if len(reason) > 500:
        raise ValidationFailed(fields={"reason": _("驳回理由不能超过500个字符。")})
    m = _lock(membership)
    _manage(actor, m.union)
    _require_status(m, {Membership.Status.PENDING})
    m.status = Membership.Status.REJECTED
    m.reject_reason = reason
    m.decided_at = now()
    m.decided_by = actor
    m.save(update_fields=["status", "reject_reason", "decided_at", "decided_by", "updated_at"])
    audit_record(
        actor=actor,
        action="membership.reject",
        obj=m,
        union_id=m.union_id,
        changes={"status": ["pending", "rejected"]},
        extra={"reason": reason},
    )
    fact_record(metric="members.rejected", union_id=m.union_id, dim=m.person.employment_form)
    kind = _("转会") if m.previous_id else _("入会")
    _notify(
        m.person,
        _("【渝工】您向%(union)s提交的%(kind)s申请未通过，理由：%(reason)s")
        % {"union": m.union.name, "kind": kind, "reason": reason},
    )
    return m


# --- Transfers ------------------------------------------------------------------------------


def _is_member_self(actor: Any, m: Membership) -> bool:
    return bool(getattr(actor, "pk", None)) and m.person.user_id == actor.pk


@transaction.atomic
def membership_transfer_request(
    *, actor: Any, membership: Membership | int, target: Union, reason: str = ""
) -> Membership:
    """Ask to move an active membership to ``target``: a pending row at the target union linked to
    the current one by ``previous``. The member, or staff of the current or the target union, may
    ask; the target union's staff decide (membership_transfer_approve)."""
    m = _lock(membership)
    if not (_is_member_self(actor, m) or can_act(actor, m.union, MANAGE_ROLES)):
        raise NotFound()
    _require_status(m, {Membership.Status.ACTIVE})
    target = membership_route(union=target, employer=None, employment_form=m.person.employment_form)
    if target.pk == m.union_id:
        raise ValidationFailed(fields={"target": _("转入工会不能与当前工会相同。")})
    if Membership.objects.filter(person_id=m.person_id, status=Membership.Status.PENDING).exists():
        raise Conflict(_("已有待审核的申请，请等待审核结果后再申请转会。"))
    moment = now()
    new = Membership(
        person=m.person,
        union=target,
        status=Membership.Status.PENDING,
        channel=Membership.Channel.TRANSFER,
        applied_at=moment,
        due_at=add_working_days(moment, decision_working_days()),
        previous=m,
        member_no=None,
        member_since=m.member_since,
        note=clean_text(reason).replace("\x00", "")[:500],
    )
    try:
        with transaction.atomic():
            new.save()
    except IntegrityError:
        raise Conflict(_("已有待审核的申请，请勿重复提交。")) from None
    audit_record(
        actor=actor,
        action="membership.transfer_request",
        obj=new,
        union_id=target.pk,
        changes={"union": [m.union_id, target.pk]},
        extra={"from_membership": m.pk},
    )
    _notify(
        m.person,
        _("【渝工】您从%(old)s转入%(new)s的申请已提交，将在%(days)s个工作日内完成审核。")
        % {"old": m.union.name, "new": target.name, "days": decision_working_days()},
    )
    return new


def _transfer_complete(*, actor: Any, m: Membership) -> Membership:
    """Caller holds the lock on ``m`` (the pending transfer row) and checked the actor's right over
    its union. The old row is locked next (always new-then-old; the only other lockers of the old
    row, suspend/leave, take just that one row, so no lock-order cycle)."""
    old = _lock(m.previous_id)  # type: ignore[arg-type]
    if old.status != Membership.Status.ACTIVE:
        raise Conflict(_("原会籍已不是有效状态，无法办理转会。"))
    today, moment = local_today(), now()
    # The old row goes first: it frees the "one current membership" and member-number slots.
    old.status = Membership.Status.TRANSFERRED
    old.ended_on = today
    old.save(update_fields=["status", "ended_on", "updated_at"])
    m.status = Membership.Status.ACTIVE
    m.member_no = old.member_no
    m.member_since = old.member_since or today
    m.started_on = today
    m.decided_at = moment
    m.decided_by = actor
    m.save()
    audit_record(
        actor=actor,
        action="membership.transfer_out",
        obj=old,
        union_id=old.union_id,
        changes={"status": ["active", "transferred"]},
        extra={"to_membership": m.pk, "to_union": m.union_id},
    )
    audit_record(
        actor=actor,
        action="membership.transfer_in",
        obj=m,
        union_id=m.union_id,
        changes={"status": ["pending", "active"], "member_no": [None, m.member_no]},
        extra={"from_membership": old.pk, "from_union": old.union_id},
    )
    fact_record(metric="members.transferred_out", union_id=old.union_id, dim=m.person.employment_form)
    fact_record(metric="members.transferred_in", union_id=m.union_id, dim=m.person.employment_form)
    _notify(
        m.person,
        _("【渝工】您已由%(old)s转入%(new)s，会员编号%(no)s不变，会龄连续计算。")
        % {"old": old.union.name, "new": m.union.name, "no": m.member_no},
    )
    return m


@transaction.atomic
def membership_transfer_approve(*, actor: Any, membership: Membership | int) -> Membership:
    """The target union's staff accept a transfer: the old row becomes ``transferred``, the new
    one ``active`` with the same member number and ``member_since`` (continuous membership)."""
    m = _lock(membership)
    _manage(actor, m.union)
    _require_status(m, {Membership.Status.PENDING})
    if m.previous_id is None:
        raise Conflict(_("这不是转会申请。"))
    return _transfer_complete(actor=actor, m=m)


# --- Suspend, resume, leave -----------------------------------------------------------------


@transaction.atomic
def membership_suspend(*, actor: Any, membership: Membership | int, reason: str) -> Membership:
    reason = clean_text(reason).replace("\x00", "")
    if not reason:
        raise ValidationFailed(fields={"reason": _("请填写暂停会籍的原因。")})
    m = _lock(membership)
    _manage(actor, m.union)
    _require_status(m, {Membership.Status.ACTIVE})
    m.status = Membership.Status.SUSPENDED
    m.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action="membership.suspend",
        obj=m,
        union_id=m.union_id,
        changes={"status": ["active", "suspended"]},
        extra={"reason": reason[:500]},
    )
    return m


@transaction.atomic
def membership_resume(*, actor: Any, membership: Membership | int) -> Membership:
    m = _lock(membership)
    _manage(actor, m.union)
    _require_status(m, {Membership.Status.SUSPENDED})
    m.status = Membership.Status.ACTIVE
    m.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action="membership.resume",
        obj=m,
        union_id=m.union_id,
        changes={"status": ["suspended", "active"]},
    )
    return m


@transaction.atomic
def membership_leave(*, actor: Any, membership: Membership | int, reason: str = "") -> Membership:
    """End a membership: the member themself, or staff of the union."""
    m = _lock(membership)
    if not _is_member_self(actor, m):
        _manage(actor, m.union)
    _require_status(m, set(Membership.CURRENT))
    if Membership.objects.filter(previous_id=m.pk, status=Membership.Status.PENDING).exists():
        raise Conflict(_("有待审核的转会申请，请先处理转会申请。"))
    old_status = m.status
    m.status = Membership.Status.LEFT
    m.ended_on = local_today()
    m.save(update_fields=["status", "ended_on", "updated_at"])
    audit_record(
        actor=actor,
        action="membership.leave",
        obj=m,
        union_id=m.union_id,
        changes={"status": [old_status, "left"]},
        extra={"reason": clean_text(reason).replace("\x00", "")[:500]},
    )
    fact_record(metric="members.left", union_id=m.union_id, dim=m.person.employment_form)
    return m


# --- Personal data --------------------------------------------------------------------------


def person_reveal(*, actor: Any, membership: Membership) -> Person:
    """Show the ID number and phone in clear to managing staff of the membership's union, audited.
    (A read with an audit row: callers fetched ``membership`` through the access layer.)"""
    if not can_act(actor, membership.union, MANAGE_ROLES):
        raise PermissionDenied(_("只有工会主席、副主席和工作人员可以查看完整个人信息。"))
    audit_pii_view(
        actor=actor, obj=membership.person, fields=["id_number", "phone"], union_id=membership.union_id
    )
    return membership.person


# --- Overdue applications -------------------------------------------------------------------


def membership_flag_overdue(*, at: dt.datetime | None = None) -> int:
    """Flag pending applications past their deadline to the level above, once per application:
    an audit row at the parent union and one SMS per managing staff member of each parent union.
    Each row is claimed with a conditional UPDATE, so concurrent runs never flag twice."""
    moment = at or now()
    candidates = list(
        Membership.objects.filter(
            status=Membership.Status.PENDING, due_at__lt=moment, overdue_flagged_at__isnull=True
        )
        .select_related("union")
        .order_by("id")[:5000]
    )
    by_parent: dict[int, list[Membership]] = {}
    for m in candidates:
        with transaction.atomic():
            claimed = Membership.objects.filter(
                pk=m.pk, status=Membership.Status.PENDING, overdue_flagged_at__isnull=True
            ).update(overdue_flagged_at=moment)
            if not claimed:
                continue
            parent_id = m.union.parent_id or m.union_id
            audit_record(
                actor=None,
                action="membership.overdue",
                obj=m,
                union_id=parent_id,
                extra={"union": m.union_id, "due_at": m.due_at.isoformat() if m.due_at else None},
            )
        by_parent.setdefault(parent_id, []).append(m)
    if by_parent:
        _notify_parents(by_parent)
    return sum(len(v) for v in by_parent.values())


def _notify_parents(by_parent: dict[int, list[Membership]]) -> None:
    staff = (
        RoleAssignment.objects.filter(union_id__in=by_parent, active=True, role__in=MANAGE_ROLES)
        .select_related("user")
        .order_by("union_id", "user_id")
    )
    seen: set[tuple[int, int]] = set()
    for ra in staff:
        key = (ra.union_id, ra.user_id)
        phone = getattr(ra.user, "phone", "")
        if key in seen or not phone:
            continue
        seen.add(key)
        count = len(by_parent[ra.union_id])
        text = _("【渝工】下级工会有%(n)s件入会申请已超过审批期限，请登录工作台“入会审批”督办。") % {
            "n": count
        }
        sms_send(phone=phone, text=text)  # sent after commit by the adapter itself


# --- Search keys ----------------------------------------------------------------------------

SEARCH_KEYS_SQL = (
    "UPDATE members_membership SET union_path = u.path, person_name = p.name, "
    "employment_form = p.employment_form, migrant_worker = p.migrant_worker, "
    "employer_name = p.employer_name FROM orgs_union u, members_person p "
    "WHERE u.id = members_membership.union_id AND p.id = members_membership.person_id "
    "AND members_membership.id >= %s AND members_membership.id < %s AND ("
    "members_membership.union_path <> u.path OR members_membership.person_name <> p.name "
    "OR members_membership.employment_form <> p.employment_form "
    "OR members_membership.migrant_worker <> p.migrant_worker "
    "OR members_membership.employer_name <> p.employer_name)"
)


def membership_search_keys_rebuild(*, batch: int = 50_000) -> int:
    """Re-derive the search keys of every membership from its union and person (a repair tool,
    ``manage.py members_search_keys``; the services keep them in step). One id range per
    transaction; only rows that differ are written. Returns the number of rows fixed."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT MIN(id), MAX(id) FROM members_membership")
        low, high = cursor.fetchone()
    fixed = 0
    if low is None:
        return 0
    for start in range(low, high + 1, batch):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(SEARCH_KEYS_SQL, [start, start + batch])
            fixed += max(cursor.rowcount, 0)
    return fixed
