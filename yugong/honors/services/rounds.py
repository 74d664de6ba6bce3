"""Rounds: create, quotas, the 公示 (published through news), the award (honours held, the register,
the final list as news, credits through an event, facts for the cockpit)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.html import escape
from django.utils.timezone import now
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.core.audit import audit_record
from yugong.core.calendar import add_working_days
from yugong.core.errors import Conflict, ValidationFailed
from yugong.core.events import event_publish
from yugong.core.facts import fact_record
from yugong.core.validators import clean_text
from yugong.news.models import Article
from yugong.news.services import article_post
from yugong.orgs.access import require_role
from yugong.orgs.models import Union
from yugong.orgs.tree import within

from ..models import Honour, HonourKind, Laureate, Nomination, Quota, Round, Target
from .common import REVIEW_ROLES, _step, lock_round

NOTICE_DAYS = (3, 15)  # 公示 of at least 3 and at most 15 working days


@transaction.atomic
def round_create(
    *, actor: User, union: Union, kind: HonourKind, year: int, title: str, deadline: dt.datetime
) -> Round:
    """A union opens a nomination round of ``kind`` for ``year``; unions below it nominate."""
    require_role(actor, union, REVIEW_ROLES)
    errors: dict[str, str] = {}
    title = clean_text(title)
    if not title or len(title) > 120:
        errors["title"] = _("请填写评选名称（120字以内）。")
    if not kind.active:
        errors["kind"] = _("该荣誉类型已停用。")
    if not 2000 <= int(year) <= 2100:
        errors["year"] = _("年度无效。")
    if deadline.tzinfo is None or deadline <= now():
        errors["deadline"] = _("推荐截止时间应晚于现在。")
    if errors:
        raise ValidationFailed(fields=errors)
    if Round.objects.filter(kind=kind, union=union, year=year).exists():
        raise ValidationFailed(fields={"year": _("本单位该年度已有同类评选。")})
    r = Round.objects.create(kind=kind, union=union, year=year, title=title, deadline=deadline)
    audit_record(actor=actor, action="honors.round_create", obj=r, union_id=union.pk)
    return r


@transaction.atomic
def quota_set(*, actor: User, round: Round | int, union: Union, places: int) -> Quota:
    """The organiser gives a union below it ``places`` nominations (never fewer than already used)."""
    r = lock_round(round.pk if isinstance(round, Round) else round)
    require_role(actor, r.union, REVIEW_ROLES)
    if r.status != Round.Status.OPEN:
        raise Conflict(_("评选已进入公示，不能再调整名额。"))
    if union.pk == r.union_id or not within(union.path, r.union.path):
        raise ValidationFailed(fields={"union": _("名额只能分配给组织单位下属的工会。")})
    if int(places) < 0 or int(places) > 10000:
        raise ValidationFailed(fields={"places": _("名额应在0到10000之间。")})
    quota = Quota.objects.select_for_update().filter(round=r, union=union).first()
    if quota is None:
        quota = Quota.objects.create(round=r, union=union, places=places)
        before = None
    else:
        if places < quota.used:
            raise ValidationFailed(
                fields={"places": _("已推荐%(used)d名，名额不能少于已用数。") % {"used": quota.used}}
            )
        before = quota.places
        quota.places = places
        quota.save(update_fields=["places"])
    audit_record(
        actor=actor,
        action="honors.quota_set",
        obj=quota,
        union_id=r.union_id,
        changes={"places": [before, places]},
        extra={"union": union.pk},
    )
    return quota


def _notice_body(r: Round, rows: list[Nomination], ends: dt.datetime) -> str:
    items = "".join(f"<li>{escape(n.nominee)}（{escape(n.work_unit)}）</li>" for n in rows)
    return _(
        "<p>经各级工会推荐、逐级审核，%(organiser)s拟授予以下%(count)d名（个）推荐对象“%(kind)s”：</p><ul>%(items)s</ul><p>公示期至%(ends)s。如有异议，请在公示期内通过“荣誉”栏目的“公示”提出。</p>"
    ) % {
        "organiser": escape(r.union.name),
        "count": len(rows),
        "kind": escape(r.kind.name),
        "items": items,
        "ends": ends.strftime("%Y-%m-%d"),
    }


@transaction.atomic
def notice_publish(*, actor: User, round: Round | int, working_days: int = 5) -> Round:
    """The organiser puts every approved nomination on 公示, published as news to its subtree."""
    r = lock_round(round.pk if isinstance(round, Round) else round)
    require_role(actor, r.union, REVIEW_ROLES)
    if r.status != Round.Status.OPEN:
        raise Conflict(_("该评选已公示。"))
    if not NOTICE_DAYS[0] <= int(working_days) <= NOTICE_DAYS[1]:
        raise ValidationFailed(fields={"working_days": _("公示期应为3到15个工作日。")})
    rows = list(
        Nomination.objects.select_for_update()
        .filter(round=r, status=Nomination.Status.APPROVED)
        .order_by("pk")
    )
    if not rows:
        raise Conflict(_("还没有审定拟表彰的推荐对象，不能公示。"))
    ends = add_working_days(now(), int(working_days))
    article = article_post(
        actor=actor,
        union=r.union,
        kind=Article.Kind.PUBLICITY,
        title=_("%(title)s拟表彰对象公示") % {"title": r.title},
        body_html=_notice_body(r, rows, ends),
        source=f"honors.round:{r.pk}:notice",
    )
    Nomination.objects.filter(pk__in=[n.pk for n in rows]).update(
        status=Nomination.Status.NOTICE, updated_at=now()
    )
    for n in rows:
        _step(n, "notice", r.union, actor, ends.strftime("%Y-%m-%d"))
    r.status = Round.Status.NOTICE
    r.notice_article_id = article.pk
    r.notice_ends_at = ends
    r.save(update_fields=["status", "notice_article_id", "notice_ends_at"])
    audit_record(
        actor=actor,
        action="honors.notice_publish",
        obj=r,
        union_id=r.union_id,
        changes={"status": [Round.Status.OPEN, Round.Status.NOTICE]},
        extra={"nominations": len(rows), "article": article.pk},
    )
    return r


def _award_body(r: Round, honours: list[Honour]) -> str:
    items = "".join(
        f"<li>{escape(h.holder)}{'（' + escape(h.work_unit) + '）' if h.work_unit else ''}</li>"
        for h in honours
    )
    return _("<p>%(organiser)s决定授予以下%(count)d名（个）对象“%(kind)s”：</p><ul>%(items)s</ul>") % {
        "organiser": escape(r.union.name),
        "count": len(honours),
        "kind": escape(r.kind.name),
        "items": items,
    }


@transaction.atomic
def round_award(*, actor: User, round: Round | int) -> Round:
    """After the 公示 ends with every objection handled: award the nominations on notice. Each
    award is an honour held; a person's honour puts them on the 劳模工匠 register (titles) and
    publishes ``honors.honour_awarded`` (the credit bank deposits an outcome on it); the final list
    is published as news; facts count awards by level."""
    r = lock_round(round.pk if isinstance(round, Round) else round)
    require_role(actor, r.union, REVIEW_ROLES)
    if r.status != Round.Status.NOTICE:
        raise Conflict(_("评选未在公示阶段，不能表彰。"))
    if r.notice_ends_at is None or now() < r.notice_ends_at:
        raise Conflict(_("公示期未满，不能表彰。"))
    qs = Nomination.objects.select_for_update().filter(round=r)
    if qs.filter(status=Nomination.Status.OBJECTED).exists():
        raise Conflict(_("公示异议处理完毕后才能表彰。"))
    rows = list(qs.filter(status=Nomination.Status.NOTICE).select_related("union").order_by("pk"))
    at = now()
    honours = [
        Honour.objects.create(
            kind=r.kind,
            year=r.year,
            union=n.union,
            person_id=n.person_id,
            holder=n.nominee,
            work_unit=n.work_unit,
            nomination=n,
            awarded_at=at,
        )
        for n in rows
    ]
    Nomination.objects.filter(pk__in=[n.pk for n in rows]).update(
        status=Nomination.Status.AWARDED, updated_at=at
    )
    for n, h in zip(rows, honours, strict=True):
        _step(n, "awarded", r.union, actor)
        fact_record(metric="honors_awarded", union_id=n.union_id, dim=r.kind.level)
        if h.person_id is not None:
            if r.kind.target == Target.PERSON and r.kind.register_title:
                _register(person_id=h.person_id, union=n.union, name=h.holder, title=r.kind.register_title)
            event_publish(
                kind="honors.honour_awarded",
                payload={
                    "honour_id": h.pk,
                    "person_id": h.person_id,
                    "kind": r.kind.code,
                    "kind_name": r.kind.name,
                    "level": r.kind.level,
                    "year": r.year,
                },
                union_id=n.union_id,
                actor=actor,
            )
    article = None
    if honours:
        article = article_post(
            actor=actor,
            union=r.union,
            kind=Article.Kind.HONOUR,
            title=_("%(title)s表彰名单") % {"title": r.title},
            body_html=_award_body(r, honours),
            source=f"honors.round:{r.pk}:award",
        )
    r.status = Round.Status.AWARDED
    r.awarded_at = at
    r.award_article_id = article.pk if article else None
    r.save(update_fields=["status", "awarded_at", "award_article_id"])
    audit_record(
        actor=actor,
        action="honors.round_award",
        obj=r,
        union_id=r.union_id,
        changes={"status": [Round.Status.NOTICE, Round.Status.AWARDED]},
        extra={"honours": len(honours)},
    )
    return r


def _register(*, person_id: int, union: Union, name: str, title: str) -> None:
    """Put an honoured person on the register (the first title stays; a later one is added)."""
    laureate = Laureate.objects.select_for_update().filter(person_id=person_id).first()
    if laureate is None:
        Laureate.objects.create(person_id=person_id, union=union, name=name, title=title)
    elif title not in laureate.title.split("、"):
        laureate.title = f"{laureate.title}、{title}"[:60]
        laureate.save(update_fields=["title"])
