"""Shared reads of honors, scoped through ``yugong.orgs.access``; each owns its select_related."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.utils.timezone import now

from yugong.core.errors import NotFound
from yugong.members.models import Person
from yugong.orgs.access import MANAGE_ROLES, access_object, grants, scope_filter, scope_paths, scope_q
from yugong.orgs.tree import ancestor_paths

from .models import Honour, Laureate, Nomination, Objection, Round, Talk


def _nomination_qs() -> QuerySet[Nomination]:
    return Nomination.objects.select_related("round", "round__kind", "round__union", "union", "level_union")


def managed_rounds(user: Any) -> QuerySet[Round]:
    """Rounds the user's unions organise (any role sees them; managing needs a manage role)."""
    return scope_filter(Round.objects.select_related("kind", "union"), user).annotate(
        n_nominations=Count("nominations")
    )


def open_rounds_for(user: Any) -> list[Round]:
    """Open rounds the user's unions may nominate in: the organiser is above one of their unions."""
    above: set[str] = set()
    for path in scope_paths(user):
        above.update(ancestor_paths(path, include_self=False))
    if not above:
        return []
    return list(
        Round.objects.select_related("kind", "union")
        .filter(status=Round.Status.OPEN, deadline__gt=now(), union__path__in=above)
        .order_by("-year", "pk")
    )


def managed_round(user: Any, pk: Any) -> Round:
    return access_object(Round.objects.select_related("kind", "union"), user, pk)


def round_nominations(round_: Round) -> list[Nomination]:
    return list(_nomination_qs().filter(round=round_).order_by("pk"))


def staff_nominations(user: Any, *, status: str = "") -> QuerySet[Nomination]:
    """Nominations made in the user's subtrees (their own and those from below)."""
    qs = scope_filter(_nomination_qs(), user)
    if status in Nomination.Status.values:
        qs = qs.filter(status=status)
    return qs.order_by("-pk")


def review_queue(user: Any) -> QuerySet[Nomination]:
    """Nominations waiting for the user's level (the rule of ``services.common.may_review``): at a
    union where they hold a manage role, or at the top with the organiser inside their scope."""
    here = sorted({g.path for g in grants(user) if g.role in MANAGE_ROLES})
    top = scope_q(user, path_field="level_union__path", roles=MANAGE_ROLES)
    if top is None:
        return Nomination.objects.none()
    condition = Q(level_union__path__in=here) | (Q(level_union=F("round__union")) & top)
    return _nomination_qs().filter(condition, status=Nomination.Status.REVIEWING).order_by("pk")


def staff_nomination(user: Any, pk: Any) -> Nomination:
    return access_object(_nomination_qs(), user, pk)


def nomination_timeline(nomination: Nomination) -> tuple[list[Any], list[Objection]]:
    steps = list(nomination.steps.select_related("union", "actor"))
    objections = list(nomination.objections.all())
    return steps, objections


def _notice_qs() -> QuerySet[Nomination]:
    return _nomination_qs().filter(
        round__status=Round.Status.NOTICE,
        round__notice_ends_at__gt=now(),
        status__in=(Nomination.Status.NOTICE, Nomination.Status.OBJECTED),
    )


def on_notice() -> list[Nomination]:
    """Nominees on 公示 now (public: the notice is published to everyone)."""
    return list(_notice_qs().order_by("round_id", "pk"))


def notice_nomination(pk: Any) -> Nomination:
    try:
        return _notice_qs().get(pk=int(pk))
    except (Nomination.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None


def my_honours(person: Person | None) -> list[Honour]:
    if person is None:
        return []
    return list(Honour.objects.filter(person=person).select_related("kind", "union").order_by("-year", "pk"))


def laureates(*, q: str = "", corps_only: bool = False) -> QuerySet[Laureate]:
    """The register is public within the console (any staff member books speakers from it)."""
    qs = Laureate.objects.select_related("union").annotate(
        n_talks=Count("talks", filter=Q(talks__status=Talk.Status.DELIVERED))
    )
    if q:
        qs = qs.filter(Q(name__startswith=q) | Q(title__contains=q) | Q(specialty__contains=q))
    if corps_only:
        qs = qs.filter(in_service_corps=True)
    return qs.order_by("name", "pk")


def staff_talks(user: Any) -> QuerySet[Talk]:
    return scope_filter(Talk.objects.select_related("speaker", "union"), user).order_by(
        "-scheduled_at", "-pk"
    )


def staff_talk(user: Any, pk: Any) -> Talk:
    return access_object(Talk.objects.select_related("speaker", "union"), user, pk)


def export_nominations(round_: Round) -> QuerySet[Nomination]:
    """A round's nominations for its export (the person for the ID number; streamed)."""
    return (
        Nomination.objects.filter(round=round_)
        .select_related("union", "level_union", "person")
        .order_by("pk")
    )


def export_honours(round_: Round) -> QuerySet[Honour]:
    """The honours a round awarded (its laureates), for the export."""
    return (
        Honour.objects.filter(nomination__round=round_)
        .select_related("kind", "union", "person")
        .order_by("pk")
    )
