"""Template helpers of the reading campaign and the day's photos: stored pictures' URLs and
``srcset``, and the activity page's strip of published photos (so the page's own view is untouched)."""

from __future__ import annotations

from typing import Any

from django import template
from django.core.files.storage import default_storage

from yugong.core.images import srcset
from yugong.core.pii import mask_name

from ..photos import published_photos

register = template.Library()


@register.simple_tag
def media_url(name: str) -> str:
    return default_storage.url(name) if name else ""


@register.simple_tag
def picture_srcset(name: str, width: int, renditions: dict[str, str]) -> str:
    return srcset(name, width, renditions) if name else ""


@register.simple_tag
def photo_strip(activity: Any, limit: int = 4) -> list[Any]:
    """The newest published photos of ``activity`` (one query)."""
    return list(published_photos(activity)[:limit])


@register.filter
def masked(name: str) -> str:
    """Another reader's name as the board shows it (张*明)."""
    return mask_name(name)
