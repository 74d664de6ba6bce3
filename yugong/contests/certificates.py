"""Certificates (PDF, reportlab with the CJK font of core.pdf) with a verification QR.

The QR encodes ``/contests/verify/<token>/``; the token is a signature (no expiry) over
``{"k": "q"|"s", "id": <entry id>}`` — a knowledge-contest participation or a skills-competition
entry member. The verify page shows the masked name, the contest and the result.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import segno
from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.translation import gettext as _

from yugong.core.errors import NotFound, ValidationFailed
from yugong.core.pdf import cjk_font_name

from .models import ContestEntry, EntryMember, StageResult

_SALT = "yugong.contests.certificate"


@dataclass(frozen=True)
class CertificateFacts:
    kind: str
    name: str
    title: str
    organiser: str
    result: str
    issued: str


def token_for(kind: str, pk: int) -> str:
    return signing.Signer(salt=_SALT).sign_object({"k": kind, "id": pk})


def verify_url(token: str, request: Any = None) -> str:
    path = reverse("contests:verify", kwargs={"token": token})
    base = getattr(settings, "PUBLIC_BASE_URL", "") or ""
    if base:
        return base.rstrip("/") + path
    return str(request.build_absolute_uri(path)) if request is not None else path


def quiz_facts(entry: ContestEntry) -> CertificateFacts:
    if entry.score is None:
        raise NotFound(_("尚无成绩，暂不能生成证书。"))
    return CertificateFacts(
        kind="q",
        name=entry.display_name,
        title=entry.contest.title,
        organiser=entry.contest.organiser.name,
        result=_("成绩 %(s)s 分") % {"s": entry.score},
        issued=f"{entry.scored_at:%Y-%m-%d}" if entry.scored_at else "",
    )


def skills_facts(member: EntryMember) -> CertificateFacts:
    entry = member.entry
    result = StageResult.objects.filter(entry=entry).select_related("stage").order_by("-stage__order").first()
    if result is None or entry.competition.status != "published":
        raise NotFound(_("成绩尚未发布，暂不能生成证书。"))
    return CertificateFacts(
        kind="s",
        name=member.person.name,
        title=entry.competition.title,
        organiser=entry.competition.organiser.name,
        result=_("%(stage)s 第 %(r)s 名（%(s)s 分）")
        % {"stage": result.stage.name, "r": result.rank, "s": result.score},
        issued=f"{entry.competition.review_ends_at:%Y-%m-%d}" if entry.competition.review_ends_at else "",
    )


def read_token(token: str) -> CertificateFacts:
    try:
        data = signing.Signer(salt=_SALT).unsign_object(token)
    except (signing.BadSignature, ValueError, TypeError):
        raise ValidationFailed(message=_("无效的证书二维码。"), fields={"token": _("二维码无效。")}) from None
    kind, pk = data.get("k"), data.get("id")
    if kind == "q":
        entry = ContestEntry.objects.select_related("contest__organiser").filter(pk=pk).first()
        if entry is None:
            raise NotFound()
        return quiz_facts(entry)
    member = (
        EntryMember.objects.select_related("entry__competition__organiser", "person").filter(pk=pk).first()
        if kind == "s"
        else None
    )
    if member is None:
        raise NotFound()
    return skills_facts(member)


def render_pdf(facts: CertificateFacts, url: str) -> bytes:
    from reportlab.graphics import renderPDF
    from reportlab.graphics.shapes import Drawing, Rect
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.pdfgen import canvas

    font = cjk_font_name()
    out = io.BytesIO()
    width, height = landscape(A4)
    c = canvas.Canvas(out, pagesize=(width, height))
    c.setTitle(facts.title)
    c.setLineWidth(3)
    c.rect(30, 30, width - 60, height - 60)
    c.setFont(font, 34)
    heading = _("参赛证书") if facts.kind == "q" else _("荣誉证书")
    c.drawCentredString(width / 2, height - 110, heading)
    c.setFont(font, 22)
    c.drawCentredString(width / 2, height - 190, facts.name)
    c.setFont(font, 16)
    c.drawCentredString(width / 2, height - 240, _("参加“%(t)s”") % {"t": facts.title})
    c.drawCentredString(width / 2, height - 275, facts.result)
    c.drawCentredString(width / 2, height - 310, _("特发此证。"))
    c.setFont(font, 12)
    c.drawString(width - 330, 90, facts.organiser)
    c.drawString(width - 330, 70, facts.issued)
    # The QR: segno's matrix drawn as rectangles (vector, no image files).
    qr = segno.make(url, error="m")
    matrix = list(qr.matrix)
    size = 110
    cell = size / (len(matrix) + 4)
    d = Drawing(size, size)
    for y, row in enumerate(matrix):
        for x, v in enumerate(row):
            if v:
                d.add(
                    Rect(
                        (x + 2) * cell, size - (y + 3) * cell, cell, cell, fillColor="black", strokeColor=None
                    )
                )
    renderPDF.draw(d, c, 60, 55)
    c.setFont(font, 9)
    c.drawString(60, 45, _("扫码验证证书真伪"))
    c.showPage()
    c.save()
    return out.getvalue()
