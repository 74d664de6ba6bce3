"""The course catalogue written by staff: providers, courses, units and micro-lessons. Every write
is scoped to the union the provider or course hangs on (``yugong.orgs.access``) and audited."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.core.audit import audit_record
from yugong.core.errors import ValidationFailed
from yugong.core.facts import fact_record
from yugong.core.validators import clean_text
from yugong.orgs.access import MANAGE_ROLES, access_object, require_role
from yugong.orgs.models import Union

from .models import Course, Lesson, Provider, Unit

EDITABLE = ("title", "summary", "credits", "status")


def _text(value: Any, field: str, label: str, limit: int, *, required: bool = True) -> str:
    text = clean_text(value)
    if (required and not text) or len(text) > limit:
        raise ValidationFailed(
            fields={field: _("请填写%(label)s（%(n)d字以内）。") % {"label": label, "n": limit}}
        )
    return text


def _credits(value: Any) -> Decimal:
    credits = Decimal(value or 0)
    if credits < 0 or credits > 100:
        raise ValidationFailed(fields={"credits": _("学分应在0到100之间。")})
    return credits.quantize(Decimal("0.1"))


@transaction.atomic
def provider_create(*, actor: User, union: Union, name: str, kind: str) -> Provider:
    require_role(actor, union, MANAGE_ROLES)
    if kind not in Provider.Kind.values:
        raise ValidationFailed(fields={"kind": _("请选择提供方类型。")})
    provider = Provider.objects.create(name=_text(name, "name", _("名称"), 120), kind=kind, union=union)
    audit_record(actor=actor, action="learning.provider_create", obj=provider, union_id=union.pk)
    return provider


@transaction.atomic
def course_create(
    *, actor: User, provider: Provider | int, title: str, summary: str = "", credits: Any = 0
) -> Course:
    """A draft course of a provider the actor manages (the course hangs on the provider's union)."""
    pk = provider.pk if isinstance(provider, Provider) else provider
    found = access_object(Provider.objects.select_related("union"), actor, pk)
    require_role(actor, found.union, MANAGE_ROLES)
    course = Course.objects.create(
        provider=found,
        union=found.union,
        title=_text(title, "title", _("课程名称"), 200),
        summary=_text(summary, "summary", _("简介"), 2000, required=False),
        credits=_credits(credits),
    )
    audit_record(actor=actor, action="learning.course_create", obj=course, union_id=found.union_id)
    fact_record(metric="learning_courses_created", union_id=found.union_id)
    return course


def _course(actor: User, course: Course | int) -> Course:
    pk = course.pk if isinstance(course, Course) else course
    found = access_object(Course.objects.select_related("union"), actor, pk)
    require_role(actor, found.union, MANAGE_ROLES)
    return Course.objects.select_for_update(of=("self",)).select_related("union").get(pk=found.pk)


@transaction.atomic
def course_update(*, actor: User, course: Course | int, **changes: Any) -> Course:
    """Edit a course's title, summary, credits or status; publishing needs at least one lesson."""
    c = _course(actor, course)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    before = {k: str(getattr(c, k)) for k in changes}
    if "title" in changes:
        c.title = _text(changes["title"], "title", _("课程名称"), 200)
    if "summary" in changes:
        c.summary = _text(changes["summary"], "summary", _("简介"), 2000, required=False)
    if "credits" in changes:
        c.credits = _credits(changes["credits"])
    if "status" in changes:
        if changes["status"] not in Course.Status.values:
            raise ValidationFailed(fields={"status": _("状态无效。")})
        if changes["status"] == Course.Status.PUBLISHED and not c.lessons.exists():
            raise ValidationFailed(fields={"status": _("课程至少要有一节微课才能发布。")})
        c.status = changes["status"]
    c.save()
    after = {k: str(getattr(c, k)) for k in changes}
    audit_record(
        actor=actor,
        action="learning.course_update",
        obj=c,
        union_id=c.union_id,
        changes={k: [before[k], after[k]] for k in changes if before[k] != after[k]},
    )
    return c


@transaction.atomic
def unit_add(*, actor: User, course: Course | int, title: str) -> Unit:
    c = _course(actor, course)
    order = (c.units.aggregate(m=Max("order"))["m"] or 0) + 1
    unit = Unit.objects.create(course=c, title=_text(title, "title", _("单元名称"), 200), order=order)
    audit_record(actor=actor, action="learning.unit_add", obj=unit, union_id=c.union_id)
    return unit


@transaction.atomic
def lesson_add(
    *,
    actor: User,
    unit: Unit | int,
    title: str,
    kind: str,
    duration_seconds: int,
    required_percent: int = 90,
    media_url: str = "",
    media_bytes: int = 0,
    body: str = "",
    pass_percent: int | None = None,
    max_attempts: int | None = None,
) -> Lesson:
    """A micro-lesson in a unit: video or audio (a media file and its transcoded size), text, or PDF
    (with the expected reading time as its duration)."""
    pk = unit.pk if isinstance(unit, Unit) else unit
    found = access_object(
        Unit.objects.select_related("course__union"), actor, pk, path_field="course__union__path"
    )
    c = _course(actor, found.course_id)
    errors: dict[str, Any] = {}
    if kind not in Lesson.Kind.values:
        errors["kind"] = _("请选择微课类型。")
    if not 10 <= int(duration_seconds) <= 4 * 3600:
        errors["duration_seconds"] = _("时长应在10秒到4小时之间。")
    if not 10 <= int(required_percent) <= 100:
        errors["required_percent"] = _("完成所需比例应在10到100之间（百分比）。")
    media_url = clean_text(media_url)
    if kind in Lesson.MEDIA_KINDS and not media_url:
        errors["media_url"] = _("视频、音频微课须填写媒体地址。")
    if media_url and not (media_url.startswith("/") or media_url.startswith("https://")):
        errors["media_url"] = _("媒体地址应以 / 或 https:// 开头。")
    pass_percent = 60 if pass_percent is None else int(pass_percent)
    max_attempts = 3 if max_attempts is None else int(max_attempts)
    if not 1 <= pass_percent <= 100:
        errors["pass_percent"] = _("及格线应在1到100之间（百分比）。")
    if not 1 <= max_attempts <= 20:
        errors["max_attempts"] = _("可答题次数应在1到20之间。")
    if int(media_bytes) < 0:
        errors["media_bytes"] = _("文件大小不能为负数。")
    if errors:
        raise ValidationFailed(fields=errors)
    order = (found.lessons.aggregate(m=Max("order"))["m"] or 0) + 1
    lesson = Lesson.objects.create(
        unit=found,
        course=c,
        title=_text(title, "title", _("微课名称"), 200),
        kind=kind,
        duration_seconds=int(duration_seconds),
        required_percent=int(required_percent),
        media_url=media_url[:500],
        media_bytes=int(media_bytes),
        body=_text(body, "body", _("正文"), 20000, required=False),
        order=order,
        pass_percent=pass_percent,
        max_attempts=max_attempts,
    )
    audit_record(actor=actor, action="learning.lesson_add", obj=lesson, union_id=c.union_id)
    fact_record(metric="learning_lessons_created", union_id=c.union_id, dim=kind)
    return lesson
