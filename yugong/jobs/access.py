"""Who may reach what in jobs — the one place that decides.

* Recruiters (``Recruiter`` rows) reach only their own employers and what hangs on them (posts,
  intents for those posts): :func:`recruiter_employer_ids`, :func:`access_recruiter_employer`. Another
  employer's objects answer the same ``NotFound`` as missing ones.
* Union staff reach employers, posts and fairs through the orgs access layer: an employer inside
  their subtree through its own union or its managing union; a post through its reviewing union
  (``JobPost.union``); a fair through its organiser.
* Workers reach their own résumés and intents (filtered by ``user_id``), and published posts and
  fairs.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from yugong.core.errors import NotFound
from yugong.orgs.access import MANAGE_ROLES, access_object, scope_filter
from yugong.orgs.models import Employer, Union

from .models import Recruiter

# Who reviews posts, runs fairs and manages recruiter accounts at a union.
REVIEW_ROLES = MANAGE_ROLES
EMPLOYER_PATHS = ("union__path", "managing_union__path")


def pk_of(value: Any) -> int:
    """An object id from a page or API edge; anything else is "not found"."""
    if isinstance(value, bool):
        raise NotFound()
    try:
        return int(value)
    except (TypeError, ValueError):
        raise NotFound() from None


def recruiter_employer_ids(user: Any) -> list[int]:
    """The employers ``user`` recruits for (active rows), cached on the user object."""
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return []
    cached: list[int] | None = getattr(user, "_yugong_recruiter", None)
    if cached is None:
        cached = sorted(
            Recruiter.objects.filter(user_id=user.pk, active=True).values_list("employer_id", flat=True)
        )
        user._yugong_recruiter = cached
    return cached


def forget_recruiter(user: Any) -> None:
    if user is not None and hasattr(user, "_yugong_recruiter"):
        del user._yugong_recruiter


def is_recruiter(user: Any) -> bool:
    return bool(recruiter_employer_ids(user))


def access_recruiter_employer(user: Any, employer_id: Any) -> Employer:
    pk = pk_of(employer_id)
    if pk not in recruiter_employer_ids(user):
        raise NotFound()
    try:
        return Employer.objects.select_related("union", "managing_union").get(pk=pk)
    except Employer.DoesNotExist:
        raise NotFound() from None


def staff_employers(user: Any) -> QuerySet[Employer]:
    return scope_filter(
        Employer.objects.select_related("union", "managing_union"),
        user,
        path_field=EMPLOYER_PATHS,
        roles=REVIEW_ROLES,
    )


def access_staff_employer(user: Any, employer_id: Any) -> Employer:
    return access_object(
        Employer.objects.select_related("union", "managing_union"),
        user,
        employer_id,
        path_field=EMPLOYER_PATHS,
        roles=REVIEW_ROLES,
    )


def reviewing_union(employer: Employer) -> Union | None:
    """The union that reviews an employer's posts: its managing union (usually the district
    federation where it sits), else its own union."""
    return employer.managing_union or employer.union
