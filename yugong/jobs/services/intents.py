"""Résumés and intents (求职意向).

A worker sends a résumé to a published post; the employer's recruiters see the intent with the
phone masked until the worker shares it (a clear view is audited); the employer records an
agreement (达成意向) or declines; the worker confirms the agreement, which also shares the phone.
Each intent and each confirmed agreement is counted for the cockpit at the post's reviewing union."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.core.audit import audit_pii_view, audit_record
from yugong.core.errors import Conflict, NotFound, ValidationFailed
from yugong.core.facts import fact_record
from yugong.core.pii import mask_phone
from yugong.core.validators import normalize_phone

from ..access import access_recruiter_employer, pk_of
from ..models import Education, Intent, JobPost, Resume
from .common import PAY_MAX_FEN, choice, integer, long_text, raise_if, text

RESUME_FIELDS = (
    "title",
    "name",
    "phone",
    "education",
    "experience_years",
    "skills",
    "intro",
    "expected_pay_fen",
)
RESUMES_PER_WORKER = 5


def _signed_in(actor: User) -> None:
    if not getattr(actor, "is_authenticated", False):
        raise NotFound()


def _clean_resume(data: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    out: dict[str, Any] = {
        "title": text(errors, data, "title", _("简历名称"), max_len=40, required=True),
        "name": text(errors, data, "name", _("姓名"), max_len=40, required=True),
        "education": choice(errors, data, "education", _("最高学历"), Education.values, "any"),
        "experience_years": integer(
            errors, data, "experience_years", _("工作年限"), low=0, high=60, default=0
        ),
        "skills": text(errors, data, "skills", _("技能证书"), max_len=200, required=False),
        "intro": long_text(errors, data, "intro", _("工作经历与自我介绍"), max_len=2000),
        "expected_pay_fen": integer(
            errors, data, "expected_pay_fen", _("期望月薪"), low=0, high=PAY_MAX_FEN, default=0
        ),
    }
    try:
        out["phone"] = normalize_phone(data.get("phone"), field="phone")
    except ValidationFailed as exc:
        errors.update(exc.fields)
    raise_if(errors)
    return out


@transaction.atomic
def resume_save(*, actor: User, resume_id: Any = None, **fields: Any) -> Resume:
    """Create a résumé, or replace the fields of one of the actor's own."""
    _signed_in(actor)
    unknown = set(fields) - set(RESUME_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    data = _clean_resume(fields)
    if resume_id in (None, ""):
        if Resume.objects.filter(user=actor).count() >= RESUMES_PER_WORKER:
            raise Conflict(_("每人最多保存 %(n)s 份简历。") % {"n": RESUMES_PER_WORKER})
        resume = Resume(user=actor)
        action = "jobs.resume_create"
    else:
        found = Resume.objects.select_for_update().filter(pk=pk_of(resume_id), user=actor).first()
        if found is None:
            raise NotFound()
        resume = found
        action = "jobs.resume_update"
    for key, value in data.items():
        setattr(resume, key, value)
    resume.phone_masked = mask_phone(data["phone"])
    resume.save()
    audit_record(actor=actor, action=action, obj=resume)
    return resume


@transaction.atomic
def intent_send(*, actor: User, post_id: Any, resume_id: Any, message: Any = "") -> Intent:
    """The worker sends one of their résumés to a published post (one live intent per post)."""
    _signed_in(actor)
    post = JobPost.objects.filter(pk=pk_of(post_id), published=True).first()
    if post is None:
        raise NotFound()
    if post.valid_through is not None and post.valid_through < timezone.localdate():
        raise Conflict(_("该岗位已过招聘截止日期。"))
    if resume_id in (None, ""):
        raise ValidationFailed(fields={"resume": _("请选择要投递的简历。")})
    resume = Resume.objects.filter(pk=pk_of(resume_id), user=actor).first()
    if resume is None:
        raise ValidationFailed(fields={"resume": _("请选择您自己的简历。")})
    errors: dict[str, Any] = {}
    note = text(errors, {"message": message}, "message", _("留言"), max_len=200, required=False)
    raise_if(errors)
    try:
        with transaction.atomic():
            intent = Intent.objects.create(post=post, resume=resume, worker=actor, message=note)
    except IntegrityError:
        raise Conflict(_("您已向该岗位投递过简历。"), code="duplicate_intent") from None
    audit_record(actor=actor, action="jobs.intent_send", obj=intent, union_id=post.union_id)
    fact_record(metric="jobs.intents", union_id=post.union_id)
    return intent


def _lock_own(actor: User, intent_id: Any) -> Intent:
    _signed_in(actor)
    intent = (
        Intent.objects.select_for_update()
        .select_related("post")
        .filter(pk=pk_of(intent_id), worker_id=actor.pk)
        .first()
    )
    if intent is None:
        raise NotFound()
    return intent


@transaction.atomic
def intent_withdraw(*, actor: User, intent_id: Any) -> Intent:
    intent = _lock_own(actor, intent_id)
    if intent.status not in (Intent.Status.SENT, Intent.Status.AGREED):
        raise Conflict(_("当前状态不能撤回。"))
    intent.status = Intent.Status.WITHDRAWN
    intent.save(update_fields=["status"])
    audit_record(actor=actor, action="jobs.intent_withdraw", obj=intent, union_id=intent.post.union_id)
    return intent


@transaction.atomic
def intent_share_contact(*, actor: User, intent_id: Any) -> Intent:
    """The worker lets the employer see their phone number on this intent."""
    intent = _lock_own(actor, intent_id)
    if intent.status == Intent.Status.WITHDRAWN:
        raise Conflict(_("已撤回的投递不能公开手机号。"))
    if not intent.contact_shared:
        intent.contact_shared = True
        intent.save(update_fields=["contact_shared"])
        audit_record(actor=actor, action="jobs.intent_share", obj=intent, union_id=intent.post.union_id)
    return intent


@transaction.atomic
def intent_confirm(*, actor: User, intent_id: Any) -> Intent:
    """The worker confirms the employer's agreement: 达成意向 (and the phone is shared)."""
    intent = _lock_own(actor, intent_id)
    if intent.status == Intent.Status.CONFIRMED:
        return intent
    if intent.status != Intent.Status.AGREED:
        raise Conflict(_("单位尚未表示意向，暂不能确认。"))
    intent.status = Intent.Status.CONFIRMED
    intent.contact_shared = True
    intent.confirmed_at = timezone.now()
    intent.save(update_fields=["status", "contact_shared", "confirmed_at"])
    audit_record(actor=actor, action="jobs.intent_confirm", obj=intent, union_id=intent.post.union_id)
    fact_record(metric="jobs.intents_confirmed", union_id=intent.post.union_id)
    return intent


def _lock_for_employer(actor: User, intent_id: Any) -> Intent:
    intent = (
        Intent.objects.select_for_update()
        .select_related("post")
        .filter(pk=pk_of(intent_id))
        .exclude(status=Intent.Status.WITHDRAWN)
        .first()
    )
    if intent is None:
        raise NotFound()
    access_recruiter_employer(actor, intent.post.employer_id)
    return intent


@transaction.atomic
def intent_decide(*, actor: User, intent_id: Any, agree: bool, note: Any = "") -> Intent:
    """The employer records 有意向 (to be confirmed by the worker) or 暂不合适."""
    intent = _lock_for_employer(actor, intent_id)
    if intent.status != Intent.Status.SENT:
        raise Conflict(_("该投递已处理过。"))
    errors: dict[str, Any] = {}
    employer_note = text(errors, {"note": note}, "note", _("单位备注"), max_len=200, required=False)
    raise_if(errors)
    intent.status = Intent.Status.AGREED if agree else Intent.Status.DECLINED
    intent.employer_note = employer_note
    intent.decided_at = timezone.now()
    intent.save(update_fields=["status", "employer_note", "decided_at"])
    audit_record(
        actor=actor,
        action="jobs.intent_agree" if agree else "jobs.intent_decline",
        obj=intent,
        union_id=intent.post.union_id,
    )
    return intent


@transaction.atomic
def intent_contact_view(*, actor: User, intent_id: Any) -> str:
    """The clear phone number for the employer, once the worker has shared it; the view is audited."""
    intent = _lock_for_employer(actor, intent_id)
    if not intent.contact_shared:
        raise Conflict(_("求职者尚未同意公开手机号。"), code="contact_not_shared")
    audit_pii_view(actor=actor, obj=intent.resume, fields=["phone"], union_id=intent.post.union_id)
    return str(intent.resume.phone)
