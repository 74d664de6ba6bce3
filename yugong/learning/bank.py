"""The credit bank (学分银行): a lifelong learning account per person, outcomes deposited →
reviewed → credited, and the append-only credit ledger with per-source caps."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q, Sum
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.core.audit import audit_record
from yugong.core.errors import Conflict, ValidationFailed
from yugong.core.facts import fact_record
from yugong.core.timeutil import local_today
from yugong.core.timeutil import now as tz_now
from yugong.members.models import Person
from yugong.orgs.access import MANAGE_ROLES, access_object, require_role

from .models import ConversionRule, CreditEntry, LearningAccount, Outcome, Source


def account_for(person: Person) -> LearningAccount:
    account, _created = LearningAccount.objects.get_or_create(person=person)
    return account


@transaction.atomic
def outcome_deposit(
    *,
    person: Person,
    source: str,
    source_ref: str,
    title: str,
    evidence: dict[str, Any],
    credits: Decimal | int | None,
    union_id: int,
    actor: User | None,
) -> tuple[Outcome, bool]:
    """Deposit an outcome for review; a second deposit of the same source item returns the first
    (``created`` False), so redelivered events and repeated completions deposit once."""
    if source not in Source.values:
        raise ValidationFailed(fields={"source": _("成果来源无效")})
    account = account_for(person)
    if credits is None:
        rule = ConversionRule.objects.filter(source=source).first()
        credits = rule.default_credits if rule else Decimal(0)
    if Decimal(credits) < 0:
        raise ValidationFailed(fields={"credits": _("学分不能为负数")})
    outcome, created = Outcome.objects.get_or_create(
        account=account,
        source=source,
        source_ref=source_ref,
        defaults={
            "title": title[:200],
            "evidence": evidence,
            "credits_claimed": Decimal(credits),
            "union_id": union_id,
        },
    )
    if created:
        audit_record(actor=actor, action="learning.outcome_deposit", obj=outcome, union_id=union_id)
        fact_record(metric="learning_outcomes_deposited", union_id=union_id, dim=source)
    return outcome, created


@transaction.atomic
def outcome_review(*, actor: User, outcome_id: int, approve: bool, note: str = "") -> Outcome:
    """Staff of the outcome's union subtree review it; an approved outcome is credited at once,
    within the source's cap (the account row is locked so two reviews cannot both fill it)."""
    outcome = access_object(Outcome.objects.select_related("union"), actor, outcome_id)
    require_role(actor, outcome.union, MANAGE_ROLES)
    outcome = Outcome.objects.select_for_update().get(pk=outcome.pk)
    if outcome.status != Outcome.Status.DEPOSITED:
        raise Conflict(_("该成果已审核"))
    if len(note) > 200:
        raise ValidationFailed(fields={"note": _("审核意见不能超过200字")})
    if not approve and not note.strip():
        raise ValidationFailed(fields={"note": _("不予认定须填写审核意见。")})
    outcome.reviewed_at = tz_now()
    outcome.reviewed_by = actor if getattr(actor, "pk", None) else None
    outcome.review_note = note
    outcome.status = Outcome.Status.REVIEWED if approve else Outcome.Status.REJECTED
    outcome.save(update_fields=["reviewed_at", "reviewed_by", "review_note", "status"])
    audit_record(
        actor=actor,
        action="learning.outcome_approve" if approve else "learning.outcome_reject",
        obj=outcome,
        union_id=outcome.union_id,
    )
    if approve:
        _credit(outcome=outcome, actor=actor)
    return outcome


def _credit(*, outcome: Outcome, actor: User) -> CreditEntry:
    LearningAccount.objects.select_for_update().get(pk=outcome.account_id)
    rule = ConversionRule.objects.filter(source=outcome.source).first()
    credits = outcome.credits_claimed
    if rule and rule.cap_credits is not None:
        held = CreditEntry.objects.filter(account_id=outcome.account_id, source=outcome.source).aggregate(
            s=Sum("credits")
        )["s"] or Decimal(0)
        credits = max(Decimal(0), min(credits, rule.cap_credits - held))
    expires = None
    if rule and rule.validity_days:
        expires = local_today() + dt.timedelta(days=rule.validity_days)
    entry = CreditEntry.objects.create(
        account_id=outcome.account_id,
        outcome=outcome,
        source=outcome.source,
        evidence={**outcome.evidence, "outcome_id": outcome.pk, "claimed": str(outcome.credits_claimed)},
        credits=credits,
        expires_on=expires,
    )
    outcome.status = Outcome.Status.CREDITED
    outcome.save(update_fields=["status"])
    audit_record(actor=actor, action="learning.credit", obj=entry, union_id=outcome.union_id)
    fact_record(metric="learning_credits_granted", union_id=outcome.union_id, value=int(credits * 10))
    return entry


@dataclass(frozen=True)
class Statement:
    entries: list[CreditEntry]
    total: Decimal  # credits not expired today
    pending: list[Outcome]


def credit_statement(person: Person) -> Statement:
    """The worker's statement: every ledger row (newest first), the valid total, outcomes waiting."""
    account = LearningAccount.objects.filter(person=person).first()
    if account is None:
        return Statement(entries=[], total=Decimal(0), pending=[])
    entries = list(account.entries.order_by("-created_at", "-pk"))
    today = local_today()
    total = CreditEntry.objects.filter(account=account).filter(
        Q(expires_on__isnull=True) | Q(expires_on__gte=today)
    ).aggregate(s=Sum("credits"))["s"] or Decimal(0)
    # One decimal place whatever the database's sum gives back (SQLite's "2", PostgreSQL's "2.0").
    total = total.quantize(Decimal("0.1"))
    pending = list(account.outcomes.filter(status=Outcome.Status.DEPOSITED).order_by("-deposited_at"))
    return Statement(entries=entries, total=total, pending=pending)
