"""Outcomes arriving from other apps by domain events (never by import)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from yugong.accounts.system import system_actor
from yugong.core.events import event_handler
from yugong.core.models import DomainEvent
from yugong.members.models import Person

from .bank import outcome_deposit, outcome_review


@event_handler("contests.certificate_issued")
def credit_contest_certificate(event: DomainEvent) -> None:
    """A contest certificate: deposited and, being issued by the platform itself, reviewed by the
    system at once. The outcome is unique per (account, source, certificate), so the same
    certificate published or delivered twice gives one credit row."""
    payload = event.payload or {}
    person_id = payload.get("person_id")
    person = Person.objects.filter(pk=person_id).first() if isinstance(person_id, int) else None
    if person is None or event.union_id is None:
        return
    ref = f"certificate:{payload.get('certificate_id')}"
    outcome, created = outcome_deposit(
        person=person,
        source="contest_certificate",
        source_ref=ref[:64],
        title=str(payload.get("contest_title") or "")[:200],
        evidence={
            "event_id": event.pk,
            **{k: payload[k] for k in ("certificate_id", "level") if k in payload},
        },
        credits=None,
        union_id=event.union_id,
        actor=system_actor(),
    )
    if created:
        outcome_review(
            actor=system_actor(), outcome_id=outcome.pk, approve=True, note=_("平台签发证书自动认定")
        )


@event_handler("honors.honour_awarded")
def credit_honour(event: DomainEvent) -> None:
    """An honour awarded on the platform (nominated, reviewed up the tree, publicly noticed): the
    outcome is deposited and reviewed by the system at once, like a contest certificate. Unique per
    (account, source, honour), so a redelivered event credits once."""
    payload = event.payload or {}
    person_id = payload.get("person_id")
    person = Person.objects.filter(pk=person_id).first() if isinstance(person_id, int) else None
    if person is None or event.union_id is None:
        return
    outcome, created = outcome_deposit(
        person=person,
        source="honour",
        source_ref=f"honour:{payload.get('honour_id')}"[:64],
        title=f"{payload.get('year', '')} {payload.get('kind_name', '')}".strip()[:200],
        evidence={
            "event_id": event.pk,
            **{k: payload[k] for k in ("honour_id", "kind", "level") if k in payload},
        },
        credits=None,
        union_id=event.union_id,
        actor=system_actor(),
    )
    if created:
        outcome_review(
            actor=system_actor(), outcome_id=outcome.pk, approve=True, note=_("平台表彰荣誉自动认定")
        )


@event_handler("innovation.proposal_adopted")
@event_handler("innovation.challenge_awarded")
@event_handler("innovation.result_recorded")
def credit_innovation(event: DomainEvent) -> None:
    """An innovation result (an adopted 五小 proposal, a 揭榜挂帅 award, a studio result): deposited
    and reviewed by the system at once, the union having decided it already. Unique per (account,
    source, result), so a redelivered event credits once."""
    payload = event.payload or {}
    person_id = payload.get("person_id")
    person = Person.objects.filter(pk=person_id).first() if isinstance(person_id, int) else None
    if person is None or event.union_id is None or not payload.get("ref"):
        return
    outcome, created = outcome_deposit(
        person=person,
        source="innovation",
        source_ref=str(payload["ref"])[:64],
        title=str(payload.get("title") or "")[:200],
        evidence={"event_id": event.pk, "kind": event.kind, "ref": payload["ref"]},
        credits=None,
        union_id=event.union_id,
        actor=system_actor(),
    )
    if created:
        outcome_review(
            actor=system_actor(), outcome_id=outcome.pk, approve=True, note=_("平台创新成果自动认定")
        )
