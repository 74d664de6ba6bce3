"""Spot checks (抽查) of the annual reviews, and the 公示 of exits and removals.

A union's staff draw once a year: a share (``ASSISTANCE_SPOT_CHECK_SHARE``, 10 % by default) of
the active files in their subtree whose annual review is due is sampled. The sample is not chosen
by anyone: each due file is ranked by HMAC-SHA256(seed, file id) with a random seed, and the
first ``ceil(share × due)`` are taken. The seed, the share and the due files are recorded with the
draw, so :func:`sample_of` re-computes it at any time (:func:`draw_verify`). One draw per union and
year (a database constraint): a draw cannot be re-rolled until a convenient sample comes up.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import math
import secrets
from collections.abc import Sequence
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.html import escape
from django.utils.timezone import now
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.core.audit import audit_record
from yugong.core.calendar import add_working_days
from yugong.core.errors import Conflict, NotFound, ValidationFailed
from yugong.core.facts import fact_record
from yugong.core.pii import mask_name
from yugong.core.timeutil import local_today
from yugong.core.validators import clean_text
from yugong.news.models import Article
from yugong.news.services import article_post
from yugong.orgs.access import require_role
from yugong.orgs.models import Union
from yugong.orgs.tree import in_subtrees

from ..models import FileStep, HardshipFile, SpotCheck, SpotCheckDraw
from .common import REVIEW_ROLES, Status, _days, _step


def spot_check_share() -> Decimal:
    share = Decimal(str(getattr(settings, "ASSISTANCE_SPOT_CHECK_SHARE", "0.1")))
    return min(max(share, Decimal(0)), Decimal(1))


def _rank(seed: str, pk: int) -> str:
    return hmac.new(seed.encode("ascii"), str(pk).encode("ascii"), hashlib.sha256).hexdigest()


def sample_of(seed: str, population: Sequence[int], share: Decimal) -> list[int]:
    """The sampled file ids of a draw: the ``ceil(share × n)`` due files ranked first by
    HMAC-SHA256(seed, id). Pure: the same seed, population and share give the same sample."""
    k = math.ceil(len(population) * Decimal(share)) if population else 0
    return sorted(sorted(population, key=lambda pk: _rank(seed, pk))[:k])


def due_files(union: Union, *, within_days: int = 30) -> list[int]:
    """The active files of ``union``'s subtree whose annual review is due within ``within_days``."""
    return list(
        HardshipFile.objects.filter(
            in_subtrees(union.path or ""),
            status=Status.ACTIVE,
            review_due_on__lte=local_today() + dt.timedelta(days=within_days),
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )


@transaction.atomic
def spot_check_draw(*, actor: User, union: Union) -> SpotCheckDraw:
    """Draw this year's spot checks of ``union``'s subtree (once a year)."""
    require_role(actor, union, REVIEW_ROLES)
    year = local_today().year
    if SpotCheckDraw.objects.filter(union=union, year=year).exists():
        raise _drawn()
    population = due_files(union)
    if not population:
        raise ValidationFailed(fields={"union": _("本工会目前没有应复核的档案，无需抽查。")})
    share = spot_check_share()
    seed = secrets.token_hex(16)
    try:
        with transaction.atomic():
            draw = SpotCheckDraw.objects.create(
                union=union, year=year, seed=seed, share=share, population=population, drawn_by=actor
            )
    except IntegrityError:
        raise _drawn() from None
    picked = sample_of(seed, population, share)
    files = HardshipFile.objects.filter(pk__in=picked).only("pk", "union_id")
    SpotCheck.objects.bulk_create(SpotCheck(draw=draw, file_id=f.pk, union_id=f.union_id) for f in files)
    audit_record(
        actor=actor,
        action="assistance.spot_check_draw",
        obj=draw,
        union_id=union.pk,
        extra={"due": len(population), "sampled": len(picked), "share": str(share), "seed": seed},
    )
    fact_record(metric="assistance.spot_checks", union_id=union.pk, value=len(picked))
    return draw


def _drawn() -> Conflict:
    return Conflict(_("本工会今年已抽取复核抽查名单，不能重新抽取。"), code="drawn")


def draw_verify(draw: SpotCheckDraw) -> bool:
    """Re-compute the draw's sample from its recorded seed, share and due files; True when the
    checks on record are exactly that sample (files deleted since count as still sampled)."""
    expected = set(sample_of(draw.seed, [int(x) for x in draw.population], draw.share))
    recorded = set(draw.checks.values_list("file_id", flat=True))
    return recorded - {None} <= expected and len(expected) == draw.checks.count()


@transaction.atomic
def spot_check_record(*, actor: User, check: SpotCheck | int, result: str, note: str = "") -> SpotCheck:
    """The result of one spot check, recorded by the staff of the union that drew it (not the
    grassroots union that keeps the file): confirmed, or a discrepancy with what was found."""
    pk = check if isinstance(check, int) else check.pk
    found = SpotCheck.objects.select_for_update().select_related("draw__union").filter(pk=pk).first()
    if found is None:
        raise NotFound()
    require_role(actor, found.draw.union, REVIEW_ROLES)
    if found.result != SpotCheck.Result.PENDING:
        raise Conflict(_("该档案的抽查结果已记录。"), code="checked")
    if result not in (SpotCheck.Result.CONFIRMED, SpotCheck.Result.DISCREPANCY):
        raise ValidationFailed(fields={"result": _("请选择抽查结果。")})
    text = clean_text(note)
    if len(text) > 500:
        raise ValidationFailed(fields={"note": _("抽查说明不能超过500个字。")})
    if result == SpotCheck.Result.DISCREPANCY and not text:
        raise ValidationFailed(fields={"note": _("情况不符时请写明抽查发现的问题。")})
    found.result, found.note, found.checked_by, found.checked_at = result, text, actor, now()
    found.save(update_fields=["result", "note", "checked_by", "checked_at"])
    if found.file_id is not None:
        file = HardshipFile.objects.get(pk=found.file_id)
        _step(file, FileStep.Kind.SPOT_CHECKED, actor, text, result=result, draw=found.draw_id)
    audit_record(
        actor=actor,
        action="assistance.spot_check_record",
        obj=found,
        union_id=found.union_id,
        extra={"result": result, "file": found.file_id},
    )
    fact_record(metric="assistance.spot_check_results", union_id=found.union_id, dim=result)
    return found


def publish_exit_notice(f: HardshipFile, actor: User, kind: str) -> None:
    """The 公示 of an exit (脱困) or a removal (撤档) in the file's union, through the same news
    notice as the 建档公示: masked name and the kind only (never the reason: it may name an
    illness or an income). The caller holds the file's lock and has set its status."""
    start = now()
    ends = add_working_days(start, _days("ASSISTANCE_NOTICE_WORKING_DAYS", 5))
    what = _("脱困退出") if kind == "exit" else _("撤销档案")
    body = _(
        "<p>经工会核查，以下职工家庭%(what)s，不再列入困难职工帮扶：</p><p>%(name)s。</p><p>公示期至%(ends)s。如有异议，请向所在工会反映。</p>"
    ) % {"what": escape(what), "name": escape(mask_name(f.applicant.name)), "ends": ends.strftime("%Y-%m-%d")}
    article = article_post(
        actor=actor,
        union=f.union,
        kind=Article.Kind.PUBLICITY,
        title=_("困难职工结档公示"),
        body_html=body,
        source=f"assistance.file:{f.pk}:{kind}:{start.isoformat()}",  # one per closing
    )
    f.exit_notice_article_id = article.pk
    f.exit_notice_ends_at = ends
    f.save(update_fields=["exit_notice_article_id", "exit_notice_ends_at", "updated_at"])
    _step(f, FileStep.Kind.EXIT_NOTICE, actor, ends=ends.isoformat(), article=article.pk, closed=kind)
    audit_record(
        actor=actor,
        action="assistance.exit_notice_publish",
        obj=f,
        union_id=f.union_id,
        extra={"article": article.pk, "kind": kind},
    )
