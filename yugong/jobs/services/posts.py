"""Recruiter accounts and the life of a job post: draft → 待审核 → 已发布 (or 已退回) → 已下架.

Recruiters write their employer's posts; union staff over the post's reviewing union approve or
return them. The wording check (``wording.py``) refuses a discriminatory post at submission and at
approval, naming the field and the phrase."""

from __future__ import annotations

import re
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yugong.accounts.models import User
from yugong.core.audit import audit_record, diff, snapshot
from yugong.core.errors import Conflict, NotFound, ValidationFailed
from yugong.core.facts import fact_record
from yugong.core.pii import blind_index
from yugong.core.textsearch import fts_sync, index_tokens
from yugong.core.validators import clean_text, normalize_phone
from yugong.orgs.access import require_role

from .. import wording
from ..access import (
    REVIEW_ROLES,
    access_recruiter_employer,
    access_staff_employer,
    forget_recruiter,
    pk_of,
    reviewing_union,
)
from ..models import Booth, Education, JobFair, JobPost, Recruiter
from .common import PAY_MAX_FEN, choice, date_or_none, integer, long_text, raise_if, text

EDITABLE = (
    "title", "description", "requirements", "occupation_code", "employment_type", "education",
    "pay_min_fen", "pay_max_fen", "pay_period", "openings", "district", "address", "valid_through",
)  # fmt: skip
CHECKED_FIELDS = {
    "title": gettext_lazy("岗位名称"),
    "description": gettext_lazy("岗位职责"),
    "requirements": gettext_lazy("任职要求"),
}
OCCUPATION_RE = re.compile(r"[1-8](?:-[0-9]{2}){0,3}", re.ASCII)


# --- recruiter accounts ---------------------------------------------------------------------------


def _user_by_login(login: Any) -> User:
    value = clean_text(login)
    if not value:
        raise ValidationFailed(fields={"login": _("请填写手机号或用户名。")})
    try:
        phone = normalize_phone(value, field="login")
    except ValidationFailed:
        phone = ""
    user = User.objects.filter(phone_index=blind_index("phone", phone)).first() if phone else None
    if user is None:
        user = User.objects.filter(username=value[:150]).first()
    if user is None or not user.is_active:
        raise ValidationFailed(fields={"login": _("未找到该账号：请对方先用手机号登录一次平台。")})
    return user


@transaction.atomic
def recruiter_add(*, actor: User, employer_id: Any, login: Any) -> Recruiter:
    """Union staff over the employer give a signed-up user the right to post for it."""
    employer = access_staff_employer(actor, employer_id)
    user = _user_by_login(login)
    row, created = Recruiter.objects.update_or_create(employer=employer, user=user, defaults={"active": True})
    forget_recruiter(user)
    union = reviewing_union(employer)
    audit_record(
        actor=actor,
        action="jobs.recruiter_add",
        obj=employer,
        union_id=union.pk if union else None,
        extra={"user": user.pk, "created": created},
    )
    return row


@transaction.atomic
def recruiter_remove(*, actor: User, recruiter_id: Any) -> Recruiter:
    row = Recruiter.objects.select_for_update().filter(pk=pk_of(recruiter_id)).first()
    if row is None:
        raise NotFound()
    employer = access_staff_employer(actor, row.employer_id)
    row.active = False
    row.save(update_fields=["active"])
    forget_recruiter(row.user)
    union = reviewing_union(employer)
    audit_record(
        actor=actor,
        action="jobs.recruiter_remove",
        obj=employer,
        union_id=union.pk if union else None,
        extra={"user": row.user_id},
    )
    return row


# --- posts ------------------------------------------------------------------------------------------


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    out: dict[str, Any] = {
        "title": text(errors, data, "title", _("岗位名称"), max_len=80, required=True),
        "description": long_text(errors, data, "description", _("岗位职责"), max_len=4000),
        "requirements": long_text(errors, data, "requirements", _("任职要求"), max_len=2000),
        "occupation_code": clean_text(data.get("occupation_code")),
        "employment_type": choice(
            errors, data, "employment_type", _("用工形式"), JobPost.EmploymentType.values, "full_time"
        ),
        "education": choice(errors, data, "education", _("学历要求"), Education.values, "any"),
        "pay_period": choice(errors, data, "pay_period", _("计薪周期"), JobPost.PayPeriod.values, "month"),
        "pay_min_fen": integer(errors, data, "pay_min_fen", _("最低薪酬"), low=0, high=PAY_MAX_FEN),
        "pay_max_fen": integer(errors, data, "pay_max_fen", _("最高薪酬"), low=1, high=PAY_MAX_FEN),
        "openings": integer(errors, data, "openings", _("招聘人数"), low=1, high=10000, default=1),
        "district": text(errors, data, "district", _("工作区县"), max_len=40, required=True),
        "address": text(errors, data, "address", _("工作地点"), max_len=200, required=False),
        "valid_through": date_or_none(errors, data, "valid_through", _("截止日期")),
    }
    # GB/T 6565 (职业分类大典): a major group 1-8, then up to three two-digit groups (6-31-01-03).
    if out["occupation_code"] and not OCCUPATION_RE.fullmatch(out["occupation_code"]):
        errors["occupation_code"] = _("职业分类代码格式不正确，应如 6-31-01-03（《职业分类大典》）。")
    if (
        "pay_min_fen" not in errors
        and "pay_max_fen" not in errors
        and out["pay_min_fen"] > out["pay_max_fen"]
    ):
        errors["pay_max_fen"] = _("最高薪酬不能低于最低薪酬。")
    valid = out["valid_through"]
    if valid is not None and valid < timezone.localdate():
        errors["valid_through"] = _("截止日期不能早于今天。")
    raise_if(errors)
    return out


def wording_errors(post: JobPost) -> dict[str, Any]:
    """The wording check over a post's texts, as field errors naming the phrase and the ground."""
    errors: dict[str, list[str]] = {}
    for field, label in CHECKED_FIELDS.items():
        for flag in wording.check(getattr(post, field)):
            errors.setdefault(field, []).append(
                _("%(label)s含有可能构成就业歧视的表述“%(phrase)s”（%(kind)s），请修改（《就业促进法》）。")
                % {"label": label, "phrase": flag.phrase, "kind": flag.label}
            )
    return errors


def _index(post: JobPost) -> None:
    post.search_text = index_tokens(
        "\n".join(
            [post.title, post.employer.name, post.district, post.address, post.description, post.requirements]
        )
    )
    JobPost.objects.filter(pk=post.pk).update(search_text=post.search_text)
    fts_sync(JobPost._meta.db_table, post.pk, post.search_text)


def _fair_for(employer_id: int, fair_id: Any) -> JobFair | None:
    """A fair the employer has a booth at (posts join a fair through the employer's booth)."""
    if fair_id in (None, ""):
        return None
    booth = (
        Booth.objects.select_related("fair")
        .filter(employer_id=employer_id, fair_id=pk_of(fair_id))
        .exclude(fair__status=JobFair.Status.CANCELLED)
        .first()
    )
    if booth is None:
        raise ValidationFailed(fields={"fair": _("该单位在所选招聘会没有展位。")})
    return booth.fair


@transaction.atomic
def post_create(*, actor: User, employer_id: Any, fair_id: Any = None, **fields: Any) -> JobPost:
    """A draft post of an employer the actor recruits for."""
    employer = access_recruiter_employer(actor, employer_id)
    union = reviewing_union(employer)
    if union is None:
        raise Conflict(_("该单位尚未关联工会，暂不能发布岗位，请联系属地工会。"))
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    data = _clean(fields)
    fair = _fair_for(employer.pk, fair_id)
    post = JobPost.objects.create(employer=employer, union=union, fair=fair, created_by=actor, **data)
    _index(post)
    audit_record(actor=actor, action="jobs.post_create", obj=post, union_id=union.pk)
    return post


def _lock_for_recruiter(actor: User, post_id: Any) -> JobPost:
    post = JobPost.objects.select_for_update().filter(pk=pk_of(post_id)).first()
    if post is None:
        raise NotFound()
    access_recruiter_employer(actor, post.employer_id)
    return post


@transaction.atomic
def post_update(*, actor: User, post_id: Any, fair_id: Any = None, **fields: Any) -> JobPost:
    """Edit a post. Editing a published post takes it back to review (what workers read has been
    reviewed); a closed post stays closed."""
    post = _lock_for_recruiter(actor, post_id)
    if post.status == JobPost.Status.CLOSED:
        raise Conflict(_("已下架的岗位不能再编辑。"))
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    before = snapshot(post, EDITABLE)
    data = _clean({**before, **fields})
    for key, value in data.items():
        setattr(post, key, value)
    post.fair = _fair_for(post.employer_id, fair_id)
    if post.status == JobPost.Status.PUBLISHED:
        post.status = JobPost.Status.PENDING
        post.published = False
    post.save()
    _index(post)
    audit_record(
        actor=actor,
        action="jobs.post_update",
        obj=post,
        union_id=post.union_id,
        changes=diff(before, snapshot(post, EDITABLE)),
    )
    return post


@transaction.atomic
def post_submit(*, actor: User, post_id: Any) -> JobPost:
    post = _lock_for_recruiter(actor, post_id)
    if post.status not in (JobPost.Status.DRAFT, JobPost.Status.REJECTED):
        raise Conflict(_("只有草稿或已退回的岗位可以提交审核。"))
    errors = wording_errors(post)
    if errors:
        raise ValidationFailed(fields=errors)
    post.status = JobPost.Status.PENDING
    post.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, action="jobs.post_submit", obj=post, union_id=post.union_id)
    return post


@transaction.atomic
def post_review(*, actor: User, post_id: Any, approve: bool, note: Any = "") -> JobPost:
    """Union staff over the reviewing union publish a pending post or return it with a reason."""
    post = JobPost.objects.select_for_update().select_related("union").filter(pk=pk_of(post_id)).first()
    if post is None:
        raise NotFound()
    require_role(actor, post.union, REVIEW_ROLES)
    if post.status != JobPost.Status.PENDING:
        raise Conflict(_("该岗位不在待审核状态。"))
    note_text = clean_text(note).replace("\x00", "")
    if len(note_text) > 200:
        raise ValidationFailed(fields={"note": _("审核意见不能超过200个字。")})
    if approve:
        errors = wording_errors(post)
        if errors:
            raise ValidationFailed(fields=errors)
        post.status = JobPost.Status.PUBLISHED
        post.published = True
        post.published_at = timezone.now()
    else:
        if not note_text:
            raise ValidationFailed(fields={"note": _("退回时请填写审核意见。")})
        post.status = JobPost.Status.REJECTED
    post.review_note = note_text
    post.reviewed_by = actor
    post.reviewed_at = timezone.now()
    post.save()
    audit_record(
        actor=actor,
        action="jobs.post_approve" if approve else "jobs.post_reject",
        obj=post,
        union_id=post.union_id,
        extra={"note": note_text},
    )
    if approve:
        fact_record(metric="jobs.posts_published", union_id=post.union_id, dim=post.employment_type)
    return post


@transaction.atomic
def post_close(*, actor: User, post_id: Any) -> JobPost:
    """The employer takes a post down (filled, or no longer offered)."""
    post = _lock_for_recruiter(actor, post_id)
    if post.status == JobPost.Status.CLOSED:
        return post
    post.status = JobPost.Status.CLOSED
    post.published = False
    post.save(update_fields=["status", "published", "updated_at"])
    audit_record(actor=actor, action="jobs.post_close", obj=post, union_id=post.union_id)
    return post
