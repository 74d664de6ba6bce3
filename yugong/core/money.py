"""Money is integer fen everywhere; these helpers only parse and format at the edges."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext as _

from .errors import ValidationFailed
from .validators import clean_text


def format_fen(fen: int, *, symbol: bool = True) -> str:
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(int(fen)), 100)
    text = f"{sign}{yuan:,}.{cents:02d}"
    return f"¥{text}" if symbol else text


def parse_yuan(value: object, *, field: str = "amount") -> int:
    """'12.5', '¥1,200', '12.50元' -> fen. More than two decimals is an error, not a rounding."""
    raw = re.sub(r"[¥￥,元\s]", "", clean_text(value))
    try:
        amount = Decimal(raw)
    except InvalidOperation:
        raise ValidationFailed(fields={field: _("金额格式不正确。")}) from None
    if amount != amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP):
        raise ValidationFailed(fields={field: _("金额最多保留两位小数。")})
    return int(amount * 100)
