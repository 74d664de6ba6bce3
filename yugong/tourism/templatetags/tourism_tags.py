from __future__ import annotations

from django import template

from yugong.core.money import format_fen

register = template.Library()


@register.filter
def fen(value: object) -> str:
    """Integer fen as ¥1,234.50."""
    try:
        return format_fen(int(value))  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return ""


@register.filter
def yuan(value: object) -> str:
    """Integer fen as a plain decimal for form fields (1234.50)."""
    try:
        return format_fen(int(value), symbol=False).replace(",", "")  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return ""


@register.filter
def picture_urls(product: object) -> list[str]:
    """The product's picture addresses (uploaded first); uses the selectors' prefetch."""
    from ..selectors import product_picture_urls

    return product_picture_urls(product)  # type: ignore[arg-type]


@register.filter
def cover_url(product: object) -> str:
    urls = picture_urls(product)
    return urls[0] if urls else ""


@register.filter
def pictures(product: object) -> list[dict[str, object]]:
    """url, srcset, width and height of each picture (uploaded first); uses the prefetch."""
    from ..selectors import product_pictures

    return product_pictures(product)  # type: ignore[arg-type]


@register.filter
def cover(product: object) -> dict[str, object] | None:
    found = pictures(product)
    return found[0] if found else None
