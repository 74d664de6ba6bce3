"""Course certificates: issued in the transaction that completes the course (never by a later
job), a PDF with a verification QR (reportlab with the CJK font of ``core.pdf``; the QR drawn from
segno's matrix), a public verify page by code, and revocation by staff with a reason (audited).
The Open Badges 3.0 form of the same certificate is in ``badges.py``."""

from __future__ import annotations

import datetime as dt
import io
import secrets

import segno
from django.db import transaction
from django.urls import reverse
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.core.audit import audit_record
from yugong.core.errors import Conflict, NotFound, ValidationFailed
from yugong.core.facts import fact_record
from yugong.core.pdf import cjk_font_name
from yugong.core.timeutil import now as tz_now
from yugong.core.validators import clean_text
from yugong.orgs.access import MANAGE_ROLES, access_object, require_role

from .models import Certificate, Enrollment

# Codes without look-alike characters (0/O, 1/I/L), read aloud over the phone if need be.
_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def new_code() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(12))


def certificate_issue(*, enrollment: Enrollment, at: dt.datetime, actor: User | None) -> Certificate:
    """Issue the certificate of a completed enrollment (caller holds the enrollment's row lock, in
    the completing transaction). One per enrollment: a second call returns the first."""
    existing = Certificate.objects.filter(enrollment=enrollment).first()
    if existing is not None:
        return existing
    course = enrollment.course
    cert = Certificate.objects.create(
        code=new_code(),
        enrollment=enrollment,
        person_id=enrollment.person_id,
        course=course,
        union_id=course.union_id,
        title=course.title,
        provider_name=course.provider.name,
        credits=course.credits,
        issued_at=at,
    )
    audit_record(actor=actor, action="learning.certificate_issue", obj=cert, union_id=course.union_id)
    fact_record(metric="learning_certificates_issued", union_id=course.union_id)
    return cert


@transaction.atomic
def certificate_revoke(*, actor: User, certificate_id: int, reason: str) -> Certificate:
    """Staff managing the course's union revoke a certificate; the reason shows on the verify page."""
    found = access_object(Certificate.objects.select_related("union"), actor, certificate_id)
    require_role(actor, found.union, MANAGE_ROLES)
    reason = clean_text(reason)
    if not reason or len(reason) > 200:
        raise ValidationFailed(fields={"reason": _("请填写撤销原因（200字以内）。")})
    cert = Certificate.objects.select_for_update().get(pk=found.pk)
    if cert.revoked_at is not None:
        raise Conflict(_("该证书已撤销。"))
    cert.revoked_at = tz_now()
    cert.revoked_by = actor
    cert.revoke_reason = reason
    cert.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    audit_record(
        actor=actor,
        action="learning.certificate_revoke",
        obj=cert,
        union_id=cert.union_id,
        changes={"reason": ["", reason]},
    )
    return cert


def by_code(code: str) -> Certificate:
    cert = (
        Certificate.objects.select_related("person", "course")
        .filter(code=str(code or "").strip().upper()[:24])
        .first()
    )
    if cert is None:
        raise NotFound()
    return cert


def verify_path(cert: Certificate) -> str:
    return reverse("learning:verify", args=[cert.code])


def render_pdf(cert: Certificate, url: str) -> bytes:
    """The certificate as an A4 landscape PDF, with the QR of ``url`` (the verify page)."""
    from reportlab.graphics import renderPDF
    from reportlab.graphics.shapes import Drawing, Rect
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.pdfgen import canvas

    font = cjk_font_name()
    out = io.BytesIO()
    width, height = landscape(A4)
    c = canvas.Canvas(out, pagesize=(width, height))
    c.setTitle(cert.title)
    c.setLineWidth(3)
    c.rect(30, 30, width - 60, height - 60)
    c.setFont(font, 34)
    c.drawCentredString(width / 2, height - 110, _("结业证书"))
    c.setFont(font, 22)
    c.drawCentredString(width / 2, height - 190, cert.person.name)
    c.setFont(font, 16)
    c.drawCentredString(width / 2, height - 240, _("完成“%(t)s”课程全部学习内容") % {"t": cert.title})
    c.drawCentredString(
        width / 2, height - 275, _("获得 %(c)s 学分，存入终身学习账户。") % {"c": cert.credits}
    )
    c.drawCentredString(width / 2, height - 310, _("特发此证。"))
    c.setFont(font, 12)
    c.drawString(width - 330, 110, cert.provider_name)
    c.drawString(width - 330, 90, _("证书编号：%(code)s") % {"code": cert.code})
    c.drawString(width - 330, 70, f"{localtime(cert.issued_at):%Y-%m-%d}")
    matrix = list(segno.make(url, error="m").matrix)
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
