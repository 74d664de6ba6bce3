"""Pages of news and notices: the worker's list and article, and the publisher's console."""

from __future__ import annotations

from django.contrib import messages
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yugong.accounts.models import request_user
from yugong.core.errors import ApplicationError, NotFound
from yugong.core.images import srcset
from yugong.orgs.access import MANAGE_ROLES, access_union, staff_scope
from yugong.orgs.decorators import console_required

from . import selectors, services
from .forms import ArticleForm, UploadForm, WithdrawForm
from .models import Article


def _int(value: str | None) -> int | None:
    try:
        return int(value or "")
    except ValueError:
        return None


# --- Worker H5 -----------------------------------------------------------------------------


def h5_list(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind", "")
    kind = kind if kind in Article.Kind.values else ""
    q = request.GET.get("q", "").strip()[:100]
    if q:
        rows = selectors.search(request.user, q)
        more = None
    else:
        rows = selectors.feed(request.user, kind=kind, before_id=_int(request.GET.get("before")), limit=21)
        more = rows[19]["id"] if len(rows) > 20 else None
        rows = rows[:20]
    return render(
        request,
        "news/h5_list.html",
        {"tab": "home", "rows": rows, "kind": kind, "kinds": Article.Kind.choices, "q": q, "more": more},
    )


def h5_detail(request: HttpRequest, pk: int) -> HttpResponse:
    article = selectors.article_for_reader(request.user, pk)
    if article.requires_receipt and request.user.is_authenticated:
        services.receipt_mark(user=request_user(request), article=article)
    cover_srcset = (
        srcset(article.cover, article.cover_width, article.cover_renditions) if article.cover else ""
    )
    return render(
        request,
        "news/h5_detail.html",
        {
            "tab": "home",
            "article": article,
            "cover_url": default_storage.url(article.cover) if article.cover else "",
            "cover_srcset": cover_srcset,
        },
    )


def attachment_download(request: HttpRequest, pk: int, attachment_pk: int) -> FileResponse:
    """Attachments are served only to those who may read the article (never by storage name)."""
    article = selectors.article_for_reader(request.user, pk)
    attachment = next((a for a in article.attachments.all() if a.pk == attachment_pk), None)
    if attachment is None:
        raise NotFound()
    return FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.name,
        content_type=attachment.content_type or "application/octet-stream",
    )


# --- Staff console -------------------------------------------------------------------------


def _union_choices(request: HttpRequest) -> list[tuple[int, str]]:
    return [(u.pk, u.name) for u in staff_scope(request.user, MANAGE_ROLES)]


@console_required
def console_list(request: HttpRequest) -> HttpResponse:
    qs = selectors.managed_articles(request.user)
    status = request.GET.get("status", "")
    if status in Article.Status.values:
        qs = qs.filter(status=status)
    page = Paginator(qs.order_by("-id"), 30).get_page(request.GET.get("page"))
    return render(
        request,
        "news/console_list.html",
        {
            "section": "orgs",
            "page": page,
            "status": status,
            "statuses": Article.Status.choices,
            "can_publish": bool(_union_choices(request)),
        },
    )


@console_required
def console_new(request: HttpRequest) -> HttpResponse:
    unions = _union_choices(request)
    if not unions:
        raise NotFound()
    form = ArticleForm(request.POST or None, unions=unions)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            union = access_union(request.user, data.pop("union"), roles=MANAGE_ROLES)
            article = services.article_create(actor=request_user(request), union=union, **data)
        except ApplicationError as exc:
            form.take_errors(exc)
        else:
            messages.success(request, _("已保存草稿。"))
            return HttpResponseRedirect(reverse("news:console_edit", args=[article.pk]))
    return render(request, "news/console_form.html", {"section": "orgs", "form": form, "article": None})


@console_required
def console_edit(request: HttpRequest, pk: int) -> HttpResponse:
    article = selectors.managed_article(request.user, pk)
    initial = {f: getattr(article, f) for f in services.EDITABLE}
    form = ArticleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.article_update(actor=request_user(request), article=article, **form.cleaned_data)
        except ApplicationError as exc:
            form.take_errors(exc)
        else:
            messages.success(request, _("已保存。"))
            return HttpResponseRedirect(reverse("news:console_edit", args=[article.pk]))
    ctx = {
        "section": "orgs",
        "form": form,
        "article": article,
        "upload_form": UploadForm(),
        "withdraw_form": WithdrawForm(),
        "receipts": selectors.receipt_status(article) if article.requires_receipt else None,
    }
    return render(request, "news/console_form.html", ctx)


@console_required
@require_POST
def console_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Publish, withdraw, set the cover, add an attachment: each through its form and service."""
    article = selectors.managed_article(request.user, pk)
    actor = request_user(request)
    try:
        if action == "publish":
            services.article_publish(actor=actor, article=article)
            messages.success(request, _("已发布。"))
        elif action == "withdraw":
            withdraw = WithdrawForm(request.POST)
            if not withdraw.is_valid():
                raise_first(withdraw)
            services.article_withdraw(actor=actor, article=article, reason=withdraw.cleaned_data["reason"])
            messages.success(request, _("已撤回。"))
        elif action in ("cover", "attachment"):
            upload = UploadForm(request.POST, request.FILES)
            if not upload.is_valid():
                raise_first(upload)
            if action == "cover":
                services.article_set_cover(actor=actor, article=article, upload=upload.cleaned_data["file"])
            else:
                services.attachment_add(actor=actor, article=article, upload=upload.cleaned_data["file"])
            messages.success(request, _("已上传。"))
        else:
            raise NotFound()
    except ApplicationError as exc:
        details = "；".join(str(m) for msgs in exc.fields.values() for m in msgs)
        messages.error(request, details or str(exc.message))
    return HttpResponseRedirect(reverse("news:console_edit", args=[article.pk]))


def raise_first(form: ArticleForm | WithdrawForm | UploadForm) -> None:
    from yugong.core.errors import ValidationFailed

    raise ValidationFailed(fields={k: [str(m) for m in v] for k, v in form.errors.items()})


@console_required
def console_receipts(request: HttpRequest, pk: int) -> HttpResponse:
    article = selectors.managed_article(request.user, pk)
    if not article.requires_receipt:
        raise NotFound()
    return render(
        request,
        "news/console_receipts.html",
        {"section": "orgs", "article": article, "receipts": selectors.receipt_status(article)},
    )
