"""Referrals to outside bodies and mediation cases."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.core.errors import Conflict, ValidationFailed
from yugong.core.facts import fact_record
from yugong.core.timeutil import SHANGHAI
from yugong.core.validators import clean_text

from ..models import Appeal, AppealEvent, MediationCase, MediationSession, Referral
from .common import audit, event, lock, moment, notify_worker, require_handler, require_status


@transaction.atomic
def appeal_refer(
    *,
    actor: User,
    appeal: Appeal | int,
    kind: str,
    agency: str,
    note: str = "",
    outside_ref: str = "",
    lawyer: str = "",
    at: dt.datetime | None = None,
) -> Referral:
    """移交 to a court, procuratorate, arbitration, labour inspection, legal aid, or to Sichuan
    unions. The appeal stays with this union (its clock keeps running) until it concludes.

    Legal-aid assignment (法律援助) is the referral kind ``legal_aid``: ``agency`` is the legal-aid
    body, ``lawyer`` the designated lawyer when already known (else set later by
    :func:`referral_update` when the centre designates one)."""
    appeal = lock(appeal)
    require_handler(actor, appeal)
    require_status(appeal, {Appeal.Status.HANDLING})
    errors: dict[str, Any] = {}
    if kind not in Referral.Kind.values:
        errors["kind"] = _("请选择移交对象。")
    agency = clean_text(agency)[:120]
    if not agency:
        errors["agency"] = _("请填写接收单位。")
    if errors:
        raise ValidationFailed(fields=errors)
    at = moment(at)
    referral = Referral.objects.create(
        appeal=appeal,
        kind=kind,
        agency=agency,
        note=(note or "").strip()[:2000],
        outside_ref=clean_text(outside_ref)[:64],
        lawyer=clean_text(lawyer)[:64] if kind == Referral.Kind.LEGAL_AID else "",
        union=appeal.union,
        sent_at=at,
        updated_at=at,
    )
    event(
        appeal,
        AppealEvent.Kind.REFERRED,
        actor=actor,
        at=at,
        text=(_("移交%(kind)s：%(agency)s") % {"kind": referral.get_kind_display(), "agency": agency})
        + (_("，承办律师：%(lawyer)s") % {"lawyer": referral.lawyer} if referral.lawyer else ""),
        data={"referral_id": referral.pk, "kind": kind},
    )
    audit(actor, "rights.appeal.refer", appeal, kind=kind, agency=agency)
    fact_record(
        metric="appeals.referred",
        union_id=appeal.union_id,
        dim=f"kind:{kind}",
        day=at.astimezone(SHANGHAI).date(),
    )
    notify_worker(appeal, _("已移交%(agency)s办理。") % {"agency": agency})
    return referral


@transaction.atomic
def referral_update(
    *,
    actor: User,
    referral: Referral,
    status: str,
    outside_ref: str = "",
    note: str = "",
    lawyer: str = "",
    at: dt.datetime | None = None,
) -> Referral:
    """The outside body's progress; for legal aid also the lawyer it designated."""
    appeal = lock(referral.appeal_id)
    require_handler(actor, appeal)
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    if status not in Referral.Status.values:
        raise ValidationFailed(fields={"status": _("状态无效。")})
    at = moment(at)
    referral.status = status
    if outside_ref:
        referral.outside_ref = clean_text(outside_ref)[:64]
    if note:
        referral.note = (referral.note + "\n" + note.strip()).strip()[:4000]
    if lawyer and referral.kind == Referral.Kind.LEGAL_AID:
        referral.lawyer = clean_text(lawyer)[:64]
    referral.updated_at = at
    referral.save()
    event(
        appeal,
        AppealEvent.Kind.REFERRAL_UPDATED,
        actor=actor,
        at=at,
        text=" ".join(
            p
            for p in (
                f"{referral.agency}：{referral.get_status_display()}",
                referral.outside_ref,
                _("承办律师：%(lawyer)s") % {"lawyer": referral.lawyer} if referral.lawyer else "",
            )
            if p
        ),
        data={"referral_id": referral.pk, "status": status},
    )
    audit(actor, "rights.referral.update", appeal, referral=referral.pk, status=status)
    return referral


@transaction.atomic
def mediation_open(
    *,
    actor: User,
    appeal: Appeal | int,
    mediator_name: str,
    applicant: str,
    respondent: str,
    at: dt.datetime | None = None,
) -> MediationCase:
    appeal = lock(appeal)
    require_handler(actor, appeal)
    require_status(appeal, {Appeal.Status.HANDLING})
    errors: dict[str, Any] = {}
    mediator_name, applicant, respondent = (
        clean_text(mediator_name)[:64],
        clean_text(applicant)[:200],
        clean_text(respondent)[:200],
    )
    if not mediator_name:
        errors["mediator_name"] = _("请填写调解员。")
    if not applicant:
        errors["applicant"] = _("请填写申请方。")
    if not respondent:
        errors["respondent"] = _("请填写被申请方。")
    if errors:
        raise ValidationFailed(fields=errors)
    if appeal.mediations.filter(status=MediationCase.Status.OPEN).exists():
        raise Conflict(_("该诉求已有进行中的调解。"))
    at = moment(at)
    case = MediationCase.objects.create(
        appeal=appeal,
        union=appeal.union,
        mediator_name=mediator_name,
        mediator=actor,
        applicant=applicant,
        respondent=respondent,
        opened_at=at,
    )
    event(
        appeal,
        AppealEvent.Kind.MEDIATION,
        actor=actor,
        at=at,
        text=_("启动调解，调解员：%(m)s") % {"m": mediator_name},
        data={"case_id": case.pk},
    )
    audit(actor, "rights.mediation.open", appeal, case=case.pk)
    fact_record(metric="appeals.mediations", union_id=appeal.union_id, day=at.astimezone(SHANGHAI).date())
    return case


@transaction.atomic
def mediation_session_add(
    *, actor: User, case: MediationCase, held_at: dt.datetime, summary: str, place: str = ""
) -> MediationSession:
    appeal = lock(case.appeal_id)
    require_handler(actor, appeal)
    case = MediationCase.objects.select_for_update().get(pk=case.pk)
    if case.status != MediationCase.Status.OPEN:
        raise Conflict(_("调解已结束。"))
    if not (summary or "").strip():
        raise ValidationFailed(fields={"summary": _("请填写调解情况。")})
    session = MediationSession.objects.create(
        case=case, held_at=held_at, place=clean_text(place)[:120], summary=summary.strip()[:5000]
    )
    event(
        appeal,
        AppealEvent.Kind.MEDIATION,
        actor=actor,
        at=moment(None),
        text=_("调解记录：%(s)s") % {"s": session.summary[:200]},
        public=False,
        data={"case_id": case.pk, "session_id": session.pk},
    )
    audit(actor, "rights.mediation.session", appeal, case=case.pk)
    return session


@transaction.atomic
def mediation_conclude(
    *,
    actor: User,
    case: MediationCase,
    agreed: bool,
    agreement: str = "",
    agreed_amount_fen: int = 0,
    at: dt.datetime | None = None,
) -> MediationCase:
    appeal = lock(case.appeal_id)
    require_handler(actor, appeal)
    case = MediationCase.objects.select_for_update().get(pk=case.pk)
    if case.status != MediationCase.Status.OPEN:
        raise Conflict(_("调解已结束。"))
    if agreed_amount_fen < 0:
        raise ValidationFailed(fields={"agreed_amount_fen": _("金额不能为负数。")})
    if agreed and not (agreement or "").strip():
        raise ValidationFailed(fields={"agreement": _("请填写调解协议内容。")})
    at = moment(at)
    case.status = MediationCase.Status.AGREED if agreed else MediationCase.Status.FAILED
    case.agreement = (agreement or "").strip()[:5000]
    case.agreed_amount_fen = agreed_amount_fen
    case.fulfilment = MediationCase.Fulfilment.PENDING if agreed else MediationCase.Fulfilment.NONE
    case.closed_at = at
    case.save()
    event(
        appeal,
        AppealEvent.Kind.MEDIATION,
        actor=actor,
        at=at,
        text=case.get_status_display(),
        data={"case_id": case.pk, "agreed_amount_fen": agreed_amount_fen},
    )
    audit(actor, "rights.mediation.conclude", appeal, case=case.pk, agreed=agreed, amount=agreed_amount_fen)
    notify_worker(appeal, _("调解结果：%(s)s。") % {"s": case.get_status_display()})
    return case


@transaction.atomic
def mediation_fulfilment_record(
    *, actor: User, case: MediationCase, fulfilment: str, paid_amount_fen: int, at: dt.datetime | None = None
) -> MediationCase:
    appeal = lock(case.appeal_id)
    require_handler(actor, appeal)
    case = MediationCase.objects.select_for_update().get(pk=case.pk)
    if case.status != MediationCase.Status.AGREED:
        raise Conflict(_("只有达成协议的调解才需记录履行情况。"))
    if fulfilment not in {"pending", "partial", "fulfilled", "breached"}:
        raise ValidationFailed(fields={"fulfilment": _("履行情况无效。")})
    if paid_amount_fen < 0:
        raise ValidationFailed(fields={"paid_amount_fen": _("金额不能为负数。")})
    case.fulfilment = fulfilment
    case.paid_amount_fen = paid_amount_fen
    case.save()
    event(
        appeal,
        AppealEvent.Kind.MEDIATION,
        actor=actor,
        at=moment(at),
        text=case.get_fulfilment_display(),
        data={"case_id": case.pk, "paid_amount_fen": paid_amount_fen},
    )
    audit(
        actor,
        "rights.mediation.fulfilment",
        appeal,
        case=case.pk,
        fulfilment=fulfilment,
        paid=paid_amount_fen,
    )
    return case
