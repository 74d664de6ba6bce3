"""Appeal intake: numbers, attachments, registering an appeal (worker, hotline, staff).

Each write: keyword-only, one transaction, permission through orgs.access, a timeline event, an
audit row, facts for the cockpit, SMS to the worker on commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.core.errors import PermissionDenied, ValidationFailed
from yugong.core.facts import fact_record
from yugong.core.filetypes import content_matches_name
from yugong.core.timeutil import SHANGHAI
from yugong.core.validators import clean_text, normalize_phone
from yugong.orgs.access import require_role
from yugong.orgs.models import Employer, Union

from ..cache import queue_cache_bump
from ..models import (
    Appeal,
    AppealAttachment,
    AppealEvent,
    AppealNumberCounter,
    Category,
    Channel,
    Complexity,
)
from ..routing import route_appeal
from ..titles import DERIVED_TITLE_LENGTH, title_from
from .common import (
    INTAKE_ROLES,
    appeal_clock_copy,
    audit,
    event,
    lock,
    moment,
    notify_worker,
    require_actor,
    require_status,
    require_worker_or_handler,
    stage_start,
)

# --- Numbers and attachments ----------------------------------------------------------------


def appeal_number_allocate(at: dt.datetime) -> str:
    """12351-2026-000123: the next number of the year, concurrency-safe.

    One statement, ``INSERT … ON CONFLICT (year) DO UPDATE … RETURNING``: the first appeal of a
    year creates the counter row, every later one increments it; the row lock taken by the
    insert or the update lasts until the caller's transaction commits, so two simultaneous
    intakes (also the first two of a new year, when there is no row to lock yet) get different
    numbers, and a rolled-back intake gives its number back. PostgreSQL and SQLite (>= 3.35) both
    speak this. (The earlier get_or_create + UPDATE + SELECT took three round trips and a
    savepoint, and raced on the first row of a year.)"""
    year = at.astimezone(SHANGHAI).year
    table = connection.ops.quote_name(AppealNumberCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (year, next_value) VALUES (%s, 2) "  # noqa: S608 - fixed name
            f"ON CONFLICT (year) DO UPDATE SET next_value = {table}.next_value + 1 "
            "RETURNING next_value - 1",
            [year],
        )
        row = cursor.fetchone()
    if row is None:  # pragma: no cover - RETURNING always answers one row
        raise RuntimeError("appeal number counter did not answer")
    return f"12351-{year}-{int(row[0]):06d}"


# What 12351 takes: photos, PDF and Word (the content must be what the name says: core.filetypes).
ATTACHMENT_EXTENSIONS = frozenset({"jpg", "jpeg", "png", "webp", "heic", "pdf", "doc", "docx"})


def max_attachment_bytes() -> int:
    return int(getattr(settings, "RIGHTS_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024))


def max_attachments() -> int:
    return int(getattr(settings, "RIGHTS_ATTACHMENT_MAX_FILES", 9))


def attachment_check(upload: UploadedFile, *, field: str = "attachments") -> tuple[str, str]:
    """(extension, content type) of an accepted upload; the type is judged by the file's first
    bytes, not by the name or the browser's claim."""
    name = str(upload.name or "")
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in ATTACHMENT_EXTENSIONS:
        raise ValidationFailed(
            fields={
                field: _("“%(name)s”的类型不支持，请上传照片（JPG/PNG/WEBP/HEIC）或PDF、Word文档。")
                % {"name": name}
            }
        )
    if (upload.size or 0) > max_attachment_bytes():
        raise ValidationFailed(
            fields={
                field: _("“%(name)s”超过%(mb)sMB。")
                % {"name": name, "mb": max_attachment_bytes() // (1024 * 1024)}
            }
        )
    if not upload.size:
        raise ValidationFailed(fields={field: _("“%(name)s”是空文件。") % {"name": name}})
    found = content_matches_name(upload, ext)
    if found is None:
        raise ValidationFailed(fields={field: _("“%(name)s”的内容与扩展名不符。") % {"name": name}})
    return ext, found.content_type


def _attach(appeal: Appeal, uploads: Sequence[UploadedFile]) -> list[AppealAttachment]:
    if len(uploads) + appeal.attachments.count() > max_attachments():
        raise ValidationFailed(fields={"attachments": _("附件最多%(n)s个。") % {"n": max_attachments()}})
    checked = [(upload, attachment_check(upload)) for upload in uploads]
    out = []
    for upload, (_ext, content_type) in checked:
        att = AppealAttachment(
            appeal=appeal, name=str(upload.name)[:200], content_type=content_type, size=int(upload.size or 0)
        )
        att.file.save(str(upload.name), upload, save=False)
        att.save()
        out.append(att)
    return out


# --- Intake ---------------------------------------------------------------------------------


def _clean_intake(
    *,
    channel: str,
    category: str,
    complexity: str,
    subject: str,
    facts: str,
    caller_name: str,
    caller_phone: str,
    anonymous: bool,
) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    if channel not in Channel.values:
        errors["channel"] = _("来源渠道无效。")
    if category not in Category.values:
        errors["category"] = _("请选择诉求类别。")
    if complexity not in Complexity.values:
        errors["complexity"] = _("复杂程度无效。")
    subject = title_from(subject, limit=200)
    facts = (facts or "").strip()
    if not subject and facts:
        subject = title_from(facts, limit=DERIVED_TITLE_LENGTH)
    if not facts:
        errors["facts"] = _("请简要说明发生了什么。")
    elif len(facts) > 5000:
        errors["facts"] = _("事实与经过不能超过5000字。")
    caller_name = clean_text(caller_name)[:64]
    phone = ""
    if caller_phone:
        try:
            phone = normalize_phone(caller_phone, field="caller_phone")
        except ValidationFailed as exc:
            errors.update(exc.fields)
    if not anonymous and not phone:
        errors.setdefault("caller_phone", _("请填写联系电话（或选择匿名）。"))
    if not anonymous and not caller_name and channel != Channel.H5:
        errors["caller_name"] = _("请填写诉求人姓名（或选择匿名）。")
    if errors:
        raise ValidationFailed(fields=errors)
    return {
        "subject": subject,
        "facts": facts,
        "caller_name": "" if anonymous else caller_name,
        "caller_phone": phone,
    }


@transaction.atomic
def appeal_create(
    *,
    actor: User,
    channel: str,
    category: str,
    facts: str,
    subject: str = "",
    demand: str = "",
    complexity: str = Complexity.GENERAL,
    caller_name: str = "",
    caller_phone: str = "",
    anonymous: bool = False,
    employer: Employer | int | None = None,
    employer_name: str = "",
    district: str = "",
    union: Union | None = None,
    attachments: Sequence[UploadedFile] = (),
    at: dt.datetime | None = None,
) -> Appeal:
    """Register an appeal and route it. Hotline and walk-in intake need a staff or hotline role
    somewhere; an H5 appeal is the signed-in worker's own (their account's phone by default).
    ``union`` lets an operator route by hand to a union inside their own scope."""
    require_actor(actor)
    at = moment(at)
    caller_user = None
    if channel == Channel.H5:
        caller_user = actor
        caller_phone = caller_phone or getattr(actor, "phone", "") or ""
        caller_name = caller_name or getattr(actor, "display_name", "") or ""
        if union is not None:
            raise PermissionDenied()
    elif not _has_intake_role(actor):
        raise PermissionDenied(_("只有工会工作人员和热线接线员可以登记来电、来访诉求。"))
    cleaned = _clean_intake(
        channel=channel,
        category=category,
        complexity=complexity,
        subject=subject,
        facts=facts,
        caller_name=caller_name,
        caller_phone=caller_phone,
        anonymous=anonymous,
    )
    employer_obj: Employer | None = None
    if employer is not None and employer != "":
        employer_obj = Employer.objects.filter(
            pk=employer.pk if isinstance(employer, Employer) else employer
        ).first()
        if employer_obj is None:
            raise ValidationFailed(fields={"employer": _("用人单位不存在。")})
    district = clean_text(district)[:40] or (employer_obj.district if employer_obj else "")
    industry = employer_obj.industry if employer_obj else ""
    if union is not None:
        if union.status != Union.Status.ACTIVE:
            raise ValidationFailed(fields={"union": _("该工会已撤销或合并，不能承办诉求。")})
        require_role(actor, union, INTAKE_ROLES)
        reason = _("接线员指定")
    else:
        route = route_appeal(category=category, district=district, industry=industry, employer=employer_obj)
        union, reason = route.union, route.reason
    queue_cache_bump()
    appeal = Appeal.objects.create(
        number=appeal_number_allocate(at),
        channel=channel,
        category=category,
        complexity=complexity,
        anonymous=anonymous,
        caller_name=cleaned["caller_name"],
        caller_phone=cleaned["caller_phone"],
        caller_user=caller_user,
        employer=employer_obj,
        employer_name=(employer_obj.name if employer_obj else clean_text(employer_name))[:200],
        district=district,
        industry=industry,
        subject=cleaned["subject"],
        facts=cleaned["facts"],
        demand=(demand or "").strip()[:2000],
        union=union,
        created_by=actor,
        created_at=at,
    )
    stage = stage_start(appeal, union, at=at, reason=str(reason))
    appeal.stage = stage
    appeal_clock_copy(appeal, stage)
    appeal.save(update_fields=["stage", "due_at", "warn_at", "due_kind"])
    if attachments:
        _attach(appeal, attachments)
    event(appeal, AppealEvent.Kind.CREATED, actor=actor, at=at, text=appeal.get_channel_display())
    event(
        appeal,
        AppealEvent.Kind.ROUTED,
        actor=actor,
        at=at,
        text=_("分派至%(union)s（%(reason)s）") % {"union": union.name, "reason": reason},
        data={"union_id": union.pk},
    )
    audit(actor, "rights.appeal.create", appeal, channel=channel, category=category, routed_to=union.pk)
    for dim in (
        "",
        f"category:{category}",
        f"channel:{channel}",
        f"district:{district}",
        f"industry:{industry}",
    ):
        fact_record(metric="appeals.created", union_id=union.pk, dim=dim, day=at.astimezone(SHANGHAI).date())
    notify_worker(
        appeal,
        _("已登记，由%(union)s办理，可在“我的诉求”查看进度。") % {"union": union.short_name or union.name},
    )
    return appeal


def _has_intake_role(actor: User) -> bool:
    from yugong.orgs.access import scope_paths

    return bool(scope_paths(actor, INTAKE_ROLES))


def appeal_attach(*, actor: User, appeal: Appeal, uploads: Sequence[UploadedFile]) -> list[AppealAttachment]:
    """The worker (or a handler) adds photos or documents to an open appeal."""
    with transaction.atomic():
        locked = lock(appeal)
        require_worker_or_handler(actor, locked)
        require_status(locked, Appeal.OPEN)
        out = _attach(locked, uploads)
        event(
            locked,
            AppealEvent.Kind.ATTACHMENT,
            actor=actor,
            at=moment(None),
            text=_("补充材料%(n)s份") % {"n": len(out)},
        )
        audit(actor, "rights.appeal.attach", locked, files=len(out))
    return out
