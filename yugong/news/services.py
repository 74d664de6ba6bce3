"""Writes of news and notices. Staff with a managing role (chair, vice chair, staff) at a node
publish to that node's subtree; every write is audited; a publication is counted for the cockpit."""

from __future__ import annotations

import mimetypes
from functools import partial
from typing import Any

from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.core.audit import audit_record, diff, snapshot
from yugong.core.errors import Conflict, ValidationFailed
from yugong.core.facts import fact_record
from yugong.core.images import delete_picture, store_picture
from yugong.core.textsearch import fts_sync, index_tokens
from yugong.orgs.access import MANAGE_ROLES, require_role
from yugong.orgs.models import Union

from .models import Article, Attachment, ReadReceipt, attachment_path
from .sanitize import clean_body, plain_text

EDITABLE = ("kind", "audience", "title", "summary", "body_html", "pinned", "requires_receipt")
ATTACHMENT_TYPES = {
    ".pdf", ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".jpg", ".jpeg", ".png", ".txt", ".zip",
}  # fmt: skip
ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024
ATTACHMENTS_PER_ARTICLE = 10


def _clean(fields: dict[str, Any]) -> dict[str, Any]:
    """Validate and normalise the editable fields; Chinese errors naming each field."""
    errors: dict[str, Any] = {}
    out = dict(fields)
    title = " ".join(str(out.get("title") or "").replace("\x00", "").split())
    if not title:
        errors["title"] = _("请填写标题。")
    elif len(title) > 120:
        errors["title"] = _("标题不能超过120个字。")
    out["title"] = title
    summary = " ".join(str(out.get("summary") or "").replace("\x00", "").split())
    if len(summary) > 200:
        errors["summary"] = _("摘要不能超过200个字。")
    out["body_html"] = clean_body(str(out.get("body_html") or ""))
    if not summary and out["body_html"]:
        summary = plain_text(out["body_html"])[:80]
    out["summary"] = summary
    if out.get("kind") not in Article.Kind.values:
        errors["kind"] = _("请选择有效的类别。")
    if out.get("audience") not in Article.Audience.values:
        errors["audience"] = _("请选择有效的阅读对象。")
    out["pinned"] = bool(out.get("pinned"))
    out["requires_receipt"] = bool(out.get("requires_receipt"))
    if out["requires_receipt"] and out.get("audience") != Article.Audience.STAFF:
        errors["requires_receipt"] = _("只有发给工会干部的通知才能要求阅读回执。")
    if errors:
        raise ValidationFailed(fields=errors)
    return out


def _index(article: Article) -> None:
    article.search_text = index_tokens(f"{article.title}\n{article.summary}\n{plain_text(article.body_html)}")
    Article.objects.filter(pk=article.pk).update(search_text=article.search_text)
    fts_sync(Article._meta.db_table, article.pk, article.search_text)


@transaction.atomic
def article_create(
    *,
    actor: User,
    union: Union,
    title: str,
    body_html: str = "",
    summary: str = "",
    kind: str = Article.Kind.NEWS,
    audience: str = Article.Audience.WORKERS,
    pinned: bool = False,
    requires_receipt: bool = False,
) -> Article:
    """A draft article of ``union`` (the actor manages it)."""
    require_role(actor, union, MANAGE_ROLES)
    data = _clean(
        {
            "title": title,
            "body_html": body_html,
            "summary": summary,
            "kind": kind,
            "audience": audience,
            "pinned": pinned,
            "requires_receipt": requires_receipt,
        }
    )
    article = Article.objects.create(union=union, author=actor, **data)
    _index(article)
    audit_record(actor=actor, action="news.article_created", obj=article, union_id=union.pk)
    return article


def _lock(actor: User, article: Article) -> Article:
    locked = Article.objects.select_for_update().get(pk=article.pk)
    require_role(actor, locked.union, MANAGE_ROLES)
    return locked


@transaction.atomic
def article_update(*, actor: User, article: Article, **fields: Any) -> Article:
    article = _lock(actor, article)
    if article.status == Article.Status.WITHDRAWN:
        raise Conflict(_("已撤回的内容不能再编辑。"))
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    before = snapshot(article, EDITABLE)
    data = _clean({**before, **fields})
    for key, value in data.items():
        setattr(article, key, value)
    article.save()
    _index(article)
    audit_record(
        actor=actor,
        action="news.article_updated",
        obj=article,
        union_id=article.union_id,
        changes=diff(before, snapshot(article, EDITABLE)),
    )
    return article


@transaction.atomic
def article_publish(*, actor: User, article: Article) -> Article:
    article = _lock(actor, article)
    if article.status == Article.Status.PUBLISHED:
        return article
    if article.status == Article.Status.WITHDRAWN:
        raise Conflict(_("已撤回的内容不能再发布，请新建一篇。"))
    if not article.body_html and not article.attachments.exists():
        raise ValidationFailed(fields={"body_html": _("请填写正文或上传附件后再发布。")})
    article.status = Article.Status.PUBLISHED
    article.published = True
    article.published_at = timezone.now()
    article.save(update_fields=["status", "published", "published_at", "updated_at"])
    audit_record(actor=actor, action="news.article_published", obj=article, union_id=article.union_id)
    fact_record(metric="news.published", union_id=article.union_id, dim=article.kind)
    return article


@transaction.atomic
def article_withdraw(*, actor: User, article: Article, reason: str) -> Article:
    article = _lock(actor, article)
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationFailed(fields={"reason": _("请填写撤回原因。")})
    if len(reason) > 200:
        raise ValidationFailed(fields={"reason": _("撤回原因不能超过200个字。")})
    if article.status != Article.Status.PUBLISHED:
        raise Conflict(_("只有已发布的内容可以撤回。"))
    article.status = Article.Status.WITHDRAWN
    article.published = False
    article.withdrawn_reason = reason
    article.save(update_fields=["status", "published", "withdrawn_reason", "updated_at"])
    audit_record(
        actor=actor,
        action="news.article_withdrawn",
        obj=article,
        union_id=article.union_id,
        extra={"reason": reason},
    )
    return article


def article_set_cover(*, actor: User, article: Article, upload: Any) -> Article:
    """Store the picture and its renditions first (no storage I/O under the row lock), then
    attach them; files of a failed transaction are removed again."""
    require_role(actor, article.union, MANAGE_ROLES)
    stored = store_picture(upload, folder=f"news/covers/{article.pk}", field="cover", label=_("封面图"))
    try:
        with transaction.atomic():
            locked = _lock(actor, article)
            old = [locked.cover, *locked.cover_renditions.values()]
            locked.cover = stored.name
            locked.cover_width, locked.cover_height = stored.width, stored.height
            locked.cover_renditions = {str(w): n for w, n in stored.renditions.items()}
            locked.save(
                update_fields=["cover", "cover_width", "cover_height", "cover_renditions", "updated_at"]
            )
            audit_record(actor=actor, action="news.cover_set", obj=locked, union_id=locked.union_id)
            transaction.on_commit(partial(delete_picture, [n for n in old if n]))
    except Exception:
        delete_picture(stored.all_names())
        raise
    return locked


def attachment_add(*, actor: User, article: Article, upload: Any) -> Attachment:
    """Check the file, store it (before the transaction: storage may be a network call), then
    record it under the article's row lock; a refused or failed record removes the file again."""
    require_role(actor, article.union, MANAGE_ROLES)
    if upload is None:
        raise ValidationFailed(fields={"file": _("请选择要上传的附件。")})
    name = str(getattr(upload, "name", "") or "").replace("\x00", "")[-120:]
    ext = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    size = int(getattr(upload, "size", 0) or 0)
    if ext not in ATTACHMENT_TYPES:
        raise ValidationFailed(fields={"file": _("附件只能是 PDF、Office 文档、图片、文本或压缩包。")})
    if size <= 0 or size > ATTACHMENT_MAX_BYTES:
        raise ValidationFailed(fields={"file": _("附件须小于 20 MB 且不能是空文件。")})
    stored = default_storage.save(attachment_path(article.pk), upload)
    try:
        with transaction.atomic():
            locked = _lock(actor, article)
            if locked.status == Article.Status.WITHDRAWN:
                raise Conflict(_("已撤回的内容不能再编辑。"))
            if locked.attachments.count() >= ATTACHMENTS_PER_ARTICLE:
                raise Conflict(_("每篇最多 %(n)s 个附件。") % {"n": ATTACHMENTS_PER_ARTICLE})
            attachment = Attachment.objects.create(
                article=locked,
                file=stored,
                name=name,
                size=size,
                content_type=mimetypes.guess_type(name)[0] or "application/octet-stream",
            )
            audit_record(
                actor=actor,
                action="news.attachment_added",
                obj=locked,
                union_id=locked.union_id,
                extra={"file": name},
            )
    except Exception:
        default_storage.delete(stored)
        raise
    return attachment


@transaction.atomic
def receipt_mark(*, user: User, article: Article) -> bool:
    """The reader opened a notice that asks for a receipt. True when this was the first time.
    The caller checked that ``user`` may read it (selectors.article_for_reader)."""
    if not article.requires_receipt or not getattr(user, "is_authenticated", False):
        return False
    _receipt, created = ReadReceipt.objects.get_or_create(article=article, user=user)
    if created:
        audit_record(actor=user, action="news.receipt", obj=article, union_id=article.union_id)
    return created


@transaction.atomic
def article_post(
    *,
    actor: User,
    union: Union,
    kind: str,
    title: str,
    body_html: str,
    source: str,
    audience: str = Article.Audience.WORKERS,
) -> Article:
    """A scenario app publishes (an honour list, a 公示) in one step, once per ``source``: posting
    the same source again returns the article already posted."""
    if not source:
        raise ValueError("a post from an app names its source")
    existing = Article.objects.filter(source=source).first()
    if existing is not None:
        return existing
    article = article_create(
        actor=actor, union=union, title=title, body_html=body_html, kind=kind, audience=audience
    )
    article.source = source
    article.save(update_fields=["source"])
    return article_publish(actor=actor, article=article)
