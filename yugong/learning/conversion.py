"""Credit conversion (学分转换): bank credits recognised into the credits of a programme.

* A ``Programme`` belongs to an institution (a provider, usually a partner college) and hangs on
  its union; staff of that subtree manage it and review applications.
* ``RecognitionAgreement`` per (programme, source): the ratio (programme credits per bank credit)
  and the cap per learner from that source.
* A worker applies with chosen rows of their ledger (unexpired, of a recognised source, not yet
  converted into that programme). Staff approve (or reject with a reason).
* Approval writes append-only ``ProgrammeCredit`` rows, each bank row at most once per programme
  (unique constraint), and never more per source than the agreement's cap: the learner's account
  row is locked first, so two applications approved at the same time cannot both fill the cap
  (``tests/test_conversion_race.py``; ``_unsafe_no_lock`` is the control).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q, Sum
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.core.audit import audit_record
from yugong.core.errors import Conflict, NotFound, ValidationFailed
from yugong.core.facts import fact_record
from yugong.core.timeutil import local_today
from yugong.core.timeutil import now as tz_now
from yugong.core.validators import clean_text
from yugong.members.models import Person
from yugong.orgs.access import MANAGE_ROLES, access_object, require_role

from .bank import account_for
from .models import (
    ConversionApplication,
    CreditEntry,
    LearningAccount,
    Programme,
    ProgrammeCredit,
    Provider,
    RecognitionAgreement,
    Source,
)

TENTH = Decimal("0.1")


@transaction.atomic
def programme_create(*, actor: User, provider: Provider | int, name: str, required_credits: Any) -> Programme:
    pk = provider.pk if isinstance(provider, Provider) else provider
    found = access_object(Provider.objects.select_related("union"), actor, pk)
    require_role(actor, found.union, MANAGE_ROLES)
    name = clean_text(name)
    errors: dict[str, str] = {}
    if not name or len(name) > 120:
        errors["name"] = _("请填写专业（项目）名称（120字以内）。")
    required = Decimal(required_credits or 0)
    if not 0 < required <= 1000:
        errors["required_credits"] = _("毕业所需学分应在0到1000之间。")
    if errors:
        raise ValidationFailed(fields=errors)
    programme = Programme.objects.create(
        provider=found, union=found.union, name=name, required_credits=required.quantize(TENTH)
    )
    audit_record(actor=actor, action="learning.programme_create", obj=programme, union_id=found.union_id)
    return programme


@transaction.atomic
def agreement_set(
    *,
    actor: User,
    programme: Programme | int,
    source: str,
    partner: str,
    ratio: Any,
    cap_credits: Any,
    signed_on: dt.date,
) -> RecognitionAgreement:
    """Sign (or amend) the recognition agreement of a programme for one source of bank credits."""
    pk = programme.pk if isinstance(programme, Programme) else programme
    found = access_object(Programme.objects.select_related("union"), actor, pk)
    require_role(actor, found.union, MANAGE_ROLES)
    errors: dict[str, str] = {}
    if source not in Source.values:
        errors["source"] = _("请选择成果来源。")
    partner = clean_text(partner)
    if not partner or len(partner) > 120:
        errors["partner"] = _("请填写签约机构（120字以内）。")
    ratio, cap = Decimal(ratio or 0), Decimal(cap_credits or 0)
    if not 0 < ratio <= 10:
        errors["ratio"] = _("折算比例应大于0、不超过10。")
    if not 0 < cap <= 1000:
        errors["cap_credits"] = _("每人上限应在0到1000学分之间。")
    if errors:
        raise ValidationFailed(fields=errors)
    agreement, created = RecognitionAgreement.objects.update_or_create(
        programme=found,
        source=source,
        defaults={
            "partner": partner,
            "ratio": ratio.quantize(Decimal("0.01")),
            "cap_credits": cap.quantize(TENTH),
            "signed_on": signed_on,
        },
    )
    audit_record(
        actor=actor,
        action="learning.agreement_sign" if created else "learning.agreement_amend",
        obj=agreement,
        union_id=found.union_id,
        changes={"ratio": ["", str(ratio)], "cap": ["", str(cap)]},
    )
    return agreement


def convertible_entries(person: Person, programme: Programme) -> list[CreditEntry]:
    """The learner's ledger rows this programme could take: unexpired, positive, of a source its
    agreements recognise, not converted into it yet and not waiting in an application to it."""
    account = LearningAccount.objects.filter(person=person).first()
    if account is None:
        return []
    sources = list(programme.agreements.values_list("source", flat=True))
    done = ProgrammeCredit.objects.filter(programme=programme, account=account).values("entry_id")
    waiting = ConversionApplication.entries.through.objects.filter(
        conversionapplication__programme=programme,
        conversionapplication__account=account,
        conversionapplication__status=ConversionApplication.Status.SUBMITTED,
    ).values("creditentry_id")
    return list(
        CreditEntry.objects.filter(account=account, source__in=sources, credits__gt=0)
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=local_today()))
        .exclude(pk__in=done)
        .exclude(pk__in=waiting)
        .order_by("created_at", "pk")
    )


@transaction.atomic
def conversion_apply(
    *, person: Person, programme_id: int, entry_ids: list[int], actor: User | None
) -> ConversionApplication:
    programme = Programme.objects.filter(pk=programme_id).first()
    if programme is None:
        raise NotFound()
    allowed = {e.pk: e for e in convertible_entries(person, programme)}
    chosen = sorted({int(i) for i in entry_ids})
    if not chosen:
        raise ValidationFailed(fields={"entries": _("请至少选择一条学分记录。")})
    if any(i not in allowed for i in chosen):
        raise ValidationFailed(
            fields={"entries": _("所选学分记录不可转换（已过期、已转换或不在互认范围内）。")}
        )
    application = ConversionApplication.objects.create(account=account_for(person), programme=programme)
    application.entries.set([allowed[i] for i in chosen])
    audit_record(
        actor=actor, action="learning.conversion_apply", obj=application, union_id=programme.union_id
    )
    fact_record(metric="learning_conversions_applied", union_id=programme.union_id)
    return application


@transaction.atomic
def conversion_review(
    *, actor: User, application_id: int, approve: bool, note: str = "", _unsafe_no_lock: bool = False
) -> ConversionApplication:
    """Approve (write the programme ledger rows, within each source's cap) or reject with a reason.
    Locks the learner's account row before reading what the caps already hold."""
    found = access_object(
        ConversionApplication.objects.select_related("programme__union"),
        actor,
        application_id,
        path_field="programme__union__path",
    )
    require_role(actor, found.programme.union, MANAGE_ROLES)
    note = clean_text(note)
    if len(note) > 200:
        raise ValidationFailed(fields={"note": _("审核意见不能超过200字。")})
    if not approve and not note:
        raise ValidationFailed(fields={"note": _("不予转换须填写审核意见。")})
    if not _unsafe_no_lock:
        LearningAccount.objects.select_for_update().get(pk=found.account_id)
    application = ConversionApplication.objects.select_for_update().get(pk=found.pk)
    if application.status != ConversionApplication.Status.SUBMITTED:
        raise Conflict(_("该申请已审核。"))
    granted = Decimal(0)
    if approve:
        granted = _convert(application)
    application.status = (
        ConversionApplication.Status.APPROVED if approve else ConversionApplication.Status.REJECTED
    )
    application.decided_at = tz_now()
    application.decided_by = actor
    application.note = note
    application.granted = granted
    application.save(update_fields=["status", "decided_at", "decided_by", "note", "granted"])
    audit_record(
        actor=actor,
        action="learning.conversion_approve" if approve else "learning.conversion_reject",
        obj=application,
        union_id=found.programme.union_id,
        changes={"granted": ["0", str(granted)]},
    )
    if approve:
        fact_record(
            metric="learning_credits_converted", union_id=found.programme.union_id, value=int(granted * 10)
        )
    return application


def _convert(application: ConversionApplication) -> Decimal:
    """Caller holds the account's row lock: the per-source sums read here cannot go stale."""
    programme = application.programme
    agreements = {a.source: a for a in programme.agreements.all()}
    held = {
        row["source"]: row["s"]
        for row in ProgrammeCredit.objects.filter(account_id=application.account_id, programme=programme)
        .values("source")
        .annotate(s=Sum("credits"))
    }
    done = set(
        ProgrammeCredit.objects.filter(account_id=application.account_id, programme=programme).values_list(
            "entry_id", flat=True
        )
    )
    today = local_today()
    granted = Decimal(0)
    for entry in application.entries.order_by("pk"):
        agreement = agreements.get(entry.source)
        if agreement is None or entry.pk in done or (entry.expires_on and entry.expires_on < today):
            continue
        room = agreement.cap_credits - (held.get(entry.source) or Decimal(0))
        credits = min((entry.credits * agreement.ratio).quantize(TENTH, rounding=ROUND_DOWN), room)
        if credits <= 0:
            continue
        ProgrammeCredit.objects.create(
            account_id=application.account_id,
            programme=programme,
            application=application,
            entry=entry,
            source=entry.source,
            bank_credits=entry.credits,
            credits=credits,
        )
        held[entry.source] = (held.get(entry.source) or Decimal(0)) + credits
        granted += credits
    return granted


@dataclass(frozen=True)
class ProgrammeLine:
    programme: Programme
    credits: Decimal
    rows: list[ProgrammeCredit]


def programme_statement(person: Person | None) -> list[ProgrammeLine]:
    """The worker's converted credits per programme (for the statement of credits)."""
    account = LearningAccount.objects.filter(person=person).first() if person else None
    if account is None:
        return []
    rows = list(
        ProgrammeCredit.objects.filter(account=account)
        .select_related("programme__provider")
        .order_by("programme_id", "created_at", "pk")
    )
    lines: dict[int, ProgrammeLine] = {}
    for row in rows:
        line = lines.get(row.programme_id)
        if line is None:
            line = lines[row.programme_id] = ProgrammeLine(row.programme, Decimal(0), [])
        line.rows.append(row)
    return [
        ProgrammeLine(line.programme, sum((r.credits for r in line.rows), Decimal(0)), line.rows)
        for line in lines.values()
    ]
