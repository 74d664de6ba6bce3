"""全国模范职工之家: the national-federation step of the 职工之家 ratings.

The city federation cannot confer a national title: it *recommends* one of its published 市级
titles to the ACFTU (全国总工会), and when the ACFTU has decided, city staff *record the result* —
conferred or not, with the ACFTU's document number (文号) and date. A conferred result creates the
全国 title (``HomeRating`` of level ``national``, counted in the totals by level and shown on the
union's page and in the rating lists).

* Who: staff holding a managing role *at the recommending city federation itself* (as for the
  review levels, a role inherited from above is not enough, and a district officer over the rated
  union sees the nomination but may not act: 403; anyone else: the same 404 as a missing one).
* Once: a 市级 title is recommended at most once (one-to-one), and the result is recorded by one
  conditional UPDATE from ``recommended`` (two clerks at once: one result, the other 409).
* Counted: ``homes.national_recommended`` and ``homes.national_conferred`` facts (by kind) and an
  ``orgs.home_national_result`` domain event.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.core.audit import audit_record
from yugong.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from yugong.core.events import event_publish
from yugong.core.facts import fact_record
from yugong.core.timeutil import local_today, now
from yugong.core.validators import clean_text

from ..access import MANAGE_ROLES
from ..models import HomeLevel, HomeNationalNomination, HomeRating, Union
from ..tree import ancestor_ids
from .common import _check
from .homes import REVIEWER_KINDS, holds_role_at


def _pk(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise NotFound() from None


def national_recommender(union: Union) -> Union | None:
    """The union that recommends ``union``'s titles to the ACFTU: the nearest active ancestor (or the
    union itself) of the kind that reviews the national level — the city federation."""
    ids = [*ancestor_ids(union.path), union.pk]
    found = [
        u
        for u in Union.objects.filter(pk__in=ids, status=Union.Status.ACTIVE)
        if u.kind in REVIEWER_KINDS[HomeLevel.NATIONAL]
    ]
    found.sort(key=lambda u: len(u.path), reverse=True)
    return found[0] if found else None


def require_city_staff(actor: User, recommender: Union | None, rated: Union) -> Union:
    """Staff at the city federation itself act; others who can see the rated union get 403, anyone
    else the same 404 as a missing object."""
    if recommender is None or not holds_role_at(actor, recommender):
        _check(actor, rated, MANAGE_ROLES)
        raise PermissionDenied(_("只有市总工会的工作人员可以办理全国模范职工之家推荐。"))
    return recommender


@transaction.atomic
def home_national_recommend(*, actor: User, rating_id: Any, note: Any = "") -> HomeNationalNomination:
    """Recommend a 市级 title to the ACFTU (once per title)."""
    rating = (
        HomeRating.objects.select_for_update(of=("self",))
        .select_related("union")
        .filter(pk=_pk(rating_id))
        .first()
    )
    if rating is None:
        raise NotFound()
    recommender = require_city_staff(actor, national_recommender(rating.union), rating.union)
    if rating.level != HomeLevel.CITY:
        raise ValidationFailed(fields={"rating": _("只能推荐市级模范职工之家（小家）。")})
    if rating.union.status != Union.Status.ACTIVE:
        raise ValidationFailed(fields={"rating": _("该工会已撤销，不能推荐。")})
    if HomeNationalNomination.objects.filter(rating=rating).exists():
        raise Conflict(_("该称号已推荐过全国总工会。"), code="already_recommended")
    try:
        with transaction.atomic():
            nomination = HomeNationalNomination.objects.create(
                rating=rating,
                union=rating.union,
                recommender=recommender,
                year=local_today().year,
                note=clean_text(note)[:300],
                recommended_by=actor,
            )
    except IntegrityError:  # a second clerk recommended it at the same moment
        raise Conflict(_("该称号已推荐过全国总工会。"), code="already_recommended") from None
    audit_record(
        actor=actor,
        action="home_rating.national_recommend",
        obj=nomination,
        union_id=rating.union_id,
        extra={"rating": rating.pk, "recommender": recommender.pk},
    )
    fact_record(metric="homes.national_recommended", union_id=rating.union_id, dim=rating.kind)
    return nomination


def _document(document_no: Any, document_date: Any, recommended_on: dt.date) -> tuple[str, dt.date]:
    errors: dict[str, Any] = {}
    number = clean_text(document_no)[:60]
    if not number:
        errors["document_no"] = _("请填写全国总工会文件的文号。")
    day: dt.date | None = None
    if isinstance(document_date, dt.datetime):
        day = document_date.date()
    elif isinstance(document_date, dt.date):
        day = document_date
    else:
        try:
            day = dt.date.fromisoformat(str(document_date or ""))
        except ValueError:
            day = None
    if day is None:
        errors["document_date"] = _("请填写发文日期。")
    elif day > local_today():
        errors["document_date"] = _("发文日期不能晚于今天。")
    elif day < recommended_on:
        errors["document_date"] = _("发文日期不能早于推荐日期。")
    if errors:
        raise ValidationFailed(fields=errors)
    assert day is not None  # noqa: S101 - narrowed by the errors above
    return number, day


@transaction.atomic
def home_national_result_record(
    *,
    actor: User,
    nomination_id: Any,
    conferred: Any,
    document_no: Any,
    document_date: Any,
    note: Any = "",
) -> HomeNationalNomination:
    """Record the ACFTU's decision on a recommendation (once). Conferred: the 全国 title is made
    for the year of the document."""
    nomination = (
        HomeNationalNomination.objects.select_related("union", "recommender", "rating")
        .filter(pk=_pk(nomination_id))
        .first()
    )
    if nomination is None:
        raise NotFound()
    require_city_staff(actor, nomination.recommender, nomination.union)
    if not isinstance(conferred, bool):
        raise ValidationFailed(fields={"conferred": _("请选择全国总工会是否命名。")})
    number, day = _document(document_no, document_date, nomination.recommended_at.date())
    at = now()
    status = (
        HomeNationalNomination.Status.CONFERRED if conferred else HomeNationalNomination.Status.NOT_CONFERRED
    )
    title: HomeRating | None = None
    if conferred:
        title, made = HomeRating.objects.get_or_create(
            union=nomination.union,
            kind=nomination.rating.kind,
            level=HomeLevel.NATIONAL,
            year=day.year,
            defaults={"note": _("全国总工会%(no)s") % {"no": number}},
        )
        if not made:
            raise Conflict(_("该工会本年度已有全国称号。"), code="already_conferred")
    written = HomeNationalNomination.objects.filter(
        pk=nomination.pk, status=HomeNationalNomination.Status.RECOMMENDED
    ).update(
        status=status,
        document_no=number,
        document_date=day,
        result_note=clean_text(note)[:300],
        result_by=actor,
        result_at=at,
        national_rating=title,
    )
    if not written:
        # Already recorded (by another clerk): nothing of this call stays (the title rolls back).
        raise Conflict(_("全国总工会的结果已登记。"), code="result_recorded")
    nomination.refresh_from_db()
    audit_record(
        actor=actor,
        action="home_rating.national_result",
        obj=nomination,
        union_id=nomination.union_id,
        extra={"conferred": conferred, "document_no": number, "document_date": day.isoformat()},
    )
    if conferred:
        fact_record(
            metric="homes.national_conferred", union_id=nomination.union_id, dim=nomination.rating.kind
        )
        fact_record(metric="homes.published", union_id=nomination.union_id, dim=str(HomeLevel.NATIONAL))
    event_publish(
        kind="orgs.home_national_result",
        payload={
            "nomination_id": nomination.pk,
            "union_id": nomination.union_id,
            "union": nomination.union.name,
            "kind": nomination.rating.kind,
            "conferred": conferred,
            "document_no": number,
            "document_date": day.isoformat(),
        },
        union_id=nomination.union_id,
        actor=actor,
    )
    return nomination
