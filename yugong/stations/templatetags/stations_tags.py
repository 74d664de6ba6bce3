from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def distance(metres: float) -> str:
    """1234.5 -> "1.2 公里", 320 -> "320 米"."""
    if metres is None:
        return ""
    if metres < 1000:
        return _("%(n)d 米") % {"n": round(metres)}
    return _("%(n).1f 公里") % {"n": metres / 1000}
