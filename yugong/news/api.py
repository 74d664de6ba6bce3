import datetime as dt
from typing import Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from pydantic import BaseModel

from yugong.accounts.models import request_user
from yugong.core.errors import NotFound, Unauthenticated
from yugong.core.schemas import ERROR_RESPONSES
from yugong.orgs.access import MANAGE_ROLES, access_union

from . import selectors, services
from .models import Article

router = Router(tags=["news"])

# The values of Article.Kind / Article.Audience (tests/test_api pins that they agree).
Kind = Literal["news", "notice", "honour", "publicity"]
Audience = Literal["workers", "staff"]


class NewsItemOut(BaseModel):
    id: int
    union_id: int
    union_name: str
    kind: str
    audience: str
    title: str
    summary: str
    has_cover: bool
    pinned: bool
    requires_receipt: bool
    published_at: dt.datetime | None


def _item(row: dict) -> NewsItemOut:
    return NewsItemOut(
        id=row["id"],
        union_id=row["union_id"],
        union_name=row["union__short_name"] or row["union__name"],
        kind=row["kind"],
        audience=row["audience"],
        title=row["title"],
        summary=row["summary"],
        has_cover=bool(row["cover"]),
        pinned=row["pinned"],
        requires_receipt=row["requires_receipt"],
        published_at=row["published_at"],
    )


class NewsAttachmentOut(BaseModel):
    id: int
    name: str
    size: int
    url: str


class NewsArticleOut(BaseModel):
    id: int
    union_id: int
    union_name: str
    kind: str
    audience: str
    status: str
    title: str
    summary: str
    body_html: str
    pinned: bool
    requires_receipt: bool
    published_at: dt.datetime | None
    attachments: list[NewsAttachmentOut]


def _article(article: Article) -> NewsArticleOut:
    from django.urls import reverse

    return NewsArticleOut(
        id=article.pk,
        union_id=article.union_id,
        union_name=article.union.short_name or article.union.name,
        kind=article.kind,
        audience=article.audience,
        status=article.status,
        title=article.title,
        summary=article.summary,
        body_html=article.body_html,
        pinned=article.pinned,
        requires_receipt=article.requires_receipt,
        published_at=article.published_at,
        attachments=[
            NewsAttachmentOut(
                id=a.pk, name=a.name, size=a.size, url=reverse("news:attachment", args=[article.pk, a.pk])
            )
            for a in article.attachments.all()
        ],
    )


class NewsFeedFilters(Schema):
    kind: Kind | None = None
    before_id: int | None = Field(None, ge=1, description="上一页最后一条的 id（键集分页）")
    q: str = Field("", max_length=100, description="全文检索")
    limit: int = Field(20, ge=1, le=50)


@router.get(
    "/articles", response={200: list[NewsItemOut], **ERROR_RESPONSES}, auth=None, summary="资讯公告列表"
)
def feed(request: HttpRequest, filters: Query[NewsFeedFilters]) -> object:
    if filters.q.strip():
        return [_item(r) for r in selectors.search(request.user, filters.q, limit=filters.limit)]
    rows = selectors.feed(
        request.user, kind=filters.kind or "", before_id=filters.before_id, limit=filters.limit
    )
    return [_item(r) for r in rows]


@router.get(
    "/articles/{article_id}",
    response={200: NewsArticleOut, **ERROR_RESPONSES},
    auth=None,
    summary="资讯公告详情",
)
def detail(request: HttpRequest, article_id: int) -> object:
    article = selectors.article_for_reader(request.user, article_id)
    if article.requires_receipt and request.user.is_authenticated:
        services.receipt_mark(user=request_user(request), article=article)
    return _article(article)


class NewsArticleIn(Schema):
    union_id: int
    kind: Kind = "news"
    audience: Audience = "workers"
    title: str = Field(..., min_length=1, max_length=120)
    summary: str = Field("", max_length=200)
    body_html: str = Field("", max_length=200_000)
    pinned: bool = False
    requires_receipt: bool = False


class NewsArticlePatch(Schema):
    kind: Kind | None = None
    audience: Audience | None = None
    title: str | None = Field(None, min_length=1, max_length=120)
    summary: str | None = Field(None, max_length=200)
    body_html: str | None = Field(None, max_length=200_000)
    pinned: bool | None = None
    requires_receipt: bool | None = None


class NewsWithdrawIn(Schema):
    reason: str = Field(..., min_length=1, max_length=200)


class NewsReaderOut(BaseModel):
    id: int
    name: str


class NewsReceiptsOut(BaseModel):
    total: int
    read: int
    unread: list[NewsReaderOut]


def _staff(request: HttpRequest) -> None:
    if not request.user.is_authenticated:
        raise Unauthenticated()


@router.get(
    "/manage/articles", response={200: list[NewsArticleOut], **ERROR_RESPONSES}, summary="我管理的资讯公告"
)
def manage_list(
    request: HttpRequest, status: Literal["draft", "published", "withdrawn"] | None = None
) -> object:
    qs = selectors.managed_articles(request.user).prefetch_related("attachments")
    if status:
        qs = qs.filter(status=status)
    return [_article(a) for a in qs.order_by("-id")[:100]]


@router.post(
    "/manage/articles", response={201: NewsArticleOut, **ERROR_RESPONSES}, summary="撰写资讯公告（草稿）"
)
def manage_create(request: HttpRequest, body: NewsArticleIn) -> object:
    data = body.dict()
    union = access_union(request.user, data.pop("union_id"), roles=MANAGE_ROLES)
    article = services.article_create(actor=request_user(request), union=union, **data)
    return Status(201, _article(selectors.managed_article(request.user, article.pk)))


@router.patch(
    "/manage/articles/{article_id}", response={200: NewsArticleOut, **ERROR_RESPONSES}, summary="修改资讯公告"
)
def manage_update(request: HttpRequest, article_id: int, body: NewsArticlePatch) -> object:
    article = selectors.managed_article(request.user, article_id)
    fields = {k: v for k, v in body.dict(exclude_unset=True).items() if v is not None}
    services.article_update(actor=request_user(request), article=article, **fields)
    return _article(selectors.managed_article(request.user, article_id))


@router.post(
    "/manage/articles/{article_id}/publish", response={200: NewsArticleOut, **ERROR_RESPONSES}, summary="发布"
)
def manage_publish(request: HttpRequest, article_id: int) -> object:
    article = selectors.managed_article(request.user, article_id)
    services.article_publish(actor=request_user(request), article=article)
    return _article(selectors.managed_article(request.user, article_id))


@router.post(
    "/manage/articles/{article_id}/withdraw",
    response={200: NewsArticleOut, **ERROR_RESPONSES},
    summary="撤回",
)
def manage_withdraw(request: HttpRequest, article_id: int, body: NewsWithdrawIn) -> object:
    article = selectors.managed_article(request.user, article_id)
    services.article_withdraw(actor=request_user(request), article=article, reason=body.reason)
    return _article(selectors.managed_article(request.user, article_id))


@router.get(
    "/manage/articles/{article_id}/receipts",
    response={200: NewsReceiptsOut, **ERROR_RESPONSES},
    summary="阅读回执：谁尚未阅读",
)
def manage_receipts(request: HttpRequest, article_id: int) -> object:
    article = selectors.managed_article(request.user, article_id)
    if not article.requires_receipt:
        raise NotFound()
    status = selectors.receipt_status(article)
    return NewsReceiptsOut(
        total=status["total"],
        read=status["read"],
        unread=[NewsReaderOut(id=p["pk"], name=p["display_name"] or p["username"]) for p in status["unread"]],
    )
