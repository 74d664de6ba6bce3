"""QR images (segno, SVG data URIs — allowed by the CSP's img-src)."""

from __future__ import annotations

import segno


def qr_data_uri(text: str, *, scale: int = 5) -> str:
    return str(segno.make(text, error="m").svg_data_uri(scale=scale, border=2))


def ticket_qr_text(token: str) -> str:
    return f"YGT1.{token}"
