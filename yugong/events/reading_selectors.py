"""Reads of the reading campaign (玫瑰书香): the campaign, who may read its essays (the activity's
audience), published and pending essays, a participant's figures, the campaign's totals and board.
Writes are in ``reading``; both share who takes part (``READERS``) and when (``LIVE``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from yugong.core.errors import NotFound, PermissionDenied
from yugong.core.pii import mask_name
from yugong.core.validators import is_ascii_digits
from yugong.members.models import Membership
from yugong.orgs import access

from . import signup_rules
from .models import Activity, ActivityKind, SignUp
from .models_kinds import ReadingBook, ReadingLog, Work

# Who takes part: signed up (before the draw) or holding a place after it.
READERS = (SignUp.Status.ENTERED, SignUp.Status.WON)
LIVE = (Activity.Status.OPEN, Activity.Status.DRAWN)


def _int_id(value: Any) -> int | None:
    text = str(value) if value is not None else ""
    return int(text) if is_ascii_digits(text) and len(text) < 19 else None


def reading_campaign(pk: Any) -> Activity:
    """A live reading campaign by id (anyone may see that it exists, as with any activity)."""
    key = _int_id(pk)
    activity = (
        Activity.objects.select_related("union")
        .filter(pk=key, kind=ActivityKind.READING, status__in=LIVE)
        .first()
        if key is not None
        else None
    )
    if activity is None:
        raise NotFound()
    return activity


def may_read_essays(user: Any, activity: Activity) -> bool:
    """The activity's audience: a participant, a member who may take part (the sign-up rule), or
    staff who may see the activity."""
    if not getattr(user, "is_authenticated", False):
        return False
    if SignUp.objects.filter(activity=activity, person__user_id=user.pk, status__in=READERS).exists():
        return True
    membership = (
        Membership.objects.filter(person__user_id=user.pk, status__in=Membership.CURRENT)
        .order_by("-id")
        .first()
    )
    if membership is not None and not signup_rules.membership_refusal(
        activity_path=activity.union_path,
        employment_forms=activity.employment_forms,
        status=membership.status,
        union_path=membership.union_path,
        employment_form=membership.employment_form,
    ):
        return True
    return access.scope_filter(
        Activity.objects.filter(pk=activity.pk), user, path_field=("union_path", "quotas__union_path")
    ).exists()


def require_essay_reader(user: Any, activity: Activity) -> None:
    if not may_read_essays(user, activity):
        raise PermissionDenied(_("读后感仅向本活动面向的会员公开。"))


def published_essays(activity: Activity) -> QuerySet[Work]:
    return (
        Work.objects.filter(activity=activity, kind=Work.Kind.ESSAY, status=Work.Status.PUBLISHED)
        .select_related("signup__person", "signup__union", "book")
        .order_by("-id")
    )


def essay_for_reader(user: Any, activity: Activity, essay_id: Any) -> Work:
    """A published essay for its audience, or the reader's own essay in any state."""
    pk = _int_id(essay_id)
    essay = (
        Work.objects.filter(activity=activity, kind=Work.Kind.ESSAY, pk=pk)
        .select_related("signup__person", "signup__union", "book")
        .first()
        if pk is not None
        else None
    )
    own = essay is not None and essay.signup.person.user_id == getattr(user, "pk", None)
    if essay is None or (essay.status != Work.Status.PUBLISHED and not own):
        raise NotFound()
    if not own:
        require_essay_reader(user, activity)
    return essay


def my_essays(signup: SignUp) -> list[Work]:
    return list(
        Work.objects.filter(signup=signup, kind=Work.Kind.ESSAY).select_related("book").order_by("-id")
    )


def my_logs(signup: SignUp, *, limit: int = 30) -> list[ReadingLog]:
    return list(
        ReadingLog.objects.filter(signup=signup).select_related("book").order_by("-day", "-id")[:limit]
    )


@dataclass(frozen=True)
class Totals:
    readers: int
    books: int  # distinct (reader, book) pairs: books read
    minutes: int
    pages: int
    logs: int
    essays: int  # published


def campaign_totals(activity: Activity) -> Totals:
    """The campaign's figures: two queries."""
    row = ReadingLog.objects.filter(activity=activity).aggregate(
        readers=Count("signup", distinct=True),
        minutes=Sum("minutes"),
        pages=Sum("pages"),
        logs=Count("pk"),
    )
    books = ReadingLog.objects.filter(activity=activity).values("signup_id", "book_id").distinct().count()
    essays = Work.objects.filter(
        activity=activity, kind=Work.Kind.ESSAY, status=Work.Status.PUBLISHED
    ).count()
    return Totals(
        readers=int(row["readers"] or 0),
        books=books,
        minutes=int(row["minutes"] or 0),
        pages=int(row["pages"] or 0),
        logs=int(row["logs"] or 0),
        essays=essays,
    )


def my_totals(signup: SignUp) -> dict[str, int]:
    row = ReadingLog.objects.filter(signup=signup).aggregate(
        minutes=Sum("minutes"),
        pages=Sum("pages"),
        books=Count("book", distinct=True),
        days=Count("day", distinct=True),
    )
    return {k: int(v or 0) for k, v in row.items()}


@dataclass(frozen=True)
class BoardRow:
    rank: int
    signup_id: int
    name: str  # masked (张*明): other readers see no full names
    union: str
    books: int
    minutes: int
    essays: int


def campaign_board(activity: Activity, *, limit: int = 20) -> list[BoardRow]:
    """The readers with the most minutes: books read, minutes, essays published. Two queries."""
    top = list(
        ReadingLog.objects.filter(activity=activity)
        .values("signup_id")
        .annotate(minutes=Sum("minutes"), books=Count("book", distinct=True))
        .order_by("-minutes", "signup_id")[:limit]
    )
    people = {
        r["pk"]: r
        for r in SignUp.objects.filter(pk__in=[t["signup_id"] for t in top])
        .values("pk", "person__name", "union__name")
        .annotate(
            essays=Count("works", filter=Q(works__kind=Work.Kind.ESSAY, works__status=Work.Status.PUBLISHED))
        )
    }
    return [
        BoardRow(
            rank=i + 1,
            signup_id=t["signup_id"],
            name=mask_name(people[t["signup_id"]]["person__name"]),
            union=people[t["signup_id"]]["union__name"] or "",
            books=int(t["books"] or 0),
            minutes=int(t["minutes"] or 0),
            essays=int(people[t["signup_id"]]["essays"] or 0),
        )
        for i, t in enumerate(top)
    ]


def pending_essays_qs(activity: Activity) -> QuerySet[Work]:
    return Work.objects.filter(activity=activity, kind=Work.Kind.ESSAY, status=Work.Status.PENDING)


def pending_essays(activity: Activity) -> list[Work]:
    """The review queue of a campaign (the caller checked the staff's access)."""
    return list(
        pending_essays_qs(activity).select_related("signup__person", "signup__union", "book").order_by("id")
    )


def books_with_counts(activity: Activity) -> list[ReadingBook]:
    """The list with, per book, how many readers logged it and their minutes: one query."""
    return list(
        activity.books.annotate(
            readers=Count("logs__signup", distinct=True), minutes=Sum("logs__minutes")
        ).order_by("position", "id")
    )
