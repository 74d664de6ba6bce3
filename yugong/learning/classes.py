"""Live and offline classes (直播课 / 线下课): a class is a lesson with a time, a place and a number
of seats. Workers sign up (a seat is taken with a conditional update, never overbooked); at the
class, staff show an attendance QR and the worker scans it with the phone (the project's camera
pattern, ``partials/scan_camera.html``); attendance credits the lesson's time and completes it —
and the course, when it was the last step — in the same transaction."""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from urllib.parse import parse_qs, urlsplit

from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.core.audit import audit_record
from yugong.core.errors import Conflict, NotFound, ValidationFailed
from yugong.core.facts import fact_record
from yugong.core.timeutil import now as tz_now
from yugong.core.validators import clean_text
from yugong.members.models import Person
from yugong.orgs.access import MANAGE_ROLES, access_object, require_role

from .models import ClassSession, ClassSignup, Enrollment, Lesson, LessonProgress
from .progress import complete_lesson

CLASS_KINDS = frozenset({Lesson.Kind.LIVE, Lesson.Kind.OFFLINE})
# Attendance is taken from half an hour before the start to half an hour after the end.
CHECKIN_MARGIN = dt.timedelta(minutes=30)


def _staff_lesson(actor: User, lesson: Lesson | int) -> Lesson:
    pk = lesson.pk if isinstance(lesson, Lesson) else lesson
    found = access_object(
        Lesson.objects.select_related("course__union"), actor, pk, path_field="course__union__path"
    )
    require_role(actor, found.course.union, MANAGE_ROLES)
    return found


@transaction.atomic
def class_schedule(
    *,
    actor: User,
    lesson: Lesson | int,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    place: str,
    capacity: int,
) -> ClassSession:
    """Set the time, place and seats of a live/offline class lesson (once; later edits keep the
    seats already taken, and the capacity cannot drop below them)."""
    found = _staff_lesson(actor, lesson)
    errors: dict[str, str] = {}
    if found.kind not in CLASS_KINDS:
        errors["lesson"] = _("只有直播课、线下课可以排课。")
    if ends_at <= starts_at:
        errors["ends_at"] = _("结束时间应晚于开始时间。")
    place = clean_text(place)
    if not place or len(place) > 200:
        errors["place"] = _("请填写地点或直播间（200字以内）。")
    if not 1 <= int(capacity) <= 100000:
        errors["capacity"] = _("名额应在1到100000之间。")
    if errors:
        raise ValidationFailed(fields=errors)
    session = ClassSession.objects.select_for_update().filter(lesson=found).first()
    if session is None:
        session = ClassSession(lesson=found, checkin_secret=secrets.token_urlsafe(18))
    elif int(capacity) < session.taken:
        raise ValidationFailed(
            fields={"capacity": _("名额不能少于已报名人数（%(n)d）。") % {"n": session.taken}}
        )
    session.starts_at, session.ends_at, session.place, session.capacity = (
        starts_at,
        ends_at,
        place,
        int(capacity),
    )
    session.save()
    audit_record(actor=actor, action="learning.class_schedule", obj=session, union_id=found.course.union_id)
    return session


def _class_lesson(lesson_id: int) -> Lesson:
    lesson = (
        Lesson.objects.select_related("course", "class_session")
        .filter(pk=lesson_id, kind__in=CLASS_KINDS, course__status="published")
        .first()
    )
    if lesson is None or not hasattr(lesson, "class_session"):
        raise NotFound()
    return lesson


@transaction.atomic
def class_signup(
    *, person: Person, lesson_id: int, actor: User | None, _unsafe_no_guard: bool = False
) -> ClassSignup:
    """Take a seat. The seat is taken by ``UPDATE … SET taken = taken + 1 WHERE taken < capacity``
    (one row, no read-then-write), so concurrent sign-ups never exceed the capacity; the check
    constraint is the last judge. Signing up twice returns the first sign-up.
    ``_unsafe_no_guard`` (tests only) reads, checks and writes instead: the race control."""
    lesson = _class_lesson(lesson_id)
    session = lesson.class_session
    existing = ClassSignup.objects.filter(session=session, person=person).first()
    if existing is not None:
        return existing
    if tz_now() >= session.ends_at:
        raise Conflict(_("该课程已结束，不能报名。"))
    if _unsafe_no_guard:
        fresh = ClassSession.objects.get(pk=session.pk)
        if fresh.taken >= fresh.capacity:
            raise Conflict(_("名额已满。"))
        fresh.taken = fresh.taken + 1
        fresh.save(update_fields=["taken"])
    elif not ClassSession.objects.filter(pk=session.pk, taken__lt=F("capacity")).update(taken=F("taken") + 1):
        raise Conflict(_("名额已满。"))
    try:
        with transaction.atomic():
            signup = ClassSignup.objects.create(session=session, person=person)
    except IntegrityError:
        raise Conflict(_("您已报名。")) from None
    Enrollment.objects.get_or_create(course=lesson.course, person=person)
    audit_record(actor=actor, action="learning.class_signup", obj=signup, union_id=lesson.course.union_id)
    fact_record(metric="learning_class_signups", union_id=lesson.course.union_id, dim=lesson.kind)
    return signup


@transaction.atomic
def class_cancel(*, person: Person, lesson_id: int, actor: User | None) -> None:
    """Give the seat back before the class starts (not after attending)."""
    lesson = _class_lesson(lesson_id)
    session = lesson.class_session
    signup = ClassSignup.objects.select_for_update().filter(session=session, person=person).first()
    if signup is None:
        raise NotFound()
    if signup.attended_at is not None or tz_now() >= session.starts_at:
        raise Conflict(_("课程已开始，不能取消报名。"))
    signup.delete()
    ClassSession.objects.filter(pk=session.pk, taken__gt=0).update(taken=F("taken") - 1)
    audit_record(actor=actor, action="learning.class_cancel", obj=session, union_id=lesson.course.union_id)


def checkin_url(session: ClassSession) -> str:
    """What the attendance QR shown at the class encodes."""
    return f"{reverse('learning:h5_class', args=[session.lesson_id])}?k={session.checkin_secret}"


def _secret_from(text: str) -> str:
    """The QR's secret from what was scanned or typed: the whole URL, or the secret alone."""
    text = (text or "").strip()
    if "?" in text or "/" in text:
        return (parse_qs(urlsplit(text).query).get("k") or [""])[0]
    return text


@transaction.atomic
def class_checkin(*, person: Person, lesson_id: int, code: str, actor: User | None) -> bool:
    """Attendance by the QR shown at the class: the learner must have signed up, be within the
    class's time (± ``CHECKIN_MARGIN``) and hold the QR's secret. Credits the lesson's duration and
    completes it (and the course, when last) here. Checking in twice changes nothing. Returns
    True when the course completed with this attendance."""
    lesson = _class_lesson(lesson_id)
    session = lesson.class_session
    secret = _secret_from(code)
    if not secret or not hmac.compare_digest(secret, session.checkin_secret):
        raise ValidationFailed(fields={"code": _("签到二维码无效，请扫描课堂现场展示的二维码。")})
    moment = tz_now()
    if not session.starts_at - CHECKIN_MARGIN <= moment <= session.ends_at + CHECKIN_MARGIN:
        raise Conflict(_("不在签到时间内（开课前30分钟至下课后30分钟）。"))
    signup = ClassSignup.objects.select_for_update().filter(session=session, person=person).first()
    if signup is None:
        raise Conflict(_("您未报名该课程，不能签到。"))
    if signup.attended_at is not None:
        return False
    signup.attended_at = moment
    signup.save(update_fields=["attended_at"])
    audit_record(actor=actor, action="learning.class_checkin", obj=signup, union_id=lesson.course.union_id)
    fact_record(metric="learning_class_attendance", union_id=lesson.course.union_id, dim=lesson.kind)
    progress, _created = LessonProgress.objects.select_for_update().get_or_create(
        lesson=lesson, person=person
    )
    if progress.completed_at is not None:
        return False
    progress.credited_seconds = lesson.duration_seconds
    return complete_lesson(progress=progress, lesson=lesson, person=person, now=moment, actor=actor)


@transaction.atomic
def class_rotate_secret(*, actor: User, lesson: Lesson | int) -> ClassSession:
    """A new attendance QR (the old one stops working), e.g. when a photo of it was passed round."""
    found = _staff_lesson(actor, lesson)
    session = ClassSession.objects.select_for_update().filter(lesson=found).first()
    if session is None:
        raise NotFound()
    session.checkin_secret = secrets.token_urlsafe(18)
    session.save(update_fields=["checkin_secret"])
    audit_record(actor=actor, action="learning.class_rotate_qr", obj=session, union_id=found.course.union_id)
    return session
