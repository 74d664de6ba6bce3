"""职工之家 ratings as a workflow: score sheets, applications, review up the tree, publication and
re-assessment.

* **Score sheet** (评分表): criteria with maximum scores and whether evidence is required, a pass
  score and the re-assessment period in years; kept by a union for its subtree.
* **Application**: the applicant union's staff score each criterion with evidence files, then
  submit. The review ladder is computed from the tree: for each level from 基层 up to the level
  applied for, the nearest ancestor of that level's kind reviews (基层级 by a grassroots union above,
  区县级 by a district/industry union, 市级 and 全国推荐 by the city federation); levels with no such
  ancestor are skipped.
* **Decisions**: only staff holding a managing role *at the reviewing union itself* decide (a city
  officer cannot decide for a district). A decision is one conditional UPDATE on the application's
  ``version`` (the version the reviewer saw): two reviewers deciding at once give one decision, the
  other gets 409. Passing at the last level approves; 退回 sends it back to the applicant; 不通过
  ends it.
* **Publication**: the top reviewer publishes the approved applications of a level and year as
  titles (``HomeRating``, due for re-assessment after the sheet's period) and a
  ``orgs.home_ratings_published`` event (news turns it into a notice).
* **Re-assessment**: :func:`home_reassessments_generate` opens a draft application for every title
  whose re-assessment year has come (once per title: a one-to-one link).
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.accounts.system import system_actor
from yugong.core.audit import audit_record
from yugong.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from yugong.core.events import event_publish
from yugong.core.facts import fact_record
from yugong.core.filetypes import content_matches_name
from yugong.core.timeutil import local_today, now
from yugong.core.validators import clean_text

from ..access import MANAGE_ROLES, grants
from ..models import (
    LEVEL_ORDER,
    HomeApplication,
    HomeCriterion,
    HomeLevel,
    HomeRating,
    HomeReview,
    HomeScore,
    HomeScoreSheet,
    Union,
)
from ..tree import ancestor_ids, within
from .common import _check, _require_active

# Which kinds of union review each level.
REVIEWER_KINDS: dict[str, frozenset[str]] = {
    HomeLevel.GRASSROOTS: frozenset({"grassroots", "joint", "federation"}),
    HomeLevel.DISTRICT: frozenset({"district", "industry"}),
    HomeLevel.CITY: frozenset({"city"}),
    HomeLevel.NATIONAL: frozenset({"city"}),  # the city federation recommends to the national one
}


def national_by_recommendation() -> str:
    """全国 titles are conferred by the ACFTU on the city federation's recommendation of a 市级 title
    (``services.national``), never applied for or published here."""
    return _("全国模范职工之家由市总工会从市级称号中推荐、全国总工会命名，不能直接申报或公布。")


EVIDENCE_TYPES = {".pdf": "application/pdf", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"}
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024

# Test-only: the race test's control decides without the version/status condition.
_UNGUARDED_DECISION = False


def _pk(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise NotFound() from None


# --- score sheets -----------------------------------------------------------------------------------


@transaction.atomic
def home_sheet_create(
    *,
    actor: User,
    union: Union,
    name: Any,
    kind: Any,
    pass_score: Any,
    reassess_years: Any,
    criteria: list[tuple[Any, Any, Any]],
) -> HomeScoreSheet:
    """A score sheet with its criteria ``(title, max_score, evidence_required)``; row errors name
    the criterion's line."""
    _check(actor, union, MANAGE_ROLES)
    errors: dict[str, Any] = {}
    name = clean_text(name)[:120]
    if not name:
        errors["name"] = _("请填写评分表名称。")
    if kind not in HomeRating.Kind.values:
        errors["kind"] = _("不是有效的类别。")
    rows: list[tuple[str, int, bool]] = []
    for n, (title, max_score, evidence) in enumerate(criteria, start=1):
        title = clean_text(title)[:200]
        try:
            top = int(max_score)
        except (TypeError, ValueError):
            top = 0
        if not title:
            errors[f"criteria.{n}"] = _("第%(n)s项：请填写评分项。") % {"n": n}
        elif not 1 <= top <= 1000:
            errors[f"criteria.{n}"] = _("第%(n)s项：满分应在1到1000之间。") % {"n": n}
        rows.append((title, top, bool(evidence)))
    if not rows:
        errors["criteria"] = _("请至少填写一个评分项。")
    total = sum(r[1] for r in rows)
    try:
        passing = int(pass_score)
    except (TypeError, ValueError):
        passing = -1
    if not 0 < passing <= max(total, 1):
        errors["pass_score"] = _("达标分应大于0且不超过满分合计（%(t)s）。") % {"t": total}
    try:
        years = int(reassess_years)
    except (TypeError, ValueError):
        years = 0
    if not 1 <= years <= 10:
        errors["reassess_years"] = _("复核周期应为1到10年。")
    if errors:
        raise ValidationFailed(fields=errors)
    sheet = HomeScoreSheet.objects.create(
        union=union, name=name, kind=kind, pass_score=passing, reassess_years=years
    )
    HomeCriterion.objects.bulk_create(
        HomeCriterion(sheet=sheet, position=n, title=t, max_score=m, evidence_required=e)
        for n, (t, m, e) in enumerate(rows, start=1)
    )
    audit_record(
        actor=actor, action="home_sheet.create", obj=sheet, union_id=union.pk, extra={"criteria": len(rows)}
    )
    return sheet


# --- the review ladder ------------------------------------------------------------------------------


def review_ladder(union: Union, level: str) -> list[tuple[str, Union]]:
    """(level, reviewing union) from the lowest level with a reviewer up to ``level``."""
    if level not in HomeLevel.values:
        raise ValidationFailed(fields={"level": _("不是有效的申报级别。")})
    ancestors = list(Union.objects.filter(pk__in=ancestor_ids(union.path), status=Union.Status.ACTIVE))
    ancestors.sort(key=lambda u: len(u.path), reverse=True)  # nearest first
    ladder: list[tuple[str, Union]] = []
    for step in LEVEL_ORDER[: LEVEL_ORDER.index(HomeLevel(level)) + 1]:
        reviewer = next((u for u in ancestors if u.kind in REVIEWER_KINDS[step]), None)
        if reviewer is not None:
            ladder.append((str(step), reviewer))
    if not ladder or ladder[-1][0] != level:
        raise ValidationFailed(fields={"level": _("本工会之上没有该级别的评审工会。")})
    return ladder


def holds_role_at(user: Any, union: Union, roles: frozenset[str] = MANAGE_ROLES) -> bool:
    """A role held at this very union (not inherited from above): who may decide at a level."""
    return any(g.union_id == union.pk and g.role in roles for g in grants(user))


# --- applications -----------------------------------------------------------------------------------


@transaction.atomic
def home_application_create(
    *, actor: User, union: Union, sheet_id: Any, level: Any, year: Any, summary: Any = ""
) -> HomeApplication:
    _check(actor, union, MANAGE_ROLES)
    _require_active(union)
    if level == HomeLevel.NATIONAL:
        raise ValidationFailed(fields={"level": national_by_recommendation()})
    sheet = HomeScoreSheet.objects.filter(pk=_pk(sheet_id), active=True).select_related("union").first()
    if sheet is None or not within(union.path, sheet.union.path):
        raise ValidationFailed(fields={"sheet": _("请选择适用于本工会的评分表。")})
    review_ladder(union, str(level))
    try:
        year = int(year)
    except (TypeError, ValueError):
        year = 0
    if not 1980 <= year <= local_today().year + 1:
        raise ValidationFailed(fields={"year": _("请填写有效的年度。")})
    try:
        with transaction.atomic():
            app = HomeApplication.objects.create(
                union=union,
                sheet=sheet,
                kind=sheet.kind,
                level=level,
                year=year,
                summary=clean_text(summary)[:4000],
                created_by=actor,
            )
    except IntegrityError:
        raise Conflict(_("本工会该年度已有同级别、同类别的申报。"), code="duplicate_application") from None
    audit_record(actor=actor, action="home_application.create", obj=app, union_id=union.pk)
    fact_record(metric="homes.applications", union_id=union.pk, dim=str(level))
    return app


def _own_draft(actor: User, application_id: Any) -> HomeApplication:
    app = (
        HomeApplication.objects.select_for_update(of=("self",))
        .select_related("union", "sheet")
        .filter(pk=_pk(application_id))
        .first()
    )
    if app is None:
        raise NotFound()
    _check(actor, app.union, MANAGE_ROLES)
    if app.status not in (HomeApplication.Status.DRAFT, HomeApplication.Status.RETURNED):
        raise Conflict(_("申报已提交，不能再修改。"))
    return app


def check_evidence(upload: Any) -> None:
    """PDF or picture, at most 10 MB: checked by extension and by the file's first bytes."""
    name = str(getattr(upload, "name", "") or "")
    ext = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    size = int(getattr(upload, "size", 0) or 0)
    if ext not in EVIDENCE_TYPES:
        raise ValidationFailed(fields={"evidence": _("佐证材料须为 PDF、JPG 或 PNG 文件。")})
    if not 0 < size <= EVIDENCE_MAX_BYTES:
        raise ValidationFailed(fields={"evidence": _("佐证材料不能为空，且不超过10MB。")})
    if content_matches_name(upload, ext.lstrip(".")) is None:
        raise ValidationFailed(fields={"evidence": _("文件内容与扩展名不符。")})


@transaction.atomic
def home_score_set(
    *, actor: User, application_id: Any, criterion_id: Any, score: Any, note: Any = "", evidence: Any = None
) -> HomeScore:
    app = _own_draft(actor, application_id)
    criterion = HomeCriterion.objects.filter(pk=_pk(criterion_id), sheet_id=app.sheet_id).first()
    if criterion is None:
        raise ValidationFailed(fields={"criterion": _("该评分项不属于本申报的评分表。")})
    try:
        value = int(score)
    except (TypeError, ValueError):
        value = -1
    if not 0 <= value <= criterion.max_score:
        raise ValidationFailed(
            fields={
                "score": _("“%(c)s”的得分应在0到%(m)s之间。")
                % {"c": criterion.title, "m": criterion.max_score}
            }
        )
    if evidence is not None:
        check_evidence(evidence)
    row, _created = HomeScore.objects.get_or_create(
        application=app, criterion=criterion, defaults={"score": value}
    )
    row.score = value
    row.note = clean_text(note)[:200]
    if evidence is not None:
        row.evidence.save(evidence.name, evidence, save=False)
        row.evidence_name = str(evidence.name)[-120:]
    row.save()
    audit_record(
        actor=actor,
        action="home_application.score",
        obj=app,
        union_id=app.union_id,
        extra={"criterion": criterion.pk, "score": value, "evidence": bool(evidence)},
    )
    return row


@transaction.atomic
def home_application_submit(*, actor: User, application_id: Any) -> HomeApplication:
    """Every criterion scored (with evidence where required): off to the first review level."""
    app = _own_draft(actor, application_id)
    criteria = list(HomeCriterion.objects.filter(sheet_id=app.sheet_id))
    scores = {s.criterion_id: s for s in HomeScore.objects.filter(application=app)}
    errors: dict[str, Any] = {}
    for c in criteria:
        s = scores.get(c.pk)
        if s is None:
            errors[f"criterion.{c.position}"] = _("第%(n)s项“%(t)s”尚未评分。") % {
                "n": c.position,
                "t": c.title,
            }
        elif c.evidence_required and not s.evidence:
            errors[f"criterion.{c.position}"] = _("第%(n)s项“%(t)s”须上传佐证材料。") % {
                "n": c.position,
                "t": c.title,
            }
    if errors:
        raise ValidationFailed(fields=errors)
    stage, reviewer = review_ladder(app.union, app.level)[0]
    HomeApplication.objects.filter(pk=app.pk).update(
        status=HomeApplication.Status.REVIEWING,
        stage=stage,
        reviewer=reviewer,
        self_score=sum(s.score for s in scores.values()),
        submitted_at=now(),
        version=app.version + 1,
    )
    app.refresh_from_db()
    audit_record(actor=actor, action="home_application.submit", obj=app, union_id=app.union_id)
    return app


@transaction.atomic
def home_application_decide(
    *,
    actor: User,
    application_id: Any,
    version: Any,
    decision: Any,
    score: Any = None,
    note: Any = "",
) -> HomeApplication:
    """A decision at the current level by staff of the reviewing union itself. One conditional
    UPDATE on ``version``: a second reviewer who saw the same version gets 409 and nothing is
    written for them."""
    app = (
        HomeApplication.objects.select_related("union", "reviewer", "sheet")
        .filter(pk=_pk(application_id), status=HomeApplication.Status.REVIEWING)
        .first()
    )
    if app is None or app.reviewer is None:
        raise NotFound()
    if not holds_role_at(actor, app.reviewer):
        # Staff above the reviewing union see it (403); anyone else gets the same 404 as missing.
        _check(actor, app.reviewer, MANAGE_ROLES)
        raise PermissionDenied(_("只有%(u)s的工作人员可以审核本级。") % {"u": app.reviewer.name})
    if decision not in HomeReview.Decision.values:
        raise ValidationFailed(fields={"decision": _("请选择审核结论。")})
    text = clean_text(note)[:300]
    value: int | None = None
    if decision == HomeReview.Decision.PASS:
        top = sum(HomeCriterion.objects.filter(sheet_id=app.sheet_id).values_list("max_score", flat=True))
        try:
            value = int(score)
        except (TypeError, ValueError):
            value = -1
        if not 0 <= value <= top:
            raise ValidationFailed(fields={"score": _("请填写审核得分（0到%(t)s）。") % {"t": top}})
        if value < app.sheet.pass_score:
            raise ValidationFailed(
                fields={"score": _("审核得分低于达标分%(p)s，不能通过。") % {"p": app.sheet.pass_score}}
            )
    elif not text:
        raise ValidationFailed(fields={"note": _("退回或不通过时请填写审核意见。")})
    ladder = review_ladder(app.union, app.level)
    levels = [s for s, _u in ladder]
    changes: dict[str, Any] = {"version": app.version + 1, "review_score": value}
    if (
        decision == HomeReview.Decision.PASS
        and app.stage in levels
        and levels.index(app.stage) + 1 < len(ladder)
    ):
        changes["stage"], changes["reviewer"] = ladder[levels.index(app.stage) + 1]
    elif decision == HomeReview.Decision.PASS:
        changes.update(status=HomeApplication.Status.APPROVED)
    else:
        changes.update(
            status=HomeApplication.Status.RETURNED
            if decision == HomeReview.Decision.RETURN
            else HomeApplication.Status.REJECTED,
            stage="",
            reviewer=None,
        )
    guard = (
        {}
        if _UNGUARDED_DECISION
        else {"status": HomeApplication.Status.REVIEWING, "stage": app.stage, "version": _pk(version)}
    )
    decided = HomeApplication.objects.filter(pk=app.pk, **guard).update(**changes)
    if not decided:
        raise Conflict(_("该申报已由其他审核人处理，请刷新后查看。"), code="already_decided")
    HomeReview.objects.create(
        application=app,
        stage=app.stage,
        reviewer=app.reviewer,
        decision=decision,
        score=value,
        note=text,
        decided_by=actor,
    )
    audit_record(
        actor=actor,
        action="home_application.pass"
        if decision == HomeReview.Decision.PASS
        else (
            "home_application.return" if decision == HomeReview.Decision.RETURN else "home_application.reject"
        ),
        obj=app,
        union_id=app.reviewer_id,
        extra={"stage": app.stage, "score": value},
    )
    app.refresh_from_db()
    return app


@transaction.atomic
def home_ratings_publish(*, actor: User, union: Union, level: Any, year: Any) -> list[HomeRating]:
    """The top reviewer (staff at ``union`` itself) publishes its approved applications of a level
    and year: each becomes a title due for re-assessment, and one event carries the list to news."""
    if not holds_role_at(actor, union):
        _check(actor, union, MANAGE_ROLES)
        raise PermissionDenied()
    if level == HomeLevel.NATIONAL:
        raise ValidationFailed(fields={"level": national_by_recommendation()})
    # Approved at this union's own last level (ids first: FOR UPDATE cannot carry a DISTINCT).
    ids = set(
        HomeReview.objects.filter(
            reviewer=union,
            stage=level,
            decision=HomeReview.Decision.PASS,
            application__status=HomeApplication.Status.APPROVED,
            application__year=_pk(year),
            application__level=level,
        ).values_list("application_id", flat=True)
    )
    apps = list(
        HomeApplication.objects.select_for_update(of=("self",))
        .select_related("union", "sheet")
        .filter(pk__in=sorted(ids), status=HomeApplication.Status.APPROVED)
        .order_by("union__path")
    )
    if not apps:
        raise Conflict(_("没有待公布的已通过申报。"))
    ratings: list[HomeRating] = []
    for app in apps:
        rating, _created = HomeRating.objects.get_or_create(
            union=app.union,
            kind=app.kind,
            level=app.level,
            year=app.year,
            defaults={"reassess_year": app.year + app.sheet.reassess_years, "note": _("经评审命名")},
        )
        HomeApplication.objects.filter(pk=app.pk).update(
            status=HomeApplication.Status.PUBLISHED, rating=rating, published_at=now()
        )
        fact_record(metric="homes.published", union_id=app.union_id, dim=app.level)
        ratings.append(rating)
    audit_record(
        actor=actor,
        action="home_ratings.publish",
        obj=union,
        union_id=union.pk,
        extra={"level": level, "year": year, "count": len(ratings)},
    )
    event_publish(
        kind="orgs.home_ratings_published",
        payload={
            "union_id": union.pk,
            "level": str(level),
            "level_label": str(HomeLevel(level).label),
            "year": int(year),
            "titles": [{"union": r.union.name, "kind": str(r.get_kind_display())} for r in ratings],
        },
        union_id=union.pk,
        actor=actor,
    )
    return ratings


@transaction.atomic
def home_reassessments_generate(*, today: Any = None) -> int:
    """Open a draft re-assessment application for each title whose re-assessment year has come
    (once per title; runs daily, or ``manage.py home_reassessments``)."""
    year = (today or local_today()).year
    actor = system_actor()
    made = 0
    due = (
        HomeRating.objects.filter(reassess_year__lte=year, reassessment__isnull=True)
        .select_related("union")
        .order_by("pk")[:1000]
    )
    for rating in due:
        sheet = (
            HomeScoreSheet.objects.filter(kind=rating.kind, active=True)
            .select_related("union")
            .order_by("-id")
        )
        sheet_row = next((s for s in sheet if within(rating.union.path, s.union.path)), None)
        if sheet_row is None or rating.union.status != Union.Status.ACTIVE:
            continue
        try:
            with transaction.atomic():
                app = HomeApplication.objects.create(
                    union=rating.union,
                    sheet=sheet_row,
                    kind=rating.kind,
                    level=rating.level,
                    year=year,
                    reassessment_of=rating,
                    summary=_("%(y)s年命名的称号到期复核。") % {"y": rating.year},
                    created_by=actor,
                )
        except IntegrityError:
            continue  # already applying for it this year, or generated by a parallel run
        audit_record(actor=actor, action="home_application.reassess", obj=app, union_id=rating.union_id)
        made += 1
    return made
