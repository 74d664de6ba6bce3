"""The stations API router and the pieces its modules share."""

from typing import Literal

from django.utils.translation import gettext as _
from ninja import Router

from yugong.core.errors import ValidationFailed

from ..models import AMENITY_KEYS, amenity_mask

router = Router(tags=["stations"])

Coord = Literal["wgs84", "gcj02"]


def amenities_mask(values: list[str] | None) -> int:
    try:
        return amenity_mask(values or [])
    except KeyError:
        raise ValidationFailed(
            fields={"amenity": _("未知的服务设施，可选：%(keys)s。") % {"keys": "、".join(AMENITY_KEYS)}}
        ) from None
