"""Policy library writes: every change re-indexes the document (rights.search)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.core.audit import audit_record
from yugong.core.errors import PermissionDenied, ValidationFailed
from yugong.core.validators import clean_text
from yugong.orgs import tree
from yugong.orgs.access import MANAGE_ROLES, scope_paths

from ..models import Category, Faq, Policy, PolicySection
from ..search import faq_index, policy_index
from .common import require_actor


def can_edit_library(actor: User) -> bool:
    """The library is shared by the whole tree: editors hold a managing role (chair, vice chair,
    staff) at a root node (the city federation)."""
    return any(tree.is_root_path(path) for path in scope_paths(actor, MANAGE_ROLES))


def _require_editor(actor: User) -> None:
    require_actor(actor)
    if not can_edit_library(actor):
        raise PermissionDenied(_("只有市总工会工作人员可以维护政策库。"))


@transaction.atomic
def policy_save(
    *,
    actor: User,
    title: str,
    issuer: str,
    sections: Sequence[tuple[str, str]],
    doc_number: str = "",
    topic: str = Policy.Topic.RIGHTS,
    effective_on: dt.date | None = None,
    expires_on: dt.date | None = None,
    summary: str = "",
    published: bool = True,
    policy: Policy | None = None,
) -> Policy:
    """Create (``policy`` None) or replace a policy with its sections, then re-index it."""
    _require_editor(actor)
    errors: dict[str, Any] = {}
    title, issuer = clean_text(title)[:200], clean_text(issuer)[:120]
    if not title:
        errors["title"] = _("请填写标题。")
    if not issuer:
        errors["issuer"] = _("请填写发文机关。")
    if topic not in Policy.Topic.values:
        errors["topic"] = _("主题无效。")
    if effective_on and expires_on and expires_on < effective_on:
        errors["expires_on"] = _("失效日期不能早于施行日期。")
    if not any((body or "").strip() for _h, body in sections):
        errors["sections"] = _("至少需要一条内容。")
    if errors:
        raise ValidationFailed(fields=errors)
    policy = policy or Policy()
    creating = policy.pk is None
    policy.title, policy.issuer, policy.doc_number = title, issuer, clean_text(doc_number)[:80]
    policy.topic, policy.effective_on, policy.expires_on = topic, effective_on, expires_on
    policy.summary, policy.published = (summary or "").strip(), published
    policy.save()
    policy.sections.all().delete()
    PolicySection.objects.bulk_create(
        PolicySection(policy=policy, seq=i, heading=clean_text(h)[:120], body=b.strip())
        for i, (h, b) in enumerate(sections, start=1)
        if (b or "").strip()
    )
    policy_index(policy)
    audit_record(
        actor=actor, action="rights.policy.create" if creating else "rights.policy.update", obj=policy
    )
    return policy


@transaction.atomic
def faq_save(
    *,
    actor: User,
    question: str,
    answer: str,
    category: str = "",
    seq: int = 0,
    published: bool = True,
    faq: Faq | None = None,
) -> Faq:
    _require_editor(actor)
    question = clean_text(question)[:200]
    errors: dict[str, Any] = {}
    if not question:
        errors["question"] = _("请填写问题。")
    if not (answer or "").strip():
        errors["answer"] = _("请填写解答。")
    if category and category not in Category.values:
        errors["category"] = _("类别无效。")
    if not 0 <= seq <= 32767:
        errors["seq"] = _("排序须在0到32767之间。")
    if errors:
        raise ValidationFailed(fields=errors)
    faq = faq or Faq()
    creating = faq.pk is None
    faq.question, faq.answer, faq.category, faq.seq = question, answer.strip(), category, seq
    faq.published = published
    faq.save()
    faq_index(faq)
    audit_record(actor=actor, action="rights.faq.create" if creating else "rights.faq.update", obj=faq)
    return faq
