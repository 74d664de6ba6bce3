"""Who reads what — one predicate (:func:`readable_q`) behind the feeds, the detail page, the
attachment download, the API and the receipt: a worker reads what the unions of their chain
published to workers; staff also read what was published to staff of a node above (or at) one of
their role nodes; anyone else reads only what the roots (the city federation) published to workers.
Publishers manage their subtree's articles through the access layer (:func:`managed_articles`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from yugong.core.errors import NotFound
from yugong.core.textsearch import highlight, query_tokens, ranked_ids
from yugong.members.selectors import my_current_membership
from yugong.orgs.access import MANAGE_ROLES, access_object, grants, scope_filter
from yugong.orgs.models import RoleAssignment
from yugong.orgs.tree import chain_ids

from .models import Article, ReadReceipt

FEED_FIELDS = (
    "id", "union_id", "union__name", "union__short_name", "kind", "audience", "title", "summary", "cover",
    "cover_width", "cover_height", "cover_renditions", "pinned", "requires_receipt", "published_at", "source",
)  # fmt: skip


@dataclass(frozen=True)
class Reader:
    """The union chains a user reads from: as a member, and as staff."""

    member_chain: frozenset[int]
    staff_chain: frozenset[int]
    anonymous: bool


def reader_of(user: Any) -> Reader:
    if not getattr(user, "is_authenticated", False):
        return Reader(frozenset(), frozenset(), True)
    cached = getattr(user, "_news_reader", None)
    if cached is not None:
        return cached
    membership = my_current_membership(user)
    member = frozenset(chain_ids(membership.union.path)) if membership else frozenset()
    staff = frozenset(i for g in grants(user) for i in chain_ids(g.path))
    reader = Reader(member, staff, False)
    user._news_reader = reader
    return reader


def readable_q(user: Any) -> Q:
    reader = reader_of(user)
    workers = Q(audience=Article.Audience.WORKERS)
    if reader.anonymous or not (reader.member_chain or reader.staff_chain):
        condition = workers & Q(union__parent__isnull=True)
    else:
        condition = workers & Q(union_id__in=sorted(reader.member_chain | reader.staff_chain))
        if reader.staff_chain:
            condition |= Q(audience=Article.Audience.STAFF, union_id__in=sorted(reader.staff_chain))
    return Q(published=True) & condition


def feed(user: Any, *, kind: str = "", before_id: int | None = None, limit: int = 20) -> list[dict[str, Any]]:
    """Newest first, keyset-paged by id (``before_id``): one query, plain rows."""
    qs = Article.objects.filter(readable_q(user))
    if kind in Article.Kind.values:
        qs = qs.filter(kind=kind)
    if before_id:
        qs = qs.filter(id__lt=before_id)
    return list(qs.order_by("-id").values(*FEED_FIELDS)[: max(1, min(limit, 50))])


def banners(user: Any, *, limit: int = 5) -> list[dict[str, Any]]:
    """Pinned items with a cover, for the home carousel."""
    return list(
        Article.objects.filter(readable_q(user), pinned=True)
        .exclude(cover="")
        .order_by("-id")
        .values(*FEED_FIELDS)[:limit]
    )


def search(user: Any, query: str, *, limit: int = 20) -> list[dict[str, Any]]:
    """Chinese full-text search over what the user may read (the policy library's engine)."""
    tokens = query_tokens(query)
    if not tokens:
        return []
    ids = ranked_ids(Article._meta.db_table, tokens, any_word=False, limit=200, offset=0)
    if not ids and len(tokens) > 1:
        ids = ranked_ids(Article._meta.db_table, tokens, any_word=True, limit=200, offset=0)
    rows = {r["id"]: r for r in Article.objects.filter(readable_q(user), id__in=ids).values(*FEED_FIELDS)}
    hits = []
    for pk in ids:
        row = rows.get(pk)
        if row is not None:
            row["title_html"] = highlight(row["title"], tokens)
            row["summary_html"] = highlight(row["summary"], tokens, window=80)
            hits.append(row)
        if len(hits) >= limit:
            break
    return hits


def article_for_reader(user: Any, pk: Any) -> Article:
    """One article the user may read, or NotFound (missing and unreadable look the same)."""
    try:
        article = (
            Article.objects.filter(readable_q(user))
            .select_related("union")
            .prefetch_related("attachments")
            .get(pk=int(pk))
        )
    except (Article.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None
    return article


def managed_articles(user: Any) -> QuerySet[Article]:
    return scope_filter(Article.objects.select_related("union", "author"), user, roles=MANAGE_ROLES)


def managed_article(user: Any, pk: Any) -> Article:
    return access_object(
        Article.objects.select_related("union").prefetch_related("attachments"), user, pk, roles=MANAGE_ROLES
    )


def receipt_status(article: Article) -> dict[str, Any]:
    """Who should read a notice (staff holding a role in the publisher's subtree) and who has not
    yet: three queries whatever the numbers."""
    recipients = (
        RoleAssignment.objects.filter(
            active=True, union__path__startswith=article.union.path, user__is_active=True
        )
        .values_list("user_id", flat=True)
        .distinct()
    )
    read_ids = set(ReadReceipt.objects.filter(article=article).values_list("user_id", flat=True))
    from yugong.accounts.models import User

    people = list(
        User.objects.filter(pk__in=recipients)
        .order_by("display_name", "pk")
        .values("pk", "display_name", "username")
    )
    unread = [p for p in people if p["pk"] not in read_ids]
    return {"total": len(people), "read": len(people) - len(unread), "unread": unread}
