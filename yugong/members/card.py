"""The e-member card: a QR on the worker's phone encoding a verify URL with a signed, short-lived
token (``TimestampSigner``; default 5 minutes, ``MEMBER_CARD_TOKEN_SECONDS``). A screenshot stops
working after that; the card page renews the code before it expires. The token carries only the
membership id: nothing personal travels in the QR."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import segno
from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.translation import gettext as _

from yugong.core.errors import NotFound, ValidationFailed
from yugong.core.timeutil import now

from .models import Membership

_SALT = "yugong.members.card"


def card_token_seconds() -> int:
    return int(getattr(settings, "MEMBER_CARD_TOKEN_SECONDS", 300))


def card_token_issue(membership: Membership) -> tuple[str, dt.datetime]:
    token = signing.TimestampSigner(salt=_SALT).sign_object({"m": membership.pk})
    return token, now() + dt.timedelta(seconds=card_token_seconds())


def card_token_read(token: str) -> Membership:
    """The membership behind a card token, or a clear Chinese error (expired / forged)."""
    signer = signing.TimestampSigner(salt=_SALT)
    try:
        payload = signer.unsign_object(token, max_age=card_token_seconds())
    except signing.SignatureExpired:
        raise ValidationFailed(
            message=_("会员卡二维码已过期，请职工在“我的会员卡”页面刷新后重新出示。"),
            fields={"token": _("二维码已过期。")},
        ) from None
    except (signing.BadSignature, ValueError, TypeError):
        raise ValidationFailed(
            message=_("无效的会员卡二维码，可能是伪造或已损坏。"), fields={"token": _("二维码无效。")}
        ) from None
    pk = payload.get("m") if isinstance(payload, dict) else None
    membership = Membership.objects.select_related("person", "union").filter(pk=pk).first() if pk else None
    if membership is None:
        raise NotFound(_("未找到该会员卡对应的会籍。"))
    return membership


_VERIFY_PATH = re.compile(r"/members/verify/([^/?#\s]+)/?")
_TOKEN = re.compile(r"[\w:.\-]+")


def card_token_from_scan(text: str) -> str:
    """The token in what a scanner read from a card: the verify URL, its path, or the bare token
    ("" when it is neither). Whether the token is valid is ``card_token_read``'s business."""
    text = text.strip()
    match = _VERIFY_PATH.search(text)
    if match:
        return match.group(1)
    return text if len(text) <= 200 and _TOKEN.fullmatch(text) else ""


def card_verify_url(token: str, request: Any = None) -> str:
    """Absolute verify URL: ``PUBLIC_BASE_URL`` when set (as for join posters), else the host the
    request came in on."""
    path = reverse("members:verify", kwargs={"token": token})
    base = getattr(settings, "PUBLIC_BASE_URL", "") or ""
    if base:
        return base.rstrip("/") + path
    return str(request.build_absolute_uri(path)) if request is not None else path


def qr_svg(data: str, *, scale: int = 6) -> str:
    """An inline SVG (no XML declaration) for embedding in a page."""
    out = io.BytesIO()
    segno.make(data, error="m").save(out, kind="svg", scale=scale, border=2, xmldecl=False, svgns=True)
    return out.getvalue().decode()
