"""The 劳模工匠 register and the 百名劳模服务团 talks (宣讲): booked by a union, delivered with the
audience counted, or cancelled."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.timezone import now
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.core.audit import audit_record
from yugong.core.errors import Conflict, NotFound, ValidationFailed
from yugong.core.facts import fact_record
from yugong.core.validators import clean_text
from yugong.orgs.access import access_object, require_role
from yugong.orgs.models import Union

from ..models import Laureate, Talk
from .common import REVIEW_ROLES, reason
from .nominations import _nominated_person


@transaction.atomic
def laureate_add(
    *,
    actor: User,
    union: Union,
    id_number: str,
    title: str,
    specialty: str = "",
    in_service_corps: bool = False,
) -> Laureate:
    """Enter a 劳模/工匠 honoured before the platform (a member of ``union``'s subtree)."""
    require_role(actor, union, REVIEW_ROLES)
    person = _nominated_person(union, id_number)
    title, specialty = clean_text(title), clean_text(specialty)
    errors = {}
    if not title or len(title) > 60:
        errors["title"] = _("请填写称号（60字以内）。")
    if len(specialty) > 120:
        errors["specialty"] = _("专长领域不能超过120字。")
    if errors:
        raise ValidationFailed(fields=errors)
    if Laureate.objects.filter(person=person).exists():
        raise ValidationFailed(fields={"id_number": _("此人已在劳模工匠名册中。")})
    laureate = Laureate.objects.create(
        person=person,
        union=union,
        name=person.name,
        title=title,
        specialty=specialty,
        in_service_corps=bool(in_service_corps),
    )
    audit_record(actor=actor, action="honors.laureate_add", obj=laureate, union_id=union.pk)
    return laureate


@transaction.atomic
def laureate_set_corps(*, actor: User, laureate: Laureate | int, in_service_corps: bool) -> Laureate:
    """Join or leave the 百名劳模服务团 (staff of the laureate's union)."""
    pk = laureate.pk if isinstance(laureate, Laureate) else laureate
    found = access_object(Laureate.objects.select_related("union"), actor, pk)
    require_role(actor, found.union, REVIEW_ROLES)
    before = found.in_service_corps
    found.in_service_corps = bool(in_service_corps)
    found.save(update_fields=["in_service_corps"])
    audit_record(
        actor=actor,
        action="honors.laureate_corps",
        obj=found,
        union_id=found.union_id,
        changes={"in_service_corps": [before, found.in_service_corps]},
    )
    return found


@transaction.atomic
def talk_book(
    *, actor: User, union: Union, speaker: Laureate | int, topic: str, venue: str, scheduled_at: dt.datetime
) -> Talk:
    """A union books a member of the 劳模服务团 for a talk."""
    require_role(actor, union, REVIEW_ROLES)
    pk = speaker.pk if isinstance(speaker, Laureate) else speaker
    found = Laureate.objects.filter(pk=pk, in_service_corps=True).first()
    errors: dict[str, str] = {}
    if found is None:
        errors["speaker"] = _("请选择劳模服务团成员。")
    topic, venue = clean_text(topic), clean_text(venue)
    if not topic or len(topic) > 120:
        errors["topic"] = _("请填写宣讲主题（120字以内）。")
    if not venue or len(venue) > 200:
        errors["venue"] = _("请填写宣讲地点（200字以内）。")
    if scheduled_at.tzinfo is None or scheduled_at <= now():
        errors["scheduled_at"] = _("宣讲时间应晚于现在。")
    if errors:
        raise ValidationFailed(fields=errors)
    assert found is not None
    talk = Talk.objects.create(
        speaker=found, union=union, topic=topic, venue=venue, scheduled_at=scheduled_at, booked_by=actor
    )
    audit_record(actor=actor, action="honors.talk_book", obj=talk, union_id=union.pk)
    return talk


def _lock_talk(actor: User, talk: Talk | int) -> Talk:
    pk = talk.pk if isinstance(talk, Talk) else talk
    access_object(Talk.objects.all(), actor, pk)
    try:
        t = Talk.objects.select_for_update(of=("self",)).select_related("union").get(pk=pk)
    except Talk.DoesNotExist:
        raise NotFound() from None
    require_role(actor, t.union, REVIEW_ROLES)
    if t.status != Talk.Status.BOOKED:
        raise Conflict(_("该宣讲已%(status)s。") % {"status": t.get_status_display()})
    return t


@transaction.atomic
def talk_deliver(*, actor: User, talk: Talk | int, audience: int, record: str) -> Talk:
    """The booking union records the talk held: the audience and what was said. Counted for the
    cockpit (场次 and 人次)."""
    t = _lock_talk(actor, talk)
    errors: dict[str, str] = {}
    if t.scheduled_at > now():
        errors["scheduled_at"] = _("宣讲时间未到，不能登记。")
    if not 1 <= int(audience) <= 100000:
        errors["audience"] = _("听众人数应在1到100000之间。")
    record = clean_text(record)
    if not record or len(record) > 2000:
        errors["record"] = _("请填写宣讲记录（2000字以内）。")
    if errors:
        raise ValidationFailed(fields=errors)
    t.status = Talk.Status.DELIVERED
    t.audience = int(audience)
    t.record = record
    t.delivered_at = now()
    t.save(update_fields=["status", "audience", "record", "delivered_at"])
    audit_record(
        actor=actor,
        action="honors.talk_deliver",
        obj=t,
        union_id=t.union_id,
        changes={"status": [Talk.Status.BOOKED, Talk.Status.DELIVERED]},
        extra={"audience": t.audience},
    )
    fact_record(metric="honors_talks", union_id=t.union_id)
    fact_record(metric="honors_talk_audience", union_id=t.union_id, value=t.audience)
    return t


@transaction.atomic
def talk_cancel(*, actor: User, talk: Talk | int, note: str) -> Talk:
    t = _lock_talk(actor, talk)
    note = reason(note, "note")
    t.status = Talk.Status.CANCELLED
    t.record = note
    t.save(update_fields=["status", "record"])
    audit_record(
        actor=actor,
        action="honors.talk_cancel",
        obj=t,
        union_id=t.union_id,
        changes={"status": [Talk.Status.BOOKED, Talk.Status.CANCELLED]},
        extra={"reason": note},
    )
    return t
