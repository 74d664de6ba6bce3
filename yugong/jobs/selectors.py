"""Shared reads of jobs: the public job search and fair pages, a worker's résumés and intents, an
employer's posts and intents, and the staff console's queues (through ``access``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from yugong.core.errors import NotFound
from yugong.core.textsearch import highlight, query_tokens, ranked_ids
from yugong.orgs.access import access_object, scope_filter
from yugong.orgs.models import Employer

from .access import REVIEW_ROLES, pk_of, recruiter_employer_ids
from .models import Booth, Intent, JobFair, JobPost, Recruiter, Resume

PAGE = 20


@dataclass(frozen=True)
class JobFilters:
    q: str = ""
    district: str = ""
    employment_type: str = ""
    pay_from_fen: int = 0  # the post's highest pay reaches at least this
    fair_id: int | None = None


def live_posts() -> QuerySet[JobPost]:
    """Published and not past their closing date."""
    today = timezone.localdate()
    return JobPost.objects.filter(published=True).filter(
        Q(valid_through__isnull=True) | Q(valid_through__gte=today)
    )


def search_posts(filters: JobFilters, *, limit: int = PAGE, offset: int = 0) -> list[JobPost]:
    """Published posts, newest first, or ranked by Chinese full-text search when ``q`` is given.
    Two queries at most (the ranked ids, then the rows with their employer)."""
    qs = live_posts().select_related("employer", "fair")
    if filters.district:
        qs = qs.filter(district=filters.district)
    if filters.employment_type in JobPost.EmploymentType.values:
        qs = qs.filter(employment_type=filters.employment_type)
    if filters.pay_from_fen > 0:
        qs = qs.filter(pay_max_fen__gte=filters.pay_from_fen)
    if filters.fair_id:
        qs = qs.filter(fair_id=filters.fair_id)
    tokens = query_tokens(filters.q)
    if not filters.q.strip():
        return list(qs.order_by("-published_at", "-id")[offset : offset + limit])
    if not tokens:
        return []
    table = JobPost._meta.db_table
    ids = ranked_ids(table, tokens, any_word=False, limit=200, offset=0)
    if not ids and len(tokens) > 1:
        ids = ranked_ids(table, tokens, any_word=True, limit=200, offset=0)
    rows = {p.pk: p for p in qs.filter(pk__in=ids)}
    hits = [rows[pk] for pk in ids if pk in rows][offset : offset + limit]
    for post in hits:
        post.title_html = highlight(post.title, tokens)  # type: ignore[attr-defined]
    return hits


def districts() -> list[str]:
    return list(live_posts().order_by("district").values_list("district", flat=True).distinct()[:60])


def public_post(pk: Any) -> JobPost:
    post = live_posts().select_related("employer", "fair").filter(pk=pk_of(pk)).first()
    if post is None:
        raise NotFound()
    return post


def public_fairs() -> QuerySet[JobFair]:
    return (
        JobFair.objects.filter(status=JobFair.Status.PUBLISHED)
        .select_related("union")
        .annotate(booth_count=Count("booths", distinct=True))
        .order_by("-starts_at", "-id")
    )


def public_fair(pk: Any) -> JobFair:
    fair = (
        JobFair.objects.filter(pk=pk_of(pk), status=JobFair.Status.PUBLISHED).select_related("union").first()
    )
    if fair is None:
        raise NotFound()
    return fair


def fair_booths(fair: JobFair) -> list[Booth]:
    return list(fair.booths.select_related("employer").order_by("label", "id"))


# --- worker -----------------------------------------------------------------------------------------


def my_resumes(user: Any) -> QuerySet[Resume]:
    return Resume.objects.filter(user_id=user.pk).order_by("-updated_at", "-id")


def my_resume(user: Any, pk: Any) -> Resume:
    resume = my_resumes(user).filter(pk=pk_of(pk)).first()
    if resume is None:
        raise NotFound()
    return resume


def my_intents(user: Any) -> QuerySet[Intent]:
    return (
        Intent.objects.filter(worker_id=user.pk)
        .select_related("post", "post__employer", "resume")
        .order_by("-id")
    )


def my_intent_for(user: Any, post: JobPost) -> Intent | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return my_intents(user).filter(post=post).exclude(status=Intent.Status.WITHDRAWN).first()


# --- employer (recruiters) ------------------------------------------------------------------------


def recruiter_employers(user: Any) -> list[Employer]:
    return list(Employer.objects.filter(pk__in=recruiter_employer_ids(user)).order_by("name", "pk"))


def employer_posts(employer: Employer) -> QuerySet[JobPost]:
    """An employer's posts with their live intent counts. Callers checked access."""
    return (
        JobPost.objects.filter(employer=employer)
        .select_related("fair")
        .annotate(intent_count=Count("intents", filter=~Q(intents__status=Intent.Status.WITHDRAWN)))
        .order_by("-id")
    )


def employer_post(employer: Employer, pk: Any) -> JobPost:
    post = JobPost.objects.filter(employer=employer, pk=pk_of(pk)).select_related("fair").first()
    if post is None:
        raise NotFound()
    return post


def employer_intents(employer: Employer, *, status: str = "") -> QuerySet[Intent]:
    qs = (
        Intent.objects.filter(post__employer=employer)
        .exclude(status=Intent.Status.WITHDRAWN)
        .select_related("post", "resume")
        .order_by("-id")
    )
    if status in Intent.Status.values:
        qs = qs.filter(status=status)
    return qs


def employer_fairs(employer: Employer) -> list[JobFair]:
    """Fairs the employer has a booth at (for the post form's choice)."""
    return list(
        JobFair.objects.filter(booths__employer=employer)
        .exclude(status=JobFair.Status.CANCELLED)
        .order_by("-starts_at", "-id")
    )


# --- union staff ------------------------------------------------------------------------------------


def staff_posts(user: Any, *, status: str = "") -> QuerySet[JobPost]:
    qs = scope_filter(JobPost.objects.select_related("employer", "union"), user, roles=REVIEW_ROLES)
    if status in JobPost.Status.values:
        qs = qs.filter(status=status)
    return qs.order_by("-id")


def staff_post(user: Any, pk: Any) -> JobPost:
    return access_object(
        JobPost.objects.select_related("employer", "union", "fair"), user, pk, roles=REVIEW_ROLES
    )


def staff_fairs(user: Any) -> QuerySet[JobFair]:
    return (
        scope_filter(JobFair.objects.select_related("union"), user, roles=REVIEW_ROLES)
        .annotate(booth_count=Count("booths", distinct=True))
        .order_by("-starts_at", "-id")
    )


def staff_fair(user: Any, pk: Any) -> JobFair:
    return access_object(JobFair.objects.select_related("union"), user, pk, roles=REVIEW_ROLES)


def employer_recruiters(employer: Employer) -> list[Recruiter]:
    return list(
        Recruiter.objects.filter(employer=employer, active=True).select_related("user").order_by("pk")
    )


def staff_counts(user: Any) -> dict[str, int]:
    """The figures at the top of the console page, in one query."""
    counts = staff_posts(user).aggregate(
        pending=Count("pk", filter=Q(status=JobPost.Status.PENDING), distinct=True),
        published=Count("pk", filter=Q(status=JobPost.Status.PUBLISHED), distinct=True),
        intents=Count("intents", filter=~Q(intents__status=Intent.Status.WITHDRAWN)),
    )
    return {k: int(v or 0) for k, v in counts.items()}
