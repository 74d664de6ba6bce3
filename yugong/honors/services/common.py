"""Shared pieces of the honours services: who reviews, the tree above a union, locks, reasons."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.core.errors import Conflict, NotFound, ValidationFailed
from yugong.core.validators import clean_text
from yugong.orgs.access import MANAGE_ROLES, can_act, grants
from yugong.orgs.models import Union
from yugong.orgs.tree import ancestor_paths, within

from ..models import Nomination, NominationStep, Round

REVIEW_ROLES = MANAGE_ROLES


def ancestors(union: Union) -> list[Union]:
    """``union`` and the unions above it, nearest first (one query)."""
    prefixes = ancestor_paths(union.path or "")
    by_path = {u.path: u for u in Union.objects.filter(path__in=prefixes)}
    return [by_path[p] for p in reversed(prefixes) if p in by_path]


def review_chain(round_: Round, union: Union) -> list[Union]:
    """The levels that review a nomination of ``union``: every union above it up to and including
    the round's organiser, nearest first. Empty when ``union`` is not below the organiser."""
    organiser = round_.union
    if union.pk == organiser.pk or not within(union.path, organiser.path):
        return []
    chain = ancestors(union)[1:]
    out = []
    for u in chain:
        out.append(u)
        if u.pk == organiser.pk:
            return out
    return []


def next_level(nomination: Nomination) -> Union | None:
    """The level above the one now reviewing, or None when the organiser is reviewing."""
    chain = review_chain(nomination.round, nomination.union)
    ids = [u.pk for u in chain]
    if nomination.level_union_id not in ids:
        return None
    i = ids.index(nomination.level_union_id)
    return chain[i + 1] if i + 1 < len(chain) else None


def may_review(actor: User, nomination: Nomination) -> bool:
    """Level by level: a nomination under review is decided by the staff of the union now reviewing
    it (a role held at that very union), not by a union above, which decides at its own level once
    the nomination is forwarded; at the top, the organiser's staff (or a union above it)."""
    if nomination.status != Nomination.Status.REVIEWING:
        return False
    level = nomination.level_union
    if level.pk == nomination.round.union_id:
        return can_act(actor, level, REVIEW_ROLES)
    return any(g.path == level.path and g.role in REVIEW_ROLES for g in grants(actor))


def lock_nomination(pk: Any) -> Nomination:
    if isinstance(pk, bool):
        raise NotFound()
    try:
        return (
            Nomination.objects.select_for_update(of=("self",))
            .select_related("round", "round__union", "round__kind", "union", "level_union")
            .get(pk=int(pk))
        )
    except (Nomination.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None


def lock_round(pk: Any) -> Round:
    if isinstance(pk, bool):
        raise NotFound()
    try:
        return Round.objects.select_for_update(of=("self",)).select_related("union", "kind").get(pk=int(pk))
    except (Round.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None


def reason(value: Any, field: str, *, required: bool = True, limit: int = 500) -> str:
    text = clean_text(value)
    if required and not text:
        raise ValidationFailed(fields={field: _("请填写意见。")})
    if len(text) > limit:
        raise ValidationFailed(fields={field: _("意见不能超过%(n)d个字。") % {"n": limit}})
    return text


def require_status(nomination: Nomination, *statuses: str) -> None:
    if nomination.status not in statuses:
        raise Conflict(
            _("该推荐当前状态为“%(status)s”，不能办理此步骤。") % {"status": nomination.get_status_display()}
        )


def _step(nomination: Nomination, kind: str, union: Union, actor: User, note: str = "") -> NominationStep:
    return NominationStep.objects.create(
        nomination=nomination,
        kind=kind,
        union=union,
        actor=actor if getattr(actor, "pk", None) else None,
        note=note[:500],
    )
