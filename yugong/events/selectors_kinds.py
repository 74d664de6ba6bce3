"""Reads for the pages of each kind of activity: contest galleries and the review queue, 相亲
participation, childcare groups and the day's roster, fitness check-ins. Each list is a fixed
number of queries whatever its length (the page tests count them)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.files.storage import default_storage
from django.db.models import Count, Q, QuerySet, Sum

from yugong.core import timeutil
from yugong.core.errors import NotFound
from yugong.core.images import srcset
from yugong.core.pii import mask_name, mask_phone
from yugong.orgs import access

from .kinds import fitness_board, fitness_streak
from .models import Activity, SignUp
from .models_kinds import ChildAttendance, ChildcareGroup, ChildEnrolment, FitnessEntry, Vote, Work
from .selectors import public_activity
from .services import ORGANISER_ROLES

# The unique constraint ``vote_one_per_member_per_day`` is the rule; pages show what is left of it.
VOTES_PER_DAY = 1


def kind_activity(pk: Any, kind: str) -> Activity:
    """A public activity of ``kind`` (another kind answers 404 like a missing one)."""
    activity = public_activity(pk)
    if activity.kind != kind:
        raise NotFound()
    return activity


def my_signup(user: Any, activity: Activity) -> SignUp | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return SignUp.objects.filter(activity=activity, person__user_id=user.pk).order_by("-id").first()


def member_name(user: Any) -> str:
    """The name on the member's current membership record (the real name a 相亲 sign-up uses)."""
    if not getattr(user, "is_authenticated", False):
        return ""
    from yugong.members.models import Membership

    row = (
        Membership.objects.filter(person__user_id=user.pk, status__in=Membership.CURRENT)
        .order_by("-id")
        .values_list("person__name", flat=True)
        .first()
    )
    return row or ""


# --- contest works ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Picture:
    url: str
    srcset: str
    width: int
    height: int


@dataclass(frozen=True)
class WorkCard:
    work: Work
    picture: Picture | None
    video_url: str
    author: str  # masked: the gallery is public
    union: str
    rank: int = 0


def picture_of(work: Work) -> Picture | None:
    if not work.picture:
        return None
    return Picture(
        url=default_storage.url(work.picture),
        srcset=srcset(work.picture, work.picture_width, work.renditions) if work.renditions else "",
        width=work.picture_width,
        height=work.picture_height,
    )


def _card(work: Work, rank: int = 0) -> WorkCard:
    return WorkCard(
        work=work,
        picture=picture_of(work),
        video_url=default_storage.url(work.video) if work.video else "",
        author=mask_name(work.signup.person.name),
        union=work.signup.union.name,
        rank=rank,
    )


def _published(activity: Activity) -> QuerySet[Work]:
    return Work.objects.filter(
        activity=activity, status=Work.Status.PUBLISHED, kind__in=(Work.Kind.PHOTO, Work.Kind.VIDEO)
    ).select_related("signup__person", "signup__union")


def gallery(activity: Activity, *, limit: int = 60) -> list[WorkCard]:
    """Published works, newest first (the ranking orders by votes)."""
    return [_card(w) for w in _published(activity).order_by("-id")[:limit]]


def ranking(activity: Activity, *, limit: int = 50) -> list[WorkCard]:
    """Published works by counted votes (ties: the earlier work first), numbered 1, 2, 2, 4…"""
    rows = list(_published(activity).order_by("-votes", "id")[:limit])
    out: list[WorkCard] = []
    for i, w in enumerate(rows):
        rank = out[-1].rank if out and out[-1].work.votes == w.votes else i + 1
        out.append(_card(w, rank))
    return out


def gallery_totals(activity: Activity) -> dict[str, int]:
    """Published works, their counted votes, and the participants who submitted any work."""
    published = Q(status=Work.Status.PUBLISHED)
    row = Work.objects.filter(activity=activity).aggregate(
        works=Count("pk", filter=published),
        votes=Sum("votes", filter=published),
        entrants=Count("signup", distinct=True),
    )
    return {k: int(v or 0) for k, v in row.items()}


def vote_today(user: Any, activity: Activity) -> Vote | None:
    """The member's vote in this contest today (Asia/Shanghai), if any."""
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        Vote.objects.filter(activity=activity, user_id=user.pk, day=timeutil.local_today())
        .select_related("work")
        .first()
    )


def my_works(user: Any, *, limit: int = 50) -> list[WorkCard]:
    """The member's photo and video works in every contest, newest first, whatever their review."""
    rows = (
        Work.objects.filter(signup__person__user_id=user.pk, kind__in=(Work.Kind.PHOTO, Work.Kind.VIDEO))
        .select_related("activity", "signup__person", "signup__union")
        .order_by("-id")[:limit]
    )
    return [_card(w) for w in rows]


def review_queue(user: Any, *, status: str = Work.Status.PENDING, limit: int = 100) -> list[WorkCard]:
    """Works of contests organised inside the officer's subtree, as ``kinds.work_review`` allows
    (the organising roles at the organiser's union or above), oldest first."""
    qs = access.scope_filter(
        Work.objects.filter(status=status, kind__in=(Work.Kind.PHOTO, Work.Kind.VIDEO)),
        user,
        path_field="activity__union_path",
        roles=ORGANISER_ROLES,
    ).select_related("activity", "signup__person", "signup__union")
    ordering = ("created_at", "id") if status == Work.Status.PENDING else ("-created_at", "-id")
    return [_card(w) for w in qs.order_by(*ordering)[:limit]]


def review_counts(user: Any) -> dict[str, int]:
    qs = access.scope_filter(
        Work.objects.filter(kind__in=(Work.Kind.PHOTO, Work.Kind.VIDEO)),
        user,
        path_field="activity__union_path",
        roles=ORGANISER_ROLES,
    )
    rows = qs.order_by().values_list("status").annotate(n=Count("pk"))
    return {s: n for s, n in rows}


# --- 爱心托管 -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupRow:
    group: ChildcareGroup
    left: int


def childcare_groups(activity: Activity) -> list[GroupRow]:
    return [GroupRow(g, max(g.capacity - g.taken, 0)) for g in activity.childcare_groups.order_by("min_age")]


@dataclass(frozen=True)
class ChildRow:
    enrolment: ChildEnrolment
    child_name: str
    guardian: str
    guardian_phone: str  # masked
    present: bool = False  # on the roster's day
    days: int = 0  # days attended so far


def my_children(signup: SignUp) -> list[ChildRow]:
    rows = (
        ChildEnrolment.objects.filter(signup=signup)
        .select_related("group", "signup__person")
        .annotate(days=Count("attendance"))
        .order_by("id")
    )
    return [
        ChildRow(e, e.child_name, e.signup.person.name, mask_phone(e.guardian_phone), days=e.days)
        for e in rows
    ]


def childcare_roster(activity: Activity, day: dt.date) -> list[ChildRow]:
    """Children enrolled, by group and enrolment, with whether they were marked present on ``day``:
    one query."""
    rows = (
        ChildEnrolment.objects.filter(activity=activity, status=ChildEnrolment.Status.ENROLLED)
        .select_related("group", "signup__person")
        .annotate(present=Count("attendance", filter=Q(attendance__day=day)))
        .order_by("group__min_age", "id")
    )
    return [
        ChildRow(e, e.child_name, e.signup.person.name, mask_phone(e.guardian_phone), bool(e.present))
        for e in rows
    ]


def attendance_days(activity: Activity, *, limit: int = 14) -> list[tuple[dt.date, int]]:
    """The latest days with attendance and how many children came."""
    return list(
        ChildAttendance.objects.filter(enrolment__activity=activity)
        .values_list("day")
        .annotate(n=Count("pk"))
        .order_by("-day")[:limit]
    )


def staff_kind_activity(user: Any, pk: Any, kind: str) -> Activity:
    """An activity of ``kind`` organised inside the officer's subtree (404 otherwise, like missing)."""
    activity = access.access_object(
        Activity.objects.select_related("union"), user, pk, path_field="union_path"
    )
    if activity.kind != kind:
        raise NotFound()
    return activity


# --- 健身打卡 -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FitnessSummary:
    entries: list[FitnessEntry]
    streak: int
    today: FitnessEntry | None
    days: int
    steps: int
    distance_m: int

    @property
    def km(self) -> float:
        return self.distance_m / 1000

    def recent(self) -> list[dict[str, Any]]:
        return [{"day": e.day, "steps": e.steps, "km": e.distance_m / 1000} for e in self.entries]


def fitness_mine(signup: SignUp, *, recent: int = 14) -> FitnessSummary:
    today = timeutil.local_today()
    days = list(FitnessEntry.objects.filter(signup=signup).order_by("-day").values_list("day", flat=True))
    entries = list(FitnessEntry.objects.filter(signup=signup).order_by("-day")[:recent])
    totals = FitnessEntry.objects.filter(signup=signup).aggregate(
        steps=Sum("steps"), distance_m=Sum("distance_m")
    )
    return FitnessSummary(
        entries=entries,
        streak=fitness_streak(days, today),
        today=next((e for e in entries if e.day == today), None),
        days=len(days),
        steps=int(totals["steps"] or 0),
        distance_m=int(totals["distance_m"] or 0),
    )


def fitness_board_rows(activity: Activity, signup: SignUp | None, *, limit: int = 20) -> list[dict[str, Any]]:
    """The board of totals with names masked (the board is seen by every participant)."""
    rows = fitness_board(activity, limit=limit)
    out = []
    for i, r in enumerate(rows):
        out.append(
            {
                "rank": i + 1,
                "name": mask_name(r["signup__person__name"]),
                "steps": int(r["steps"] or 0),
                "km": (r["distance_m"] or 0) / 1000,
                "me": signup is not None and r["signup_id"] == signup.pk,
            }
        )
    return out
