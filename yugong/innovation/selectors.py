"""Shared reads of innovation, scoped through ``yugong.orgs.access``; each owns its
select_related. A worker reads only their own rows (by their person)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.timezone import now

from yugong.core.errors import NotFound
from yugong.members.models import Person
from yugong.orgs.access import MANAGE_ROLES, access_object, scope_filter, scope_q

from .models import Challenge, Proposal, Studio, StudioMember, StudioRating, Team, TeamMember


def person_of(user: Any) -> Person | None:
    pk = getattr(user, "pk", None)
    if pk is None:
        return None
    return Person.objects.filter(user_id=int(pk)).first()


# --- studios ---------------------------------------------------------------------------------------


def staff_studios(user: Any, *, q: str = "") -> QuerySet[Studio]:
    qs = scope_filter(Studio.objects.select_related("union"), user).annotate(
        n_members=Count("members", distinct=True), n_results=Count("results", distinct=True)
    )
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(lead_name__startswith=q) | Q(field__contains=q))
    return qs.order_by("-pk")


def staff_studio(user: Any, pk: Any) -> Studio:
    return access_object(Studio.objects.select_related("union", "lead"), user, pk)


def studio_detail(studio: Studio) -> dict[str, Any]:
    return {
        "members": list(studio.members.order_by("role", "pk")),
        "results": list(studio.results.prefetch_related("contributors").order_by("-achieved_on", "-pk")),
        "ratings": list(studio.ratings.select_related("reviewer").order_by("-year", "-pk")),
    }


def rating_queue(user: Any) -> QuerySet[StudioRating]:
    """Applications waiting for a union where the user holds a managing role (or one below it)."""
    condition = scope_q(user, path_field="reviewer__path", roles=MANAGE_ROLES)
    if condition is None:
        return StudioRating.objects.none()
    return (
        StudioRating.objects.filter(condition, status=StudioRating.Status.APPLIED)
        .select_related("studio", "studio__union", "reviewer")
        .order_by("pk")
    )


def staff_rating(user: Any, pk: Any) -> StudioRating:
    """A rating the user sees: as the studio's side or as the rating union's."""
    qs = StudioRating.objects.select_related("studio", "studio__union", "reviewer")
    return access_object(qs, user, pk, path_field=("studio__union__path", "reviewer__path"))


# --- proposals -------------------------------------------------------------------------------------


def staff_proposals(user: Any, *, status: str = "", category: str = "") -> QuerySet[Proposal]:
    qs = scope_filter(Proposal.objects.select_related("union"), user)
    if status in Proposal.Status.values:
        qs = qs.filter(status=status)
    if category in Proposal.Category.values:
        qs = qs.filter(category=category)
    return qs.order_by("-pk")


def proposal_queue(user: Any) -> QuerySet[Proposal]:
    """Proposals waiting for a decision in the unions the user manages."""
    return (
        scope_filter(Proposal.objects.select_related("union"), user, roles=MANAGE_ROLES)
        .filter(status__in=(Proposal.Status.SUBMITTED, Proposal.Status.REVIEWING, Proposal.Status.ADOPTED))
        .order_by("pk")
    )


def staff_proposal(user: Any, pk: Any) -> Proposal:
    return access_object(Proposal.objects.select_related("union", "reward_commitment__line"), user, pk)


def my_proposals(person: Person | None) -> list[Proposal]:
    if person is None:
        return []
    return list(
        Proposal.objects.filter(person=person).select_related("union").order_by("-created_at", "-pk")[:100]
    )


def my_proposal(person: Person | None, pk: Any) -> Proposal:
    p = Proposal.objects.select_related("union").filter(person=person, pk=pk).first() if person else None
    if p is None:
        raise NotFound()
    return p


# --- challenges ------------------------------------------------------------------------------------


def staff_challenges(user: Any) -> QuerySet[Challenge]:
    return (
        scope_filter(Challenge.objects.select_related("union"), user)
        .annotate(n_teams=Count("teams"))
        .order_by("-pk")
    )


def staff_challenge(user: Any, pk: Any) -> Challenge:
    return access_object(Challenge.objects.select_related("union"), user, pk)


def challenge_teams(c: Challenge) -> list[Team]:
    return list(
        c.teams.select_related("leader").prefetch_related(
            Prefetch("members", TeamMember.objects.order_by("pk"))
        )
    )


def open_challenges() -> list[Challenge]:
    """Challenges workers can take up now (posted to everyone)."""
    return list(
        Challenge.objects.filter(status__in=(Challenge.Status.OPEN, Challenge.Status.UNDERWAY))
        .select_related("union")
        .annotate(n_teams=Count("teams"))
        .order_by("signup_deadline", "pk")[:100]
    )


def public_challenge(pk: Any) -> Challenge:
    try:
        return Challenge.objects.select_related("union").get(pk=int(pk))
    except (Challenge.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None


def signup_open(c: Challenge) -> bool:
    return c.status == Challenge.Status.OPEN and now() < c.signup_deadline


# --- the worker's own -----------------------------------------------------------------------------


def my_innovation(person: Person | None) -> dict[str, Any]:
    """What a worker has joined: studios, challenge teams, and their 五小 proposals."""
    if person is None:
        return {"studios": [], "teams": [], "proposals": []}
    studios = list(
        StudioMember.objects.filter(person=person, studio__status=Studio.Status.ACTIVE)
        .select_related("studio", "studio__union")
        .order_by("-pk")
    )
    teams = list(
        TeamMember.objects.filter(person=person).select_related("team", "challenge").order_by("-pk")[:50]
    )
    return {"studios": studios, "teams": teams, "proposals": my_proposals(person)}


def export_proposals(user: Any, *, roles: Any = None) -> QuerySet[Proposal]:
    return scope_filter(Proposal.objects.select_related("union"), user, roles=roles).order_by("pk")
