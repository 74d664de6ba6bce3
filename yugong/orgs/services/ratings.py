"""职工之家 ratings: record and delete."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.core.audit import audit_record
from yugong.core.errors import ValidationFailed
from yugong.core.validators import clean_text

from ..access import MANAGE_ROLES
from ..models import HomeLevel, HomeRating, Union
from .common import _check, _full_clean
from .national import national_recommender, require_city_staff


@transaction.atomic
def home_rating_create(
    *, actor: User, union: Union, level: str, kind: str, year: int, note: str = ""
) -> HomeRating:
    _check(actor, union, MANAGE_ROLES)
    if level == HomeLevel.NATIONAL:
        # A national title (recorded by hand, e.g. one conferred before the platform) is the city
        # federation's to record, as the national result is (``services.national``).
        require_city_staff(actor, national_recommender(union), union)
    rating = HomeRating(union=union, level=level, kind=kind, year=year, note=clean_text(note))
    if HomeRating.objects.filter(union=union, level=level, kind=kind, year=year).exists():
        raise ValidationFailed(fields={"year": _("该工会本年度已有同级别、同类别的评定。")})
    _full_clean(rating, exclude=["union"])
    try:
        with transaction.atomic():
            rating.save()
    except IntegrityError:
        raise ValidationFailed(fields={"year": _("该工会本年度已有同级别、同类别的评定。")}) from None
    audit_record(
        actor=actor,
        action="home_rating.create",
        obj=rating,
        union_id=union.pk,
        changes={"level": [None, level], "kind": [None, kind], "year": [None, year]},
    )
    return rating


@transaction.atomic
def home_rating_delete(*, actor: User, rating: HomeRating) -> None:
    _check(actor, rating.union, MANAGE_ROLES)
    audit_record(
        actor=actor,
        action="home_rating.delete",
        obj=rating,
        union_id=rating.union_id,
        changes={"year": [rating.year, None], "level": [rating.level, None], "kind": [rating.kind, None]},
    )
    rating.delete()
