"""The income check with civil affairs (民政): the request and its answer, tracked against
``ASSISTANCE_INCOME_CHECK_WORKING_DAYS`` (10) working days on the calendar. Recorded here; the
exchange itself happens outside the platform (no outside call)."""

from __future__ import annotations

from django.db import transaction
from django.utils.timezone import now
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.core.audit import audit_record
from yugong.core.calendar import add_working_days
from yugong.core.errors import Conflict, NotFound, ValidationFailed
from yugong.core.validators import clean_text
from yugong.orgs.access import require_role

from ..models import FileStep, HardshipFile, IncomeCheck
from .common import REVIEW_ROLES, Status, _days, _lock, _step

OPEN_STATUSES = (Status.SUBMITTED, Status.VISITING, Status.APPROVING, Status.ACTIVE)


@transaction.atomic
def income_check_request(*, actor: User, file: HardshipFile | int, reference: str = "") -> IncomeCheck:
    """Ask civil affairs to check the household's income (the applicant consented when applying)."""
    f = _lock(file)
    require_role(actor, f.union, REVIEW_ROLES)
    if f.status not in OPEN_STATUSES:
        raise Conflict(_("该档案当前不能发起收入核对。"), code="file_status")
    if not f.consent_income_check:
        raise Conflict(_("申请人未同意收入核对。"), code="no_consent")
    if f.income_checks.filter(answered_at__isnull=True).exists():
        raise Conflict(_("已有未回复的收入核对。"), code="check_open")
    ref = clean_text(reference)
    if len(ref) > 60:
        raise ValidationFailed(fields={"reference": _("函件编号不能超过60个字。")})
    at = now()
    check = IncomeCheck.objects.create(
        file=f,
        reference=ref,
        requested_at=at,
        requested_by=actor,
        due_at=add_working_days(at, _days("ASSISTANCE_INCOME_CHECK_WORKING_DAYS", 10)),
    )
    _step(f, FileStep.Kind.INCOME_CHECK, actor, ref, check=check.pk, due=check.due_at.isoformat())
    audit_record(actor=actor, action="assistance.income_check_request", obj=check, union_id=f.union_id)
    return check


@transaction.atomic
def income_check_answer(*, actor: User, check: IncomeCheck | int, answer: str, note: str = "") -> IncomeCheck:
    """Record civil affairs' answer (late answers are kept, marked by their time against the due)."""
    pk = check if isinstance(check, int) else check.pk
    found = IncomeCheck.objects.filter(pk=pk).only("file_id").first()
    if found is None:
        raise NotFound()
    f = _lock(found.file_id)
    require_role(actor, f.union, REVIEW_ROLES)
    row = IncomeCheck.objects.select_for_update().get(pk=pk)
    if row.answered_at is not None:
        raise Conflict(_("该收入核对已登记回复。"), code="answered")
    if answer not in IncomeCheck.Answer.values:
        raise ValidationFailed(fields={"answer": _("请选择核对结果。")})
    text = clean_text(note)
    if len(text) > 500 or (answer == IncomeCheck.Answer.INCONSISTENT and not text):
        raise ValidationFailed(fields={"answer_note": _("收入不符时请说明情况（500字以内）。")})
    row.answered_at, row.answer, row.answer_note = now(), answer, text
    row.save(update_fields=["answered_at", "answer", "answer_note"])
    _step(
        f,
        FileStep.Kind.INCOME_CHECK,
        actor,
        text,
        check=row.pk,
        answer=answer,
        late=row.answered_at > row.due_at,
    )
    audit_record(
        actor=actor,
        action="assistance.income_check_answer",
        obj=row,
        union_id=f.union_id,
        extra={"answer": answer, "late": row.answered_at > row.due_at},
    )
    return row
