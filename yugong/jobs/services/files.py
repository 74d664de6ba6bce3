"""Résumé files and fair check-in.

* **Résumé files**: a PDF or Word file on one of the worker's résumés, checked by extension and by
  its first bytes, at most 5 MB, stored under a random name. The file is served to the worker, and
  to an employer's recruiters only through an intent the worker sent them with that résumé (any
  other employer gets the same 404 as a missing file); each employer view is audited.
* **Fair check-in**: at an on-site fair the worker scans the QR code posted at the venue (a signed
  link naming the fair) and checks in once; a second scan shows the same check-in. Counted for the
  cockpit (``jobs.fair_checkins``, 人次) once per worker and fair.
"""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Any

from django.core import signing
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.core.audit import audit_pii_view, audit_record
from yugong.core.errors import Conflict, NotFound, ValidationFailed
from yugong.core.facts import fact_record
from yugong.core.filetypes import content_matches_name
from yugong.core.timeutil import now

from ..access import access_recruiter_employer, pk_of
from ..models import FairCheckin, Intent, JobFair, Resume

RESUME_FILE_MAX_BYTES = 5 * 1024 * 1024
# The résumé's file: PDF or Word (the content must be what the name says: core.filetypes).
RESUME_FILE_EXTENSIONS = frozenset({"pdf", "doc", "docx"})
CHECKIN_SALT = "yugong.jobs.fair-checkin"
# Check-in opens an hour before the fair and closes when it ends.
CHECKIN_EARLY = dt.timedelta(hours=1)


def _own_resume(actor: User, resume_id: Any, *, lock: bool = False) -> Resume:
    if not getattr(actor, "is_authenticated", False):
        raise NotFound()
    qs = Resume.objects.select_for_update() if lock else Resume.objects.all()
    resume = qs.filter(pk=pk_of(resume_id), user_id=actor.pk).first()
    if resume is None:
        raise NotFound()
    return resume


def check_resume_file(upload: Any) -> tuple[str, str]:
    """(extension, content type) of an acceptable résumé file, else a field error on ``file``."""
    name = str(getattr(upload, "name", "") or "")
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in RESUME_FILE_EXTENSIONS:
        raise ValidationFailed(fields={"file": _("简历附件须为 PDF 或 Word（.doc/.docx）文件。")})
    size = int(getattr(upload, "size", 0) or 0)
    if size <= 0:
        raise ValidationFailed(fields={"file": _("简历附件是空文件。")})
    if size > RESUME_FILE_MAX_BYTES:
        raise ValidationFailed(fields={"file": _("简历附件不能超过5MB。")})
    found = content_matches_name(upload, ext)
    if found is None:
        raise ValidationFailed(fields={"file": _("文件内容与扩展名不符，请上传真实的 PDF 或 Word 文件。")})
    return ext, found.content_type


@transaction.atomic
def resume_file_attach(*, actor: User, resume_id: Any, upload: Any) -> Resume:
    """Attach (or replace) the file of one of the worker's own résumés."""
    resume = _own_resume(actor, resume_id, lock=True)
    if upload is None:
        raise ValidationFailed(fields={"file": _("请选择简历附件。")})
    _ext, content_type = check_resume_file(upload)
    old = resume.file.name if resume.file else ""
    resume.file.save(str(upload.name), upload, save=False)
    resume.file_name = str(upload.name)[-120:]
    resume.file_type = content_type
    resume.file_size = int(upload.size)
    resume.save(update_fields=["file", "file_name", "file_type", "file_size", "updated_at"])
    if old:
        transaction.on_commit(partial(resume.file.storage.delete, old))
    audit_record(actor=actor, action="jobs.resume_file_attach", obj=resume, extra={"size": resume.file_size})
    return resume


@transaction.atomic
def resume_file_remove(*, actor: User, resume_id: Any) -> Resume:
    resume = _own_resume(actor, resume_id, lock=True)
    if resume.file:
        name = resume.file.name
        transaction.on_commit(partial(resume.file.storage.delete, name))
        resume.file = ""
        resume.file_name = ""
        resume.file_type = ""
        resume.file_size = 0
        resume.save(update_fields=["file", "file_name", "file_type", "file_size", "updated_at"])
        audit_record(actor=actor, action="jobs.resume_file_remove", obj=resume)
    return resume


def resume_file_for_worker(*, actor: User, resume_id: Any) -> Resume:
    resume = _own_resume(actor, resume_id)
    if not resume.file:
        raise NotFound()
    return resume


@transaction.atomic
def resume_file_for_employer(*, actor: User, employer_id: Any, intent_id: Any) -> Resume:
    """The file of the résumé a worker sent to this employer (through ``intent_id``); the view is
    audited. An employer the worker did not apply to reaches nothing: 404."""
    employer = access_recruiter_employer(actor, employer_id)
    intent = (
        Intent.objects.select_related("resume", "post")
        .filter(pk=pk_of(intent_id), post__employer_id=employer.pk)
        .exclude(status=Intent.Status.WITHDRAWN)
        .first()
    )
    if intent is None or not intent.resume.file:
        raise NotFound()
    audit_pii_view(actor=actor, obj=intent.resume, fields=["file"], union_id=intent.post.union_id)
    return intent.resume


# --- fair check-in -------------------------------------------------------------------------------


def checkin_token(fair: JobFair) -> str:
    """The signed value in the venue's QR code (names the fair; cannot be made up for another)."""
    return signing.dumps(fair.pk, salt=CHECKIN_SALT, compress=True)


def fair_from_token(token: Any) -> int:
    try:
        return int(signing.loads(str(token or ""), salt=CHECKIN_SALT))
    except (signing.BadSignature, TypeError, ValueError):
        raise NotFound() from None


@transaction.atomic
def fair_checkin(*, actor: User, fair_id: Any, token: Any) -> tuple[FairCheckin, bool]:
    """Check the worker in at an on-site fair (idempotent: a second scan returns the first check-in
    and counts nothing). Returns (check-in, created)."""
    if not getattr(actor, "is_authenticated", False):
        raise NotFound()
    pk = pk_of(fair_id)
    if fair_from_token(token) != pk:
        raise NotFound()
    fair = JobFair.objects.filter(pk=pk, status=JobFair.Status.PUBLISHED).first()
    if fair is None:
        raise NotFound()
    if fair.kind != JobFair.Kind.ONSITE:
        raise Conflict(_("直播带岗无需现场签到。"))
    existing = FairCheckin.objects.filter(fair=fair, user_id=actor.pk).first()
    if existing is not None:
        return existing, False
    moment = now()
    if moment < fair.starts_at - CHECKIN_EARLY or moment > fair.ends_at:
        raise Conflict(_("不在签到时间内（开场前1小时至散场）。"), code="checkin_closed")
    try:
        with transaction.atomic():
            row = FairCheckin.objects.create(fair=fair, user=actor)
    except IntegrityError:  # a double scan raced us: the other one counted
        return FairCheckin.objects.get(fair=fair, user_id=actor.pk), False
    audit_record(actor=actor, action="jobs.fair_checkin", obj=fair, union_id=fair.union_id)
    fact_record(metric="jobs.fair_checkins", union_id=fair.union_id)
    return row, True
