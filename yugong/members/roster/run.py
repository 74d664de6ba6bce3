"""Roster import (名册导入) of .xlsx files of up to 100,000 rows.

How it runs (``roster_import_run``, from a background task):

* **Pass 1 — validate everything, write nothing.** The sheet is streamed by our own reader
  (:mod:`.xlsx`, standard library) in chunks of ``CHUNK`` rows. Each row is parsed and
  checked (ID check character, phone, dates, choices, union code inside the uploader's subtree,
  employer, duplicates inside the file and against existing members). Rejected rows go to
  :class:`RosterImportError` chunk by chunk; rows that passed are spooled to a temporary file as
  JSON lines. What stays in memory is the compact duplicate map (one int → int per row) and the set
  of rejected row numbers — never a list of row dicts.
* **Pass 2 — write.** ``all_or_nothing`` (the default) writes only when pass 1 found no error, and
  then in ONE transaction; ``skip_invalid`` writes the rows that passed. The spool is read back chunk
  by chunk; each chunk is a ``bulk_create`` of ``Person`` (encryption happens in ``get_prep_value``,
  the blind indexes in ``pre_save``, both of which ``bulk_create`` calls) and of active
  ``Membership`` rows with member numbers from one block taken beforehand.
* **Progress** goes to the cache (the row cannot be updated from outside the big transaction on
  the same connection); the final counters go to the row, with one audit row and the facts.

A person who is already an active member of the union the row names is *skipped*, not an error:
re-importing a roster changes nothing. A person who is a member elsewhere, or has an application
pending, is an error (a transfer or the approvals inbox is the way)."""

from __future__ import annotations

import hashlib
import tempfile
from functools import partial
from typing import IO, Any

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.core.audit import audit_record
from yugong.core.errors import ValidationFailed
from yugong.core.timeutil import now
from yugong.orgs.models import Union

from ..bulk import record_joined
from .models import RosterImport, RosterImportError
from .parsing import (
    FileRejected,
)
from .progress import _progress, progress_key
from .validate import _save_errors, validate_pass
from .write import RowsChanged, WriteStats, write_pass


def sha256_of(fileobj: IO[bytes]) -> str:
    digest = hashlib.sha256()
    for block in iter(lambda: fileobj.read(1 << 20), b""):
        digest.update(block)
    fileobj.seek(0)
    return digest.hexdigest()


def roster_import_run(*, import_id: int) -> RosterImport:
    """Run one import (the background task's body). A claimed or finished import is left alone."""
    claimed = RosterImport.objects.filter(pk=import_id, status=RosterImport.Status.QUEUED).update(
        status=RosterImport.Status.VALIDATING, started_at=now()
    )
    ri = RosterImport.objects.select_related("union", "uploaded_by").get(pk=import_id)
    if not claimed:
        return ri
    _progress(ri, 0, RosterImport.Status.VALIDATING, 0)
    with tempfile.TemporaryFile("w+", encoding="utf-8") as spool:
        try:
            with ri.file.open("rb") as fileobj:
                p1 = validate_pass(ri, fileobj, spool)
        except FileRejected as exc:
            return _finish(ri, status=RosterImport.Status.FAILED, message=str(exc.message))
        invalid_rows = p1.invalid_rows or set()
        ri.total, ri.invalid = p1.total, len(invalid_rows)
        ri.valid = ri.total - ri.invalid
        strict = ri.mode == RosterImport.Mode.ALL_OR_NOTHING
        if strict and invalid_rows:
            return _finish(
                ri,
                status=RosterImport.Status.FAILED,
                message=_("有%(n)d行有误，按“全部有效才导入”的方式，本次没有导入任何数据。")
                % {"n": ri.invalid},
            )
        RosterImport.objects.filter(pk=ri.pk).update(
            status=RosterImport.Status.IMPORTING,
            progress=50,
            total=ri.total,
            valid=ri.valid,
            invalid=ri.invalid,
        )
        ri.status = RosterImport.Status.IMPORTING
        stats = WriteStats()
        try:
            if strict:
                with transaction.atomic():
                    stats = write_pass(
                        ri,
                        spool,
                        invalid_rows=invalid_rows,
                        to_create=ri.valid - p1.skipped,
                        actor=ri.uploaded_by,
                    )
                    _facts(stats)
                    ri.created, ri.skipped = stats.created, stats.skipped
                    _audit(ri, RosterImport.Status.DONE)
            else:
                stats = write_pass(
                    ri, spool, invalid_rows=invalid_rows, to_create=ri.valid, actor=ri.uploaded_by
                )
                with transaction.atomic():
                    _facts(stats)
        except (RowsChanged, IntegrityError):
            ri.created = ri.skipped = 0
            if strict:
                message = _(
                    "导入期间会员数据发生了变化（例如有人同时审批了入会申请），本次没有导入任何数据，请重新上传。"
                )
            else:
                message = _(
                    "导入期间会员数据发生了变化，部分行可能已导入；请重新上传同一文件，已导入的会员会被跳过。"
                )
            return _finish(ri, status=RosterImport.Status.FAILED, message=message)
    late = stats.late_errors
    if late:
        _save_errors(ri, late)
        ri.invalid += len(late)
        ri.valid -= len(late)
    ri.created, ri.skipped = stats.created, stats.skipped
    message = _(
        "导入完成：新增会员%(created)d人，已是本工会会员跳过%(skipped)d人，有误未导入%(invalid)d行。"
    ) % {
        "created": ri.created,
        "skipped": ri.skipped,
        "invalid": ri.invalid,
    }
    return _finish(ri, status=RosterImport.Status.DONE, message=message, audited=strict)


def _facts(stats: WriteStats) -> None:
    record_joined(stats.per_union, stats.migrants)


def _audit(ri: RosterImport, status: str) -> None:
    audit_record(
        actor=ri.uploaded_by,
        action="roster.import",
        obj=ri,
        union_id=ri.union_id,
        extra={
            "status": status,
            "mode": ri.mode,
            "total": ri.total,
            "valid": ri.valid,
            "invalid": ri.invalid,
            "created": ri.created,
            "skipped": ri.skipped,
            "sha256": ri.sha256,
        },
    )


def _finish(ri: RosterImport, *, status: str, message: str, audited: bool = False) -> RosterImport:
    """Persist the final counters and write the import's one audit row (unless already written in
    the import's own transaction)."""
    ri.status = status
    ri.message = message
    ri.progress = 100
    ri.finished_at = now()
    # The upload holds personal data in clear: it is not kept once read (the error report, the
    # counters and the SHA-256 that makes a second upload of the same file a no-op stay).
    if ri.file:
        if RosterImportError.objects.filter(roster_import=ri).exists():
            from django.core.files import File

            from .exports import build_error_report

            report, _rows = build_error_report(ri, protect=True)
            with report:
                ri.report.save(f"{ri.sha256[:16]}-errors.xlsx", File(report), save=False)
        ri.file.delete(save=False)
    with transaction.atomic():
        ri.save(
            update_fields=[
                "file",
                "report",
                "status",
                "message",
                "progress",
                "finished_at",
                "total",
                "valid",
                "invalid",
                "created",
                "skipped",
                "layout",
            ]
        )
        if not audited:
            _audit(ri, status)
    cache.delete(progress_key(ri.pk))
    return ri


# --- Upload -------------------------------------------------------------------------------------

MAX_UPLOAD_BYTES = 40 * 1024 * 1024  # 100,000 rows of the template take ~8 MB
IMPORT_ROLES = frozenset({"chair", "vice_chair", "staff"})


def roster_import_create(*, actor: User, union: Union, uploaded: Any, mode: str) -> tuple[RosterImport, bool]:
    """Store the file and queue the import; ``(import, created)``. The same file from the same
    person for the same union returns the earlier import (unless it failed), so uploading twice
    changes nothing."""
    from django.core.files.base import File

    from yugong.orgs.access import require_role

    from .tasks import roster_import_task

    require_role(actor, union, IMPORT_ROLES)
    if mode not in RosterImport.Mode.values:
        raise ValidationFailed(fields={"mode": _("请选择导入方式。")})
    name = str(getattr(uploaded, "name", "") or "")
    if not name.lower().endswith(".xlsx"):
        raise ValidationFailed(fields={"file": _("请上传 .xlsx 格式的名册（可下载导入模板）。")})
    size = getattr(uploaded, "size", None)
    if size is not None and size > MAX_UPLOAD_BYTES:
        raise ValidationFailed(fields={"file": _("文件超过40MB，请拆分后分批导入。")})
    digest = sha256_of(uploaded)

    def earlier() -> RosterImport | None:
        return (
            RosterImport.objects.filter(uploaded_by=actor, union=union, sha256=digest)
            .exclude(status=RosterImport.Status.FAILED)
            .first()
        )

    found = earlier()
    if found is not None:
        return found, False
    try:
        with transaction.atomic():
            ri = RosterImport(
                uploaded_by=actor, union=union, sha256=digest, mode=mode, original_name=name[-200:]
            )
            ri.file.save(f"{digest[:16]}.xlsx", File(uploaded), save=False)
            ri.save()
            transaction.on_commit(partial(roster_import_task.delay, ri.pk))
    except IntegrityError:
        found = earlier()  # the same file raced in from a double click
        if found is None:
            raise
        return found, False
    return ri, True
