from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _

register = template.Library()


def _yuan(fen: int) -> str:
    yuan, cents = divmod(int(fen), 100)
    return f"{yuan:,}" if not cents else f"{yuan:,}.{cents:02d}"


@register.filter
def pay(post: Any) -> str:
    """6,000–8,000 元/月 (the range of a post, in yuan, per its pay period)."""
    low, high = _yuan(post.pay_min_fen), _yuan(post.pay_max_fen)
    amount = low if low == high else f"{low}–{high}"
    return _("%(amount)s 元/%(period)s") % {"amount": amount, "period": post.get_pay_period_display()}


@register.filter
def yuan(fen: int) -> str:
    return _yuan(fen or 0)
