"""Appeal write paths: intake, acceptance, notes, assignment, waiting on the worker, transfers,
conclusion, follow-up call, rating (and reopening for the level above), closing.

Each function: keyword-only, one transaction, the appeal row locked, permission through
orgs.access, a timeline event, an audit row, facts for the cockpit, SMS to the worker on commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yugong.core.audit import audit_pii_view
from yugong.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from yugong.core.facts import fact_record
from yugong.core.timeutil import SHANGHAI
from yugong.core.validators import clean_text, normalize_phone
from yugong.orgs.access import can_act, require_role
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
    HandlingStage,
    Rating,
)
from ..routing import route_appeal
from ..titles import DERIVED_TITLE_LENGTH, title_from
from .common import (
    HANDLE_ROLES,
    INTAKE_ROLES,
    appeal_clock_copy,
    audit,
    event,
    lock,
    moment,
    notify_worker,
    require_actor,
    require_handler,
    require_status,
    stage_end,
    stage_recompute,
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


_SIGNATURES: dict[str, tuple[tuple[int, bytes], ...]] = {
    "jpg": ((0, b"\xff\xd8\xff"),),
    "jpeg": ((0, b"\xff\xd8\xff"),),
    "png": ((0, b"\x89PNG"),),
    "webp": ((8, b"WEBP"),),
    "heic": ((4, b"ftyp"),),
    "pdf": ((0, b"%PDF"),),
    "doc": ((0, b"\xd0\xcf\x11\xe0"),),
    "docx": ((0, b"PK\x03\x04"),),
}
_CONTENT_TYPES = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "heic": "image/heic",
    "pdf": "application/pdf",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def max_attachment_bytes() -> int:
    return int(getattr(settings, "RIGHTS_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024))


def max_attachments() -> int:
    return int(getattr(settings, "RIGHTS_ATTACHMENT_MAX_FILES", 9))


def attachment_check(upload: UploadedFile, *, field: str = "attachments") -> tuple[str, str]:
    """(extension, content type) of an accepted upload; the type is judged by the file's first
    bytes, not by the name or the browser's claim."""
    name = str(upload.name or "")
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in _SIGNATURES:
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
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not all(head[offset : offset + len(magic)] == magic for offset, magic in _SIGNATURES[ext]):
        raise ValidationFailed(fields={field: _("“%(name)s”的内容与扩展名不符。") % {"name": name}})
    return ext, _CONTENT_TYPES[ext]


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
    actor: Any,
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


def _has_intake_role(actor: Any) -> bool:
    from yugong.orgs.access import scope_paths

    return bool(scope_paths(actor, INTAKE_ROLES))


def appeal_attach(*, actor: Any, appeal: Appeal, uploads: Sequence[UploadedFile]) -> list[AppealAttachment]:
    """The worker (or a handler) adds photos or documents to an open appeal."""
    with transaction.atomic():
        locked = lock(appeal)
        _require_worker_or_handler(actor, locked)
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


def is_own_appeal(actor: Any, appeal: Appeal) -> bool:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return False
    if appeal.caller_user_id and appeal.caller_user_id == actor.pk:
        return True
    return bool(getattr(actor, "phone_index", "")) and actor.phone_index == appeal.caller_phone_index


def _require_worker_or_handler(actor: Any, appeal: Appeal) -> None:
    require_actor(actor)
    if not is_own_appeal(actor, appeal):
        require_handler(actor, appeal)


# --- Handling -------------------------------------------------------------------------------


@transaction.atomic
def appeal_accept(
    *,
    actor: Any,
    appeal: Appeal | int,
    complexity: str | None = None,
    note: str = "",
    at: dt.datetime | None = None,
) -> Appeal:
    """Accept at the current level (受理); the complexity may be set now (the conclude clock is
    recomputed with the new budget from the stage's start)."""
    appeal = lock(appeal)
    require_handler(actor, appeal)
    require_status(appeal, {Appeal.Status.PENDING})
    at = moment(at)
    stage = appeal.stage
    assert stage is not None
    if complexity and complexity != appeal.complexity:
        if complexity not in Complexity.values:
            raise ValidationFailed(fields={"complexity": _("复杂程度无效。")})
        appeal.complexity = complexity
        from .. import sla

        stage.complexity = complexity
        stage.accept_hours, stage.conclude_days = sla.limits(stage.level, complexity)
    if stage.paused:
        raise Conflict(_("正在等待职工补充材料，请先记录职工的答复。"))
    stage_recompute(stage)
    stage.accepted_at = at
    stage.accepted_by = actor
    stage.save()
    appeal.status = Appeal.Status.HANDLING
    if appeal.assignee_id is None:
        appeal.assignee = actor
    appeal_clock_copy(appeal, stage)
    appeal.save()
    event(
        appeal,
        AppealEvent.Kind.ACCEPTED,
        actor=actor,
        at=at,
        text=note.strip()[:2000],
        data={"on_time": stage.accepted_on_time is not False},
    )
    audit(actor, "rights.appeal.accept", appeal, complexity=appeal.complexity)
    notify_worker(appeal, _("已受理，承办单位：%(union)s。") % {"union": appeal.union.name})
    return appeal


@transaction.atomic
def appeal_note(
    *, actor: Any, appeal: Appeal | int, text: str, public: bool = False, at: dt.datetime | None = None
) -> AppealEvent:
    appeal = lock(appeal)
    require_handler(actor, appeal)
    text = (text or "").strip()
    if not text:
        raise ValidationFailed(fields={"text": _("请填写办理记录。")})
    ev = event(appeal, AppealEvent.Kind.NOTE, actor=actor, at=moment(at), text=text[:5000], public=public)
    audit(actor, "rights.appeal.note", appeal, public=public)
    if public:
        notify_worker(appeal, _("有新的办理进展，请查看。"))
    return ev


@transaction.atomic
def appeal_assign(
    *, actor: Any, appeal: Appeal | int, assignee: Any, at: dt.datetime | None = None
) -> Appeal:
    appeal = lock(appeal)
    require_handler(actor, appeal)
    require_status(appeal, Appeal.OPEN)
    if not can_act(assignee, appeal.union, HANDLE_ROLES):
        raise ValidationFailed(fields={"assignee": _("承办人须是本工会（或上级）的工作人员。")})
    appeal.assignee = assignee
    appeal.save(update_fields=["assignee", "updated_at"])
    event(
        appeal,
        AppealEvent.Kind.ASSIGNED,
        actor=actor,
        at=moment(at),
        text=str(getattr(assignee, "display_name", "") or assignee),
        public=False,
        data={"user_id": assignee.pk},
    )
    audit(actor, "rights.appeal.assign", appeal, assignee=assignee.pk)
    return appeal


@transaction.atomic
def appeal_pause(*, actor: Any, appeal: Appeal | int, reason: str, at: dt.datetime | None = None) -> Appeal:
    """Wait on the worker (more documents, a reply): every running clock of the stage stops."""
    appeal = lock(appeal)
    require_handler(actor, appeal)
    require_status(appeal, {Appeal.Status.PENDING, Appeal.Status.HANDLING})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(fields={"reason": _("请说明需要职工补充什么。")})
    at = moment(at)
    stage = appeal.stage
    assert stage is not None
    stage.pauses = [*stage.pauses, {"from": at.isoformat(), "to": None, "status": appeal.status}]
    stage_recompute(stage)
    stage.save()
    appeal.status = Appeal.Status.WAITING
    appeal_clock_copy(appeal, stage)
    appeal.save()
    event(appeal, AppealEvent.Kind.PAUSED, actor=actor, at=at, text=reason[:2000])
    audit(actor, "rights.appeal.pause", appeal)
    notify_worker(appeal, _("需要您补充：%(reason)s。请在“我的诉求”中回复。") % {"reason": reason[:60]})
    return appeal


@transaction.atomic
def appeal_resume(*, actor: Any, appeal: Appeal | int, text: str, at: dt.datetime | None = None) -> Appeal:
    """The worker replied (on the H5, or by phone, recorded by a handler): the clocks restart with
    the working time they had left."""
    appeal = lock(appeal)
    _require_worker_or_handler(actor, appeal)
    require_status(appeal, {Appeal.Status.WAITING})
    at = moment(at)
    stage = appeal.stage
    assert stage is not None and stage.paused
    last = dict(stage.pauses[-1])
    last["to"] = at.isoformat()
    stage.pauses = [*stage.pauses[:-1], last]
    stage_recompute(stage)
    stage.save()
    appeal.status = last.get("status") or (
        Appeal.Status.HANDLING if stage.accepted_at else Appeal.Status.PENDING
    )
    appeal_clock_copy(appeal, stage)
    appeal.save()
    event(appeal, AppealEvent.Kind.RESUMED, actor=actor, at=at, text=(text or "").strip()[:5000])
    audit(actor, "rights.appeal.resume", appeal)
    return appeal


def transfer_direction(source: Union, target: Union) -> str:
    if source.path.startswith(target.path):
        return "up"
    if target.path.startswith(source.path):
        return "down"
    return "sideways"


@transaction.atomic
def appeal_transfer(
    *, actor: Any, appeal: Appeal | int, to_union: Union, reason: str, at: dt.datetime | None = None
) -> Appeal:
    """转办: to the level above, below, or a sibling of this level (or anywhere in the actor's own
    scope). The current stage ends as "transferred"; the receiving union starts a new stage with
    its own clock."""
    appeal = lock(appeal)
    require_handler(actor, appeal)
    require_status(appeal, Appeal.OPEN)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(fields={"reason": _("请说明转办原因。")})
    target = Union.objects.filter(pk=to_union.pk).first()
    if target is None or target.status != Union.Status.ACTIVE:
        raise ValidationFailed(fields={"to_union": _("目标工会不存在或已撤销。")})
    if target.pk == appeal.union_id:
        raise ValidationFailed(fields={"to_union": _("不能转给当前承办工会。")})
    source = appeal.union
    parent = Union.objects.filter(pk=source.parent_id).first() if source.parent_id else None
    reachable = (
        can_act(actor, target)
        or (parent is not None and target.path.startswith(parent.path))
        or target.path.startswith(source.path)
    )
    if not reachable:
        raise ValidationFailed(fields={"to_union": _("只能转给上级、下级、同级工会或您管辖范围内的工会。")})
    at = moment(at)
    direction = transfer_direction(source, target)
    assert appeal.stage is not None
    stage_end(appeal.stage, at=at, reason=HandlingStage.EndReason.TRANSFERRED)
    appeal.union = target
    appeal.assignee = None
    appeal.status = Appeal.Status.PENDING
    stage = stage_start(appeal, target, at=at, reason=reason)
    appeal.stage = stage
    appeal_clock_copy(appeal, stage)
    appeal.save()
    event(
        appeal,
        AppealEvent.Kind.TRANSFERRED,
        actor=actor,
        at=at,
        text=_("由%(source)s转至%(target)s：%(reason)s")
        % {"source": source.name, "target": target.name, "reason": reason[:300]},
        data={"from": source.pk, "to": target.pk, "direction": direction},
        union=source,
    )
    audit(actor, "rights.appeal.transfer", appeal, source=source.pk, target=target.pk, direction=direction)
    notify_worker(appeal, _("已转至%(union)s办理。") % {"union": target.name})
    return appeal


@transaction.atomic
def appeal_conclude(
    *,
    actor: Any,
    appeal: Appeal | int,
    outcome: str,
    amount_recovered_fen: int = 0,
    at: dt.datetime | None = None,
) -> Appeal:
    appeal = lock(appeal)
    require_handler(actor, appeal)
    require_status(appeal, {Appeal.Status.HANDLING})
    outcome = (outcome or "").strip()
    errors: dict[str, Any] = {}
    if not outcome:
        errors["outcome"] = _("请填写办理结果。")
    if (
        not isinstance(amount_recovered_fen, int)
        or isinstance(amount_recovered_fen, bool)
        or amount_recovered_fen < 0
    ):
        errors["amount_recovered_fen"] = _("挽回金额不能为负数。")
    if errors:
        raise ValidationFailed(fields=errors)
    at = moment(at)
    stage = appeal.stage
    assert stage is not None
    stage.concluded_at = at
    stage_end(stage, at=at, reason=HandlingStage.EndReason.CONCLUDED)
    appeal.status = Appeal.Status.CONCLUDED
    appeal.outcome = outcome[:5000]
    appeal.amount_recovered_fen += amount_recovered_fen
    appeal.concluded_at = at
    appeal_clock_copy(appeal, stage)
    appeal.save()
    on_time = stage.concluded_on_time is not False
    event(
        appeal,
        AppealEvent.Kind.CONCLUDED,
        actor=actor,
        at=at,
        text=outcome[:5000],
        data={"amount_recovered_fen": amount_recovered_fen, "on_time": on_time},
    )
    audit(actor, "rights.appeal.conclude", appeal, amount_recovered_fen=amount_recovered_fen, on_time=on_time)
    day = at.astimezone(SHANGHAI).date()
    fact_record(
        metric="appeals.concluded", union_id=appeal.union_id, dim=f"category:{appeal.category}", day=day
    )
    if amount_recovered_fen:
        fact_record(
            metric="appeals.amount_recovered_fen",
            union_id=appeal.union_id,
            value=amount_recovered_fen,
            dim=f"category:{appeal.category}",
            day=day,
        )
    notify_worker(appeal, _("已办结，工作人员将电话回访；您也可以在“我的诉求”中评价。"))
    return appeal


# Lazy: labels of a form's choices, read in the language of each request (not of the import).
FOLLOW_UP_RESULTS = {
    "reached": gettext_lazy("已回访"),
    "unreachable": gettext_lazy("多次联系未接通"),
    "anonymous": gettext_lazy("匿名诉求无法回访"),
}


@transaction.atomic
def appeal_follow_up(
    *,
    actor: Any,
    appeal: Appeal | int,
    result: str,
    note: str = "",
    rating: str = "",
    at: dt.datetime | None = None,
) -> Appeal:
    """The follow-up call (回访) before closing; the worker's rating may be recorded with it."""
    appeal = lock(appeal)
    require_handler(actor, appeal)
    require_status(appeal, {Appeal.Status.CONCLUDED})
    if result not in FOLLOW_UP_RESULTS:
        raise ValidationFailed(fields={"result": _("请选择回访结果。")})
    if result == "anonymous" and appeal.caller_phone:
        raise ValidationFailed(fields={"result": _("该诉求留有联系电话，请电话回访。")})
    at = moment(at)
    appeal.followed_up_at = at
    appeal.save(update_fields=["followed_up_at", "updated_at"])
    event(
        appeal,
        AppealEvent.Kind.FOLLOWED_UP,
        actor=actor,
        at=at,
        text=f"{FOLLOW_UP_RESULTS[result]} {note.strip()[:2000]}".strip(),
        data={"result": result},
    )
    audit(actor, "rights.appeal.follow_up", appeal, result=result)
    if rating:
        _rate(actor=actor, appeal=appeal, rating=rating, comment=note, at=at)
    return appeal


@transaction.atomic
def appeal_rate(
    *, actor: Any, appeal: Appeal | int, rating: str, comment: str = "", at: dt.datetime | None = None
) -> Appeal:
    """The worker rates the result (on the H5; or a handler records it). "Not satisfied" reopens
    the appeal for the level above to review."""
    appeal = lock(appeal)
    _require_worker_or_handler(actor, appeal)
    return _rate(actor=actor, appeal=appeal, rating=rating, comment=comment, at=moment(at))


def _rate(*, actor: Any, appeal: Appeal, rating: str, comment: str, at: dt.datetime) -> Appeal:
    require_status(appeal, {Appeal.Status.CONCLUDED, Appeal.Status.CLOSED})
    if rating not in Rating.values:
        raise ValidationFailed(fields={"rating": _("请选择满意、基本满意或不满意。")})
    if appeal.rating:
        raise Conflict(_("该诉求已评价。"))
    appeal.rating = rating
    appeal.rating_comment = (comment or "").strip()[:500]
    appeal.rated_at = at
    appeal.save(update_fields=["rating", "rating_comment", "rated_at", "updated_at"])
    event(
        appeal,
        AppealEvent.Kind.RATED,
        actor=actor,
        at=at,
        text=f"{Rating(rating).label} {appeal.rating_comment}".strip(),
        data={"rating": rating},
    )
    audit(actor, "rights.appeal.rate", appeal, rating=rating)
    fact_record(
        metric="appeals.rated",
        union_id=appeal.union_id,
        dim=f"rating:{rating}",
        day=at.astimezone(SHANGHAI).date(),
    )
    if rating == Rating.NOT_SATISFIED:
        _reopen(actor=actor, appeal=appeal, at=at)
    return appeal


def _reopen(*, actor: Any, appeal: Appeal, at: dt.datetime) -> None:
    concluding = appeal.union
    above = (
        Union.objects.filter(pk=concluding.parent_id, status=Union.Status.ACTIVE).first()
        if concluding.parent_id
        else None
    )
    target = above or concluding
    if appeal.stage is not None and appeal.stage.ended_at is None:
        stage_end(appeal.stage, at=at, reason=HandlingStage.EndReason.REOPENED)
    appeal.union = target
    appeal.status = Appeal.Status.PENDING
    appeal.assignee = None
    appeal.concluded_at = appeal.followed_up_at = appeal.closed_at = None
    appeal.reopen_count += 1
    appeal.rating = ""
    appeal.rating_comment = ""
    appeal.rated_at = None
    stage = stage_start(appeal, target, at=at, reason=str(_("职工不满意，由上级工会复核")))
    appeal.stage = stage
    appeal_clock_copy(appeal, stage)
    appeal.save()
    event(
        appeal,
        AppealEvent.Kind.REOPENED,
        actor=actor,
        at=at,
        text=_("职工对办理结果不满意，转%(union)s复核。") % {"union": target.name},
        data={"from": concluding.pk, "to": target.pk},
    )
    audit(actor, "rights.appeal.reopen", appeal, source=concluding.pk, target=target.pk)
    fact_record(metric="appeals.reopened", union_id=target.pk, day=at.astimezone(SHANGHAI).date())
    notify_worker(appeal, _("已根据您的评价重新办理，由%(union)s复核。") % {"union": target.name})


@transaction.atomic
def appeal_close(*, actor: Any, appeal: Appeal | int, at: dt.datetime | None = None) -> Appeal:
    """结案: only after the follow-up call. Counted on time when the concluding stage concluded
    within its limit."""
    appeal = lock(appeal)
    require_handler(actor, appeal)
    require_status(appeal, {Appeal.Status.CONCLUDED})
    if appeal.followed_up_at is None:
        raise Conflict(_("结案前须完成回访。"))
    at = moment(at)
    appeal.status = Appeal.Status.CLOSED
    appeal.closed_at = at
    appeal.save(update_fields=["status", "closed_at", "updated_at"])
    stage = appeal.stage
    on_time = stage is None or stage.concluded_on_time is not False
    event(appeal, AppealEvent.Kind.CLOSED, actor=actor, at=at, data={"on_time": on_time})
    audit(actor, "rights.appeal.close", appeal, on_time=on_time)
    fact_record(
        metric="appeals.closed_on_time" if on_time else "appeals.closed_late",
        union_id=appeal.union_id,
        dim=f"category:{appeal.category}",
        day=at.astimezone(SHANGHAI).date(),
    )
    notify_worker(appeal, _("已结案。感谢您对12351的信任。"))
    return appeal


# --- Personal data --------------------------------------------------------------------------


def appeal_reveal_caller(*, actor: Any, appeal: Appeal) -> dict[str, str]:
    """The caller's name and phone in clear, for a handler of the appeal — audited. (A read with an
    audit row: the caller fetched ``appeal`` through the access layer.)"""
    require_actor(actor)
    if not can_act(actor, appeal.union, HANDLE_ROLES):
        raise NotFound()
    audit_pii_view(actor=actor, obj=appeal, fields=["caller_name", "caller_phone"], union_id=appeal.union_id)
    return {
        "caller_name": "" if appeal.anonymous else appeal.caller_name,
        "caller_phone": appeal.caller_phone,
    }
