"""Shared reads for people and memberships, always scoped through ``yugong.orgs.access``.

Lists are keyset-paginated on the membership id (``after`` = the last id of the previous page):
each page is one indexed range scan of ``LIMIT n+1`` rows, whatever the size of the table, and
there is no ``COUNT(*)`` (a count over a district's million members is what makes lists slow).

The member search filters the membership table alone: the subtree is ``union_path LIKE 'P%'`` on
the row (a copy of the union's path, no join to the union per row) and the name, employer,
employment form and migrant filters read the copies on the row too (``Membership`` search keys).
The planner then chooses per query between walking the primary key backwards (big subtree, common
filter: a few thousand rows at most) and one of the partial indexes over current members
(``members_cur_path`` for a small subtree, ``members_cur_name`` / ``members_cur_employer`` for a
selective prefix, ``members_cur_form_id`` for a rare form), then sorts the few matches. Phone tail,
phone, ID number and member number are selective on their own and go through their indexes.
README "Search plan" has the measured plans.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.functions import Left
from django.db.models.lookups import Exact

from yugong.core.db import fast_timestamps
from yugong.core.errors import ValidationFailed
from yugong.core.pii import blind_index, mask_name
from yugong.core.timeutil import now
from yugong.core.validators import clean_text, normalize_id_number
from yugong.orgs.access import (
    MANAGE_ROLES,
    access_object,
    access_union,
    scope_filter,
    scope_paths,
    subtree_filter,
)

from .models import EmploymentForm, Membership

PAGE_SIZE = 50
_MEMBER_NO_RE = re.compile(r"^[A-Z]{0,4}\d{10,16}$", re.ASCII)
_ID_RE = re.compile(r"^(\d{15}|\d{17}[\dX])$", re.ASCII)
_PHONE_RE = re.compile(r"^1[3-9]\d{9}$", re.ASCII)


# What a member list row shows (the API list, the console list), read as plain tuples in ONE query
# (``values_list``: no model instances) — and no ciphertext: the phone and ID number come as their
# masked copies (``Person.phone_masked`` / ``id_number_masked``), so a list decrypts nothing.
# Order = the fields of MemberRow.
ROW_COLUMNS = (
    "id",
    "status",
    "channel",
    "union_id",
    "union__name",
    "member_no",
    "applied_at",
    "due_at",
    "decided_at",
    "member_since",
    "started_on",
    "ended_on",
    "reject_reason",
    "previous_id",
    "person_id",
    "person__name",
    "person__phone_masked",
    "person__id_number_masked",
    "person__sex",
    "person__birth_date",
    "person__employment_form",
    "person__migrant_worker",
    "person__education",
    "person__occupation",
    "person__employer_id",
    "person__employer_name",
)


@dataclass(slots=True, frozen=True)
class MemberRow:
    """One row of a member list: the membership and its person, personal data already masked."""

    pk: int
    status: str
    channel: str
    union_id: int
    union_name: str
    member_no: str | None
    applied_at: dt.datetime | None
    due_at: dt.datetime | None
    decided_at: dt.datetime | None
    member_since: dt.date | None
    started_on: dt.date | None
    ended_on: dt.date | None
    reject_reason: str
    previous_id: int | None
    person_id: int
    name: str
    phone_masked: str
    id_number_masked: str
    sex: str
    birth_date: dt.date | None
    employment_form: str
    migrant_worker: bool
    education: str
    occupation: str
    employer_id: int | None
    employer_name: str

    @property
    def masked_name(self) -> str:
        return mask_name(self.name)

    @property
    def status_label(self) -> str:
        return str(Membership.Status(self.status).label)

    @property
    def employment_form_label(self) -> str:
        return str(EmploymentForm(self.employment_form).label)


assert len(ROW_COLUMNS) == len(MemberRow.__slots__)


@dataclass
class Page:
    rows: list[Membership] = field(default_factory=list)
    next_after: int | None = None


@dataclass
class RowPage:
    rows: list[MemberRow] = field(default_factory=list)
    next_after: int | None = None


def _limited(
    qs: QuerySet[Membership], *, after: int | None, limit: int, descending: bool
) -> tuple[QuerySet[Membership], int]:
    """The keyset rule, once: ``after`` = the last id of the previous page, ``LIMIT n+1`` tells
    whether there is a next page (no COUNT)."""
    limit = max(1, min(limit, 200))
    if after is not None:
        qs = qs.filter(id__lt=after) if descending else qs.filter(id__gt=after)
    return qs.order_by("-id" if descending else "id")[: limit + 1], limit


def _keyset(qs: QuerySet[Membership], *, after: int | None, limit: int, descending: bool) -> Page:
    page, limit = _limited(qs, after=after, limit=limit, descending=descending)
    rows = list(page)
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows=rows, next_after=rows[-1].pk if more and rows else None)


def rows_page(
    page: QuerySet[Membership],
    limit: int,
    *,
    descending: bool,
    compiled: tuple[str, Any] | None = None,
) -> RowPage:
    """The :class:`RowPage` of a page query from :func:`_limited` (``compiled``: its id query as
    :func:`page_sql` gave it, so that it is not compiled twice)."""
    rows = [MemberRow(*values) for values in _row_values(page, descending=descending, compiled=compiled)]
    more = len(rows) > limit
    rows = rows[:limit]
    return RowPage(rows=rows, next_after=rows[-1].pk if more and rows else None)


def page_sql(page: QuerySet[Membership]) -> tuple[str, Any] | None:
    """The page's id query as the ORM compiles it (the scope, the search, the keyset, the limit):
    what the page cache keys on. None when a filter matches nothing (no scope at all)."""
    try:
        return page.values_list("id").query.sql_with_params()
    except EmptyResultSet:
        return None


def _row_values(
    page: QuerySet[Membership], *, descending: bool, compiled: tuple[str, Any] | None = None
) -> list[tuple[Any, ...]]:
    """The page's rows as tuples in ``ROW_COLUMNS`` order, in ONE statement.

    On PostgreSQL the statement is the outer SELECT compiled once (:func:`_outer_sql`) around the
    page's id query, which the ORM compiles per request from the filters (the scope, the search):
    compiling the 26 shown columns and their two joins on every request cost ~0.5 ms of CPU, more
    than the rows' JSON. The filters stay the ORM's, so no rule is restated; psycopg returns dates
    and times as Python values. Elsewhere (SQLite, whose raw values need Django's converters) the
    ORM's ``values_list`` — the twin test checks both give the same rows."""
    if connection.vendor != "postgresql":
        return list(page.values_list(*ROW_COLUMNS))
    compiled = compiled or page_sql(page)
    if compiled is None:  # a filter that matches nothing (no scope at all): the ORM's answer too
        return []
    ids_sql, params = compiled
    with connection.cursor() as cursor:
        fast_timestamps(cursor)  # equal values, psycopg's C loader (core.db)
        cursor.execute(_outer_sql(descending).replace(_IDS_SLOT, ids_sql), params)
        return cursor.fetchall()


_IDS_SLOT = "/*page ids*/"
_OUTER_SQL: dict[bool, str] = {}


def _outer_sql(descending: bool) -> str:
    """``SELECT <ROW_COLUMNS> FROM members_membership JOIN orgs_union JOIN members_person WHERE
    members_membership.id IN (/*page ids*/) ORDER BY id``, compiled by the ORM once per process."""
    sql = _OUTER_SQL.get(descending)
    if sql is None:
        probe = -424242
        compiled, params = (
            Membership.objects.filter(pk=probe)
            .values_list(*ROW_COLUMNS)
            .order_by("-id" if descending else "id")
            .query.sql_with_params()
        )
        qn = connection.ops.quote_name
        column = f"{qn(Membership._meta.db_table)}.{qn('id')}"
        marker = f"{column} = %s"
        if list(params) != [probe] or compiled.count(marker) != 1:  # pragma: no cover - Django changed
            raise RuntimeError("members: cannot build the list's outer statement")
        sql = _OUTER_SQL[descending] = compiled.replace(marker, f"{column} IN ({_IDS_SLOT})")
    return sql


def _with_related(qs: QuerySet[Membership]) -> QuerySet[Membership]:
    return qs.select_related("person", "union", "person__employer")


def search_condition(q: str) -> Q:
    """What the single search box means: 4 digits = last four phone digits; 11 digits = phone;
    an ID number; a member number; anything else = name (exact or prefix)."""
    q = clean_text(q).replace(" ", "").replace("\x00", "")
    if not q:
        return Q()
    upper = q.upper()
    if re.fullmatch(r"\d{4}", q, re.ASCII):
        return Q(person__phone_tail=q)
    if _PHONE_RE.match(q):
        return Q(person__phone_index=blind_index("phone", q))
    if _ID_RE.match(upper):
        with contextlib.suppress(ValidationFailed):  # not a valid ID: maybe a member number
            return Q(person__id_number_index=blind_index("id_number", normalize_id_number(upper)))
    if _MEMBER_NO_RE.match(upper):
        return Q(member_no=upper)
    if len(q) == 1:  # the same rows, in the form the members_cur_initial_id index answers
        return Q(Exact(Left("person_name", 1), q))
    return Q(person_name__startswith=q)


def member_search(
    user: Any,
    *,
    q: str = "",
    employer: str = "",
    employer_id: int | None = None,
    status: str = "",
    employment_form: str = "",
    migrant: bool | None = None,
    union_id: int | None = None,
    after: int | None = None,
    limit: int = PAGE_SIZE,
) -> RowPage:
    """Members in the actor's subtrees, newest first (rows of :class:`MemberRow`: one query). ``status``: "" = current members (active and
    suspended), "all", or one status. ``union_id`` narrows to that union's subtree (404 outside)."""
    page, limit = member_search_page(
        user,
        q=q,
        employer=employer,
        employer_id=employer_id,
        status=status,
        employment_form=employment_form,
        migrant=migrant,
        union_id=union_id,
        after=after,
        limit=limit,
    )
    return rows_page(page, limit, descending=True)


def member_search_page(
    user: Any,
    *,
    q: str = "",
    employer: str = "",
    employer_id: int | None = None,
    status: str = "",
    employment_form: str = "",
    migrant: bool | None = None,
    union_id: int | None = None,
    after: int | None = None,
    limit: int = PAGE_SIZE,
) -> tuple[QuerySet[Membership], int]:
    """The member search's page query and its size (the filters, the scope, the keyset rule): what
    :func:`member_search` reads, and what the API's page cache (``pagecache``) keys on — one
    predicate for both."""
    qs = scope_filter(Membership.objects.all(), user, path_field="union_path")
    if union_id is not None:
        qs = subtree_filter(qs, access_union(user, union_id), path_field="union_path")
    if status == "all":
        pass
    elif status in Membership.Status.values:
        qs = qs.filter(status=status)
    else:
        qs = qs.filter(status__in=Membership.CURRENT)
    qs = qs.filter(search_condition(q))
    employer = clean_text(employer).replace("\x00", "")
    if employer:
        qs = qs.filter(employer_name__startswith=employer)
    if employer_id is not None:
        qs = qs.filter(person__employer_id=employer_id)
    if employment_form:
        qs = qs.filter(employment_form=employment_form)
    if migrant is not None:
        qs = qs.filter(migrant_worker=migrant)
    return _limited(qs, after=after, limit=limit, descending=True)


def approvals_inbox(
    user: Any, *, overdue_only: bool = False, after: int | None = None, limit: int = PAGE_SIZE
) -> Page:
    """Pending applications and transfers the actor may decide (managing roles), oldest first."""
    qs = scope_filter(Membership.objects.filter(status=Membership.Status.PENDING), user, roles=MANAGE_ROLES)
    if overdue_only:
        qs = qs.filter(due_at__lt=now())
    qs = qs.select_related("previous__union")
    return _keyset(_with_related(qs), after=after, limit=limit, descending=False)


def overdue_for(user: Any, *, after: int | None = None, limit: int = PAGE_SIZE) -> Page:
    """Overdue pending applications of unions strictly below the actor's nodes: what the level above
    must chase (an application at the actor's own node is in their inbox, not here)."""
    paths = scope_paths(user, MANAGE_ROLES)
    if not paths:
        return Page()
    condition = Q(pk__in=[])
    for path in paths:
        condition |= Q(union__path__startswith=path) & ~Q(union__path=path)
    qs = Membership.objects.filter(status=Membership.Status.PENDING, due_at__lt=now()).filter(condition)
    return _keyset(_with_related(qs), after=after, limit=limit, descending=False)


def membership_get(user: Any, pk: Any) -> Membership:
    """One membership in the actor's subtrees (NotFound otherwise, like a missing one)."""
    return access_object(
        _with_related(Membership.objects.all()).select_related("decided_by", "previous__union"), user, pk
    )


def person_history(person_id: int) -> list[Membership]:
    return list(Membership.objects.filter(person_id=person_id).select_related("union").order_by("-id")[:50])


def my_memberships(user: Any) -> list[Membership]:
    if not getattr(user, "is_authenticated", False):
        return []
    return list(
        Membership.objects.filter(person__user_id=user.pk)
        .select_related("union", "person", "previous__union")
        .order_by("-id")[:50]
    )


def my_current_membership(user: Any) -> Membership | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        Membership.objects.filter(person__user_id=user.pk, status__in=Membership.CURRENT)
        .select_related("union", "person")
        .first()
    )


def my_pending(user: Any) -> Membership | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        Membership.objects.filter(person__user_id=user.pk, status=Membership.Status.PENDING)
        .select_related("union", "person", "previous__union")
        .first()
    )
