"""Scan-to-join: every union's join URL as a QR code (PNG, SVG) and a printable A4 poster (PDF)."""

from __future__ import annotations

import io
from typing import Any

import segno
from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from .models import Union


def join_path(union: Union) -> str:
    """The H5 join page with this union chosen (members builds it; until then the fixed path)."""
    try:
        return reverse("members:join", kwargs={"code": union.code})
    except NoReverseMatch:
        return f"/join/{union.code}/"


def join_url(union: Union, request: Any = None) -> str:
    """Absolute join URL: ``PUBLIC_BASE_URL`` when set (posters printed from an intranet must point at
    the public address), else the address the request came in on."""
    path = join_path(union)
    base = getattr(settings, "PUBLIC_BASE_URL", "") or ""
    if base:
        return base.rstrip("/") + path
    if request is not None:
        return str(request.build_absolute_uri(path))
    return path


def _qr(url: str) -> segno.QRCode:
    return segno.make(url, error="m", micro=False)


def join_qr_png(union: Union, request: Any = None, *, scale: int = 8) -> bytes:
    buf = io.BytesIO()
    _qr(join_url(union, request)).save(buf, kind="png", scale=scale, border=2)
    return buf.getvalue()


def join_qr_svg(union: Union, request: Any = None, *, scale: int = 8) -> bytes:
    buf = io.BytesIO()
    _qr(join_url(union, request)).save(buf, kind="svg", scale=scale, border=2, xmldecl=True, svgns=True)
    return buf.getvalue()


def join_poster_pdf(union: Union, request: Any = None) -> bytes:
    """An A4 poster: union name, a big QR code, "扫码加入工会" and three short steps."""
    from reportlab.graphics import renderPDF
    from reportlab.graphics.barcode.qr import QrCodeWidget
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    from yugong.core.pdf import cjk_font_name

    font = cjk_font_name()
    url = join_url(union, request)
    width, height = A4
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, pagesize=A4)
    pdf.setTitle(f"{union.name} {_('扫码加入工会')}")
    pdf.setAuthor(settings.YUGONG_SITE_NAME)

    pdf.setFillColorRGB(0.75, 0.09, 0.12)
    pdf.rect(0, height - 40 * mm, width, 40 * mm, stroke=0, fill=1)
    pdf.setFillColorRGB(1, 1, 1)
    pdf.setFont(font, 30)
    pdf.drawCentredString(width / 2, height - 26 * mm, _("扫码加入工会"))

    pdf.setFillColorRGB(0, 0, 0)
    name_size = 24 if len(union.name) <= 20 else 18 if len(union.name) <= 28 else 14
    pdf.setFont(font, name_size)
    pdf.drawCentredString(width / 2, height - 58 * mm, union.name)

    side = 120 * mm
    widget = QrCodeWidget(url, barLevel="M")
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(side, side, transform=[side / (x1 - x0), 0, 0, side / (y1 - y0), 0, 0])
    drawing.add(widget)
    renderPDF.draw(drawing, pdf, (width - side) / 2, height - 70 * mm - side)

    pdf.setFont(font, 11)
    pdf.setFillColorRGB(0.35, 0.35, 0.35)
    pdf.drawCentredString(width / 2, height - 76 * mm - side, url)

    steps = [
        _("1. 用手机微信或浏览器扫描上方二维码"),
        _("2. 填写姓名、身份证号和手机号，确认所在单位"),
        _("3. 提交申请，工会审核通过后即可领取电子会员卡"),
    ]
    pdf.setFillColorRGB(0, 0, 0)
    pdf.setFont(font, 16)
    y = height - 92 * mm - side
    for step in steps:
        pdf.drawString(35 * mm, y, step)
        y -= 11 * mm
    pdf.setFont(font, 10)
    pdf.setFillColorRGB(0.4, 0.4, 0.4)
    pdf.drawCentredString(width / 2, 15 * mm, _("工会编码：%(code)s") % {"code": union.code})
    pdf.showPage()
    pdf.save()
    return buf.getvalue()
