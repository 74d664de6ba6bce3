"""Writes and reads of each kind's own records: contest voting (one vote per member per day, with
simple fraud flags), 相亲联谊 mutual consent (contact revealed only when both agreed), summer
childcare (capacity per age group taken by a conditional UPDATE, daily attendance) and fitness /
steps challenges (one entry a day, streaks). Keyword-only, atomic, audited, as ``services``."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.core import timeutil
from yugong.core.audit import audit_pii_view, audit_record
from yugong.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from yugong.core.facts import fact_record
from yugong.core.validators import is_ascii_digits
from yugong.members.models import Membership

from .models import Activity, ActivityKind, SignUp
from .models_kinds import (
    ChildAttendance,
    ChildcareGroup,
    ChildEnrolment,
    FitnessEntry,
    MatchInterest,
    MatchProfile,
    Vote,
    Work,
)
from .services import _activity_for, signup_create

TAKING_PART = (SignUp.Status.ENTERED, SignUp.Status.WON)
# A contest takes votes while it is open or drawn (not as a draft, not once cancelled).
VOTING_STATUSES = (Activity.Status.OPEN, Activity.Status.DRAWN)
# A vote is flagged (kept, not counted) when the account was created after the contest opened, or
# when this many votes came from one IP address within IP_BURST_MINUTES.
IP_BURST = 5
IP_BURST_MINUTES = 10
# Test-only: the control of the childcare race reads, decides and writes back.
_UNGUARDED_GROUP = False


def _signup_of(actor: User, activity_id: Any, kind: str, statuses: tuple[str, ...] = TAKING_PART) -> SignUp:
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied()
    signup = (
        SignUp.objects.select_related("activity")
        .filter(activity_id=activity_id, person__user_id=actor.pk, activity__kind=kind, status__in=statuses)
        .first()
        if is_ascii_digits(str(activity_id))
        else None
    )
    if signup is None:
        raise NotFound()
    return signup


# --- contest voting --------------------------------------------------------------------------------


def _device_hash(device: str) -> str:
    return hashlib.sha256(device.encode()).hexdigest()[:32] if device else ""


def vote_flag(*, activity: Activity, voter: User, ip: str | None, at: dt.datetime) -> str:
    """Why a vote looks like ballot stuffing ("" when it doesn't)."""
    if voter.date_joined and voter.date_joined > activity.signup_opens_at:
        return "new_account"
    if ip:
        since = at - dt.timedelta(minutes=IP_BURST_MINUTES)
        if Vote.objects.filter(activity=activity, ip=ip, created_at__gte=since).count() >= IP_BURST:
            return "ip_burst"
    return ""


@transaction.atomic
def vote_cast(*, actor: User, work_id: Any, ip: str | None = None, device: str = "") -> Vote:
    """A member votes for a published work: one vote per member per contest per day (the unique
    constraint decides under concurrency). A flagged vote is recorded but not counted."""
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied()
    work = (
        Work.objects.select_related("activity").filter(pk=work_id, status=Work.Status.PUBLISHED).first()
        if is_ascii_digits(str(work_id))
        else None
    )
    if work is None or work.activity.status not in VOTING_STATUSES:
        raise NotFound()
    if not Membership.objects.filter(person__user_id=actor.pk, status=Membership.Status.ACTIVE).exists():
        raise PermissionDenied(_("仅限工会会员投票。"))
    at = timeutil.now()
    flag = vote_flag(activity=work.activity, voter=actor, ip=ip, at=at)
    try:
        with transaction.atomic():
            vote = Vote.objects.create(
                activity=work.activity,
                work=work,
                user=actor,
                day=timeutil.local_today(),
                ip=ip,
                device=_device_hash(device),
                flag=flag,
            )
    except IntegrityError:
        raise Conflict(_("今天已经投过票了，明天再来。"), code="voted_today") from None
    if not flag:
        Work.objects.filter(pk=work.pk).update(votes=F("votes") + 1)
    audit_record(actor=actor, action="activity.vote", obj=vote, extra={"work": work.pk, "flag": flag})
    return vote


@transaction.atomic
def work_review(*, actor: User, work_id: Any, publish: bool, note: str = "") -> Work:
    """The organiser's staff publish or reject a submitted work (nothing is public before)."""
    work = (
        Work.objects.select_for_update().filter(pk=work_id).first() if is_ascii_digits(str(work_id)) else None
    )
    if work is None:
        raise NotFound()
    activity = _activity_for(actor, work.activity_id)
    if work.status != Work.Status.PENDING:
        raise Conflict(_("该作品已审核。"))
    if not publish and not note.strip():
        raise ValidationFailed(fields={"note": _("不通过时请填写审核意见。")})
    work.status = Work.Status.PUBLISHED if publish else Work.Status.REJECTED
    work.review_note, work.reviewed_by = note.strip()[:200], actor
    work.save(update_fields=["status", "review_note", "reviewed_by"])
    audit_record(actor=actor, action="activity.work_review", obj=work, union_id=activity.union_id)
    if publish:  # counted at the author's union, by kind of work (photo, video, essay)
        author_union = SignUp.objects.values_list("union_id", flat=True).get(pk=work.signup_id)
        fact_record(metric="activities.works_published", union_id=author_union, dim=work.kind)
    return work


# --- 相亲联谊: mutual consent ------------------------------------------------------------------------


@dataclass(frozen=True)
class Card:
    profile_id: int
    nickname: str
    intro: str
    i_am_interested: bool
    mutual: bool
    real_name: str  # only when mutual ("" otherwise)
    contact: str  # only when mutual ("" otherwise)


# The version of the consent text a participant agrees to (pages show it; audit rows record it).
MATCH_CONSENT_VERSION = "2026-1"


def _match_activity(activity_id: Any) -> Activity:
    activity = (
        Activity.objects.filter(pk=activity_id, kind=ActivityKind.MATCHMAKING)
        .exclude(status__in=(Activity.Status.DRAFT, Activity.Status.CANCELLED))
        .first()
        if is_ascii_digits(str(activity_id))
        else None
    )
    if activity is None:
        raise NotFound()
    return activity


@transaction.atomic
def match_signup(*, actor: User, activity_id: Any, consent: bool) -> SignUp:
    """Real-name sign-up for 相亲联谊: the member agrees that their name from the membership record
    is used, and that name and contact go only to someone who chose them back. The consent is
    audited in the same transaction as the sign-up (the ORM path of ``signup_create``: same rules)."""
    _match_activity(activity_id)
    if not consent:
        raise ValidationFailed(fields={"consent": _("请阅读并同意实名报名与信息使用说明。")})
    signup = signup_create(actor=actor, activity_id=activity_id)
    audit_record(
        actor=actor,
        action="activity.match_consent",
        obj=signup,
        union_id=signup.union_id,
        extra={"consent": MATCH_CONSENT_VERSION, "stage": "signup"},
    )
    return signup


@transaction.atomic
def match_profile_save(
    *, actor: User, activity_id: Any, nickname: str, intro: str, contact: str, consent: bool = False
) -> MatchProfile:
    """A participant who won a place (real name: their membership record) fills in their card,
    agreeing (``consent``) that the contact is shown to a participant who chose them back."""
    signup = _signup_of(actor, activity_id, ActivityKind.MATCHMAKING, (SignUp.Status.WON,))
    errors = {}
    if not consent:
        errors["consent"] = _("请同意在双方互有意向后向对方显示实名与联系方式。")
    if not nickname.strip():
        errors["nickname"] = _("请填写昵称。")
    if not contact.strip():
        errors["contact"] = _("请填写联系方式（仅在双方都有意向后向对方显示）。")
    if errors:
        raise ValidationFailed(fields=errors)
    profile, _created = MatchProfile.objects.update_or_create(
        signup=signup,
        defaults={
            "activity_id": signup.activity_id,
            "nickname": nickname.strip()[:20],
            "intro": intro.strip()[:500],
            "contact": contact.strip()[:100],
        },
    )
    audit_record(
        actor=actor,
        action="activity.match_profile",
        obj=profile,
        union_id=signup.union_id,
        extra={"consent": MATCH_CONSENT_VERSION},
    )
    return profile


def match_profile_mine(*, actor: User, activity_id: Any) -> MatchProfile | None:
    """The participant's own card (None before it is filled in); only a winner has one (404)."""
    signup = _signup_of(actor, activity_id, ActivityKind.MATCHMAKING, (SignUp.Status.WON,))
    return MatchProfile.objects.filter(signup=signup).first()


@transaction.atomic
def match_interest(*, actor: User, activity_id: Any, target_id: Any) -> bool:
    """Express interest in another participant; returns whether it is now mutual. Idempotent."""
    mine = MatchProfile.objects.filter(
        signup=_signup_of(actor, activity_id, ActivityKind.MATCHMAKING)
    ).first()
    if mine is None:
        raise Conflict(_("请先填写个人资料卡。"))
    target = (
        MatchProfile.objects.filter(pk=target_id, activity_id=mine.activity_id).exclude(pk=mine.pk).first()
        if is_ascii_digits(str(target_id))
        else None
    )
    if target is None:
        raise NotFound()
    MatchInterest.objects.get_or_create(activity_id=mine.activity_id, source=mine, target=target)
    audit_record(actor=actor, action="activity.match_interest", obj=target)
    return MatchInterest.objects.filter(source=target, target=mine).exists()


def match_cards(*, actor: User, activity_id: Any, reveal: bool = True) -> list[Card]:
    """The other participants' cards; real name and contact only where both agreed (each such view
    is audited as a view of personal data). ``reveal=False``: a list that shows no contact at all
    (the participants page), so nothing is decrypted and nothing audited."""
    signup = _signup_of(actor, activity_id, ActivityKind.MATCHMAKING, (SignUp.Status.WON,))
    mine = MatchProfile.objects.filter(signup=signup).first()
    given = (
        set(MatchInterest.objects.filter(source=mine).values_list("target_id", flat=True)) if mine else set()
    )
    received = (
        set(MatchInterest.objects.filter(target=mine).values_list("source_id", flat=True)) if mine else set()
    )
    cards = []
    profiles = (
        MatchProfile.objects.filter(activity_id=signup.activity_id, signup__status=SignUp.Status.WON)
        .exclude(signup=signup)
        .select_related("signup__person")
        .order_by("pk")
    )
    for p in profiles if reveal else profiles.defer("contact"):
        mutual = p.pk in given and p.pk in received
        shown = mutual and reveal
        if shown:
            audit_pii_view(actor=actor, obj=p, fields=["contact", "name"], union_id=p.signup.union_id)
        cards.append(
            Card(
                profile_id=p.pk,
                nickname=p.nickname,
                intro=p.intro,
                i_am_interested=p.pk in given,
                mutual=mutual,
                real_name=p.signup.person.name if shown else "",
                contact=p.contact if shown else "",
            )
        )
    return cards


# --- 爱心托管: capacity per age group ---------------------------------------------------------------


def _take_seat(group_id: int) -> bool:
    if _UNGUARDED_GROUP:  # the control: read, decide, write back (two parents can take the last seat)
        group = ChildcareGroup.objects.get(pk=group_id)
        if group.taken >= group.capacity:
            return False
        ChildcareGroup.objects.filter(pk=group_id).update(taken=group.taken + 1)
        return True
    return bool(
        ChildcareGroup.objects.filter(pk=group_id, taken__lt=F("capacity")).update(taken=F("taken") + 1)
    )


@transaction.atomic
def childcare_group_add(
    *, actor: User, activity_id: Any, name: str, min_age: int, max_age: int, capacity: int
) -> ChildcareGroup:
    activity = _activity_for(actor, activity_id)
    errors = {}
    if activity.kind != ActivityKind.CHILDCARE:
        errors["activity"] = _("只有爱心托管活动可以设置年龄班组。")
    if not name.strip():
        errors["name"] = _("请填写班组名称。")
    if not (isinstance(min_age, int) and isinstance(max_age, int) and 3 <= min_age <= max_age <= 16):
        errors["min_age"] = _("年龄范围须在3到16岁之间，且最小年龄不大于最大年龄。")
    elif activity.childcare_groups.filter(min_age__lte=max_age, max_age__gte=min_age).exists():
        errors["min_age"] = _("年龄范围与已有班组重叠。")
    if not isinstance(capacity, int) or capacity < 1:
        errors["capacity"] = _("名额须为正整数。")
    if errors:
        raise ValidationFailed(fields=errors)
    group = ChildcareGroup.objects.create(
        activity=activity, name=name.strip()[:40], min_age=min_age, max_age=max_age, capacity=capacity
    )
    audit_record(actor=actor, action="activity.childcare_group", obj=group, union_id=activity.union_id)
    return group


@transaction.atomic
def child_enrol(
    *, actor: User, activity_id: Any, child_name: str, child_age: int, guardian_phone: str
) -> ChildEnrolment:
    """A member who signed up enrols a child into the group of its age, while seats are left."""
    signup = _signup_of(actor, activity_id, ActivityKind.CHILDCARE)
    errors = {}
    if not child_name.strip():
        errors["child_name"] = _("请填写孩子姓名。")
    if not is_ascii_digits(guardian_phone.strip()) or len(guardian_phone.strip()) != 11:
        errors["guardian_phone"] = _("监护人手机号须为11位数字。")
    group = None
    if not isinstance(child_age, int):
        errors["child_age"] = _("请填写孩子年龄。")
    else:
        group = ChildcareGroup.objects.filter(
            activity_id=signup.activity_id, min_age__lte=child_age, max_age__gte=child_age
        ).first()
        if group is None:
            errors["child_age"] = _("没有适合该年龄的托管班组。")
    if errors or group is None:
        raise ValidationFailed(fields=errors)
    if not _take_seat(group.pk):
        raise Conflict(_("%(group)s名额已满。") % {"group": group.name}, code="group_full")
    enrolment = ChildEnrolment.objects.create(
        activity_id=signup.activity_id,
        group=group,
        signup=signup,
        child_name=child_name.strip()[:20],
        child_age=child_age,
        guardian_phone=guardian_phone.strip(),
    )
    audit_record(actor=actor, action="activity.child_enrol", obj=enrolment, union_id=signup.union_id)
    return enrolment


@transaction.atomic
def child_attendance_mark(*, actor: User, enrolment_id: Any, day: dt.date | None = None) -> bool:
    """Staff mark a child present for the day; idempotent (returns False when already marked)."""
    enrolment = (
        ChildEnrolment.objects.filter(pk=enrolment_id, status=ChildEnrolment.Status.ENROLLED).first()
        if is_ascii_digits(str(enrolment_id))
        else None
    )
    if enrolment is None:
        raise NotFound()
    activity = _activity_for(actor, enrolment.activity_id)
    _row, created = ChildAttendance.objects.get_or_create(
        enrolment=enrolment, day=day or timeutil.local_today(), defaults={"recorded_by": actor}
    )
    if created:
        audit_record(
            actor=actor, action="activity.child_attendance", obj=enrolment, union_id=activity.union_id
        )
        fact_record(metric="activities.attendance", union_id=activity.union_id, dim=activity.kind)
    return created


@transaction.atomic
def childcare_attendance_record(
    *, actor: User, activity_id: Any, enrolment_ids: Sequence[int], day: dt.date | None = None
) -> int:
    """The day's roster in one go: every child ticked is marked present (``child_attendance_mark``,
    idempotent). All the children must be enrolled in this activity; the day is not in the future.
    Returns how many were marked for the first time."""
    activity = _activity_for(actor, activity_id)
    today = timeutil.local_today()
    day = day or today
    if day > today:
        raise ValidationFailed(fields={"day": _("不能为以后的日期登记考勤。")})
    ids = sorted({int(i) for i in enrolment_ids})
    enrolled = set(
        ChildEnrolment.objects.filter(
            activity=activity, pk__in=ids, status=ChildEnrolment.Status.ENROLLED
        ).values_list("pk", flat=True)
    )
    if len(enrolled) != len(ids):
        raise ValidationFailed(fields={"present": _("所选儿童不在本次托管名单中。")})
    return sum(child_attendance_mark(actor=actor, enrolment_id=pk, day=day) for pk in ids)


# --- fitness check-ins and steps / distance challenges ---------------------------------------------


@transaction.atomic
def fitness_record(
    *, actor: User, activity_id: Any, steps: int, distance_m: int, day: dt.date | None = None
) -> FitnessEntry:
    """Today's check-in with steps and distance (one a day: a second one the same day corrects it)."""
    signup = _signup_of(actor, activity_id, ActivityKind.FITNESS)
    today = timeutil.local_today()
    day = day or today
    errors = {}
    if day > today or day < today - dt.timedelta(days=1):
        errors["day"] = _("只能为今天或昨天打卡。")
    if not isinstance(steps, int) or not 0 <= steps <= 100_000:
        errors["steps"] = _("步数须在0到100000之间。")
    if not isinstance(distance_m, int) or not 0 <= distance_m <= 100_000:
        errors["distance_m"] = _("距离须在0到100000米之间。")
    if errors:
        raise ValidationFailed(fields=errors)
    entry, created = FitnessEntry.objects.update_or_create(
        signup=signup,
        day=day,
        defaults={"activity_id": signup.activity_id, "steps": steps, "distance_m": distance_m},
    )
    audit_record(actor=actor, action="activity.fitness", obj=entry, union_id=signup.union_id)
    if created:
        fact_record(metric="activities.fitness_checkins", union_id=signup.union_id, dim=signup.activity.kind)
    return entry


def fitness_streak(days: list[dt.date], today: dt.date) -> int:
    """Consecutive days checked in, ending today (or yesterday, while today is still open)."""
    have = set(days)
    day = today if today in have else today - dt.timedelta(days=1)
    n = 0
    while day in have:
        n += 1
        day -= dt.timedelta(days=1)
    return n


def fitness_board(activity: Activity, *, limit: int = 20) -> list[dict[str, Any]]:
    """Totals per participant, by steps: one query."""
    return list(
        FitnessEntry.objects.filter(activity=activity)
        .values("signup_id", "signup__person__name")
        .annotate(steps=Sum("steps"), distance_m=Sum("distance_m"))
        .order_by("-steps", "signup_id")[:limit]
    )
