"""Pages of the reading campaign (玫瑰书香) and of the day's photos.

Worker (phone): the campaign page (my figures, the day's log, the book list, my essays), the board,
published essays (for the activity's audience), writing an essay; the activity's photos, uploading
one (attendees) and asking for a takedown. Console: the book list, the essay review queue, the
photo review queue with the takedown requests. Views parse (``forms_reading``) and render; the
services in ``reading`` and ``photos`` decide."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yugong.accounts.models import request_user
from yugong.core.errors import ApplicationError, NotFound, reraise_refusal
from yugong.orgs.decorators import console_required, worker_required

from . import kinds, photos, reading, selectors
from .forms_reading import (
    BookForm,
    EssayForm,
    PhotoUploadForm,
    ReadingLogForm,
    ReviewForm,
    TakedownForm,
    TakedownHandleForm,
)
from .models import Activity, ActivityKind, SignUp
from .models_kinds import ReadingBook


def _h5(request: HttpRequest, template: str, ctx: dict[str, Any], status: int = 200) -> HttpResponse:
    return render(request, template, {"tab": "home", **ctx}, status=status)


def _console(request: HttpRequest, template: str, ctx: dict[str, Any], status: int = 200) -> HttpResponse:
    return render(request, template, {"section": "services", **ctx}, status=status)


def _books(activity: Activity) -> list[tuple[int, str]]:
    return [(b.pk, b.title) for b in activity.books.all()]


def _my_signup(request: HttpRequest, activity: Activity) -> SignUp | None:
    return (
        SignUp.objects.filter(activity=activity, person__user_id=request.user.pk, status__in=reading.READERS)
        .select_related("activity")
        .first()
    )


# --- worker: the campaign ------------------------------------------------------------------------


def _campaign_page(
    request: HttpRequest, activity: Activity, form: ReadingLogForm | None = None, status: int = 200
) -> HttpResponse:
    signup = _my_signup(request, activity)
    books = list(activity.books.all())
    ctx = {
        "activity": activity,
        "signup": signup,
        "books": books,
        "totals": reading.campaign_totals(activity),
        "mine": reading.my_totals(signup) if signup else None,
        "logs": reading.my_logs(signup, limit=10) if signup else [],
        "essays": reading.my_essays(signup) if signup else [],
        "form": form or (ReadingLogForm(books=[(b.pk, b.title) for b in books]) if signup else None),
        "may_read": signup is not None or reading.may_read_essays(request.user, activity),
    }
    return _h5(request, "events/reading/h5_campaign.html", ctx, status)


@worker_required
def h5_reading(request: HttpRequest, activity_id: int) -> HttpResponse:
    return _campaign_page(request, reading.reading_campaign(activity_id))


@require_POST
@worker_required
def h5_reading_log(request: HttpRequest, activity_id: int) -> HttpResponse:
    activity = reading.reading_campaign(activity_id)
    form = ReadingLogForm(request.POST, books=_books(activity))
    if form.is_valid():
        d = form.cleaned_data
        try:
            result = reading.reading_log_record(
                actor=request_user(request),
                activity_id=activity.pk,
                book_id=d["book"],
                minutes=d["minutes"],
                pages=d["pages"],
                day=d["day"],
                note=d["note"],
            )
        except ApplicationError as exc:
            reraise_refusal(exc)
            form.apply_errors(exc)
        else:
            messages.success(
                request,
                _("已记录：《%(book)s》%(m)s分钟。")
                % {"book": result.log.book.title, "m": result.log.minutes}
                if result.created
                else _("已更正当天《%(book)s》的阅读记录。") % {"book": result.log.book.title},
            )
            return redirect("events:h5_reading", activity.pk)
    return _campaign_page(request, activity, form, status=422)


@worker_required
def h5_reading_board(request: HttpRequest, activity_id: int) -> HttpResponse:
    activity = reading.reading_campaign(activity_id)
    signup = _my_signup(request, activity)
    ctx = {
        "activity": activity,
        "totals": reading.campaign_totals(activity),
        "rows": reading.campaign_board(activity),
        "my_id": signup.pk if signup else None,
    }
    return _h5(request, "events/reading/h5_board.html", ctx)


@worker_required
def h5_essays(request: HttpRequest, activity_id: int) -> HttpResponse:
    activity = reading.reading_campaign(activity_id)
    reading.require_essay_reader(request.user, activity)
    essays = list(reading.published_essays(activity)[:100])
    return _h5(request, "events/reading/h5_essays.html", {"activity": activity, "essays": essays})


@worker_required
def h5_essay(request: HttpRequest, activity_id: int, essay_id: int) -> HttpResponse:
    activity = reading.reading_campaign(activity_id)
    essay = reading.essay_for_reader(request.user, activity, essay_id)
    own = essay.signup.person.user_id == request.user.pk
    return _h5(request, "events/reading/h5_essay.html", {"activity": activity, "essay": essay, "own": own})


@worker_required
def h5_essay_new(request: HttpRequest, activity_id: int) -> HttpResponse:
    activity = reading.reading_campaign(activity_id)
    if _my_signup(request, activity) is None:
        raise NotFound()
    form = EssayForm(request.POST or None, books=_books(activity))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            essay = reading.essay_submit(
                actor=request_user(request),
                activity_id=activity.pk,
                title=d["title"],
                body=d["body"],
                book_id=d["book"],
            )
        except ApplicationError as exc:
            reraise_refusal(exc)
            form.apply_errors(exc)
        else:
            messages.success(request, _("读后感已提交，审核通过后公开。"))
            return redirect("events:h5_essay", activity.pk, essay.pk)
    ctx = {"activity": activity, "form": form}
    return _h5(request, "events/reading/h5_essay_new.html", ctx, 422 if form.errors else 200)


# --- worker: photos of the day ---------------------------------------------------------------------


def _photos_page(
    request: HttpRequest, activity: Activity, form: PhotoUploadForm | None = None, status: int = 200
) -> HttpResponse:
    attendee = bool(
        request.user.is_authenticated
        and SignUp.objects.filter(
            activity=activity, person__user_id=request.user.pk, status=SignUp.Status.WON
        ).exists()
    )
    refusal = photos.upload_refusal(activity) if attendee else ""
    ctx = {
        "activity": activity,
        "photos": list(photos.published_photos(activity)[:60]),
        "attendee": attendee,
        "refusal": refusal,
        "form": form or (PhotoUploadForm() if attendee and not refusal else None),
        "mine": photos.my_photos(request.user, activity) if attendee else [],
    }
    return _h5(request, "events/photos/h5_photos.html", ctx, status)


def h5_photos(request: HttpRequest, activity_id: int) -> HttpResponse:
    """The activity's published photos (public, as the activity page); attendees upload here."""
    activity = selectors.public_activity(activity_id)
    if request.method != "POST":
        return _photos_page(request, activity)
    if not request.user.is_authenticated:
        raise NotFound()
    form = PhotoUploadForm(request.POST, request.FILES)
    if form.is_valid():
        d = form.cleaned_data
        try:
            photos.photo_upload(
                actor=request_user(request),
                activity_id=activity.pk,
                image=d["image"],
                caption=d["caption"],
                consent=d["consent"],
            )
        except ApplicationError as exc:
            reraise_refusal(exc)
            form.apply_errors(exc)
        else:
            messages.success(request, _("照片已上传，审核通过后在活动页展示。"))
            return redirect("events:h5_photos", activity.pk)
    return _photos_page(request, activity, form, status=422)


@worker_required
def h5_photo_takedown(request: HttpRequest, activity_id: int, photo_id: int) -> HttpResponse:
    activity = selectors.public_activity(activity_id)
    photo = photos.published_photos(activity).filter(pk=photo_id).first()
    if photo is None:
        raise NotFound()
    form = TakedownForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            asked = photos.photo_takedown_ask(
                actor=request_user(request), photo_id=photo.pk, reason=form.cleaned_data["reason"]
            )
        except ApplicationError as exc:
            reraise_refusal(exc)
            form.apply_errors(exc)
        else:
            if asked.hides_photo:
                messages.success(request, _("已收到撤下申请，照片已停止展示，工作人员会尽快处理。"))
            else:
                messages.success(request, _("已收到撤下申请，工作人员核实后会尽快处理。"))
            return redirect("events:h5_photos", activity.pk)
    ctx = {"activity": activity, "photo": photo, "form": form}
    return _h5(request, "events/photos/h5_takedown.html", ctx, 422 if form.errors else 200)


# --- console: books, essays, photos ------------------------------------------------------------------


def _staff_campaign(request: HttpRequest, activity_id: int) -> Activity:
    activity = selectors.staff_activity(request.user, activity_id)
    if activity.kind != ActivityKind.READING:
        raise NotFound()
    return activity


@console_required
def console_reading(request: HttpRequest, activity_id: int) -> HttpResponse:
    """The book list (add a book here) and the campaign's figures."""
    activity = _staff_campaign(request, activity_id)
    form = BookForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            book = reading.book_add(
                actor=request_user(request),
                activity_id=activity.pk,
                title=d["title"],
                author=d["author"],
                isbn=d["isbn"],
                page_count=d["page_count"],
                cover=d["cover"],
            )
        except ApplicationError as exc:
            reraise_refusal(exc)
            form.apply_errors(exc)
        else:
            messages.success(request, _("已将《%(title)s》加入书单。") % {"title": book.title})
            return redirect("events:console_reading", activity.pk)
    ctx = {
        "activity": activity,
        "books": reading.books_with_counts(activity),
        "totals": reading.campaign_totals(activity),
        "pending": reading.pending_essays_qs(activity).count(),
        "form": form,
    }
    return _console(request, "events/reading/console_books.html", ctx, 422 if form.errors else 200)


@console_required
def console_book(request: HttpRequest, activity_id: int, book_id: int) -> HttpResponse:
    """Correct a book, or take it off the list (while nobody read it)."""
    activity = _staff_campaign(request, activity_id)
    book = ReadingBook.objects.filter(activity=activity, pk=book_id).first()
    if book is None:
        raise NotFound()
    initial = {"title": book.title, "author": book.author, "isbn": book.isbn, "page_count": book.page_count}
    form = BookForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            reading.book_update(
                actor=request_user(request),
                book_id=book.pk,
                title=d["title"],
                author=d["author"],
                isbn=d["isbn"],
                page_count=d["page_count"],
                cover=d["cover"],
            )
        except ApplicationError as exc:
            reraise_refusal(exc)
            form.apply_errors(exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect("events:console_reading", activity.pk)
    ctx = {"activity": activity, "book": book, "form": form}
    return _console(request, "events/reading/console_book.html", ctx, 422 if form.errors else 200)


@require_POST
@console_required
def console_book_remove(request: HttpRequest, activity_id: int, book_id: int) -> HttpResponse:
    activity = _staff_campaign(request, activity_id)
    book = ReadingBook.objects.filter(activity=activity, pk=book_id).first()
    if book is None:
        raise NotFound()
    try:
        reading.book_remove(actor=request_user(request), book_id=book.pk)
    except ApplicationError as exc:
        reraise_refusal(exc)
        messages.error(request, str(exc.message))
        return redirect("events:console_book", activity.pk, book.pk)
    messages.success(request, _("已从书单移除《%(title)s》。") % {"title": book.title})
    return redirect("events:console_reading", activity.pk)


@console_required
def console_essays(request: HttpRequest, activity_id: int) -> HttpResponse:
    """The essays waiting for review: publish, or reject saying why."""
    activity = _staff_campaign(request, activity_id)
    if request.method == "POST":
        form = ReviewForm(request.POST)
        try:
            d = form.valid_or_raise()
            if not reading.pending_essays_qs(activity).filter(pk=d["item"]).exists():
                raise NotFound()
            work = kinds.work_review(
                actor=request_user(request), work_id=d["item"], publish=d["publish"], note=d["note"]
            )
        except ApplicationError as exc:
            reraise_refusal(exc)
            for line in form.messages_of(exc):
                messages.error(request, line)
        else:
            messages.success(
                request,
                _("已发布《%(t)s》。") % {"t": work.title}
                if d["publish"]
                else _("已退回《%(t)s》。") % {"t": work.title},
            )
        return redirect("events:console_essays", activity.pk)
    ctx = {"activity": activity, "essays": reading.pending_essays(activity)}
    return _console(request, "events/reading/console_essays.html", ctx)


@console_required
def console_photos(request: HttpRequest, activity_id: int) -> HttpResponse:
    """Photos waiting for review, and takedown requests."""
    activity = selectors.staff_activity(request.user, activity_id)
    ctx = {
        "activity": activity,
        "pending": photos.pending_photos(activity),
        "takedowns": photos.open_takedowns(activity),
        "published": list(photos.published_photos(activity)[:24]),
    }
    return _console(request, "events/photos/console_photos.html", ctx)


@require_POST
@console_required
def console_photo_action(request: HttpRequest, activity_id: int, action: str) -> HttpResponse:
    """Publish or reject a photo (``review``); remove or keep one asked to be taken down (``takedown``)."""
    activity = selectors.staff_activity(request.user, activity_id)
    if action not in ("review", "takedown"):
        raise NotFound()
    form: ReviewForm | TakedownHandleForm = (
        ReviewForm(request.POST) if action == "review" else TakedownHandleForm(request.POST)
    )
    try:
        d = form.valid_or_raise()
        if action == "review":
            if not activity.photos.filter(pk=d["item"]).exists():
                raise NotFound()
            photos.photo_review(
                actor=request_user(request), photo_id=d["item"], publish=d["publish"], note=d["note"]
            )
            messages.success(request, _("照片已发布。") if d["publish"] else _("照片未通过审核。"))
        else:
            if not activity.photo_takedowns.filter(pk=d["item"]).exists():
                raise NotFound()
            photos.photo_takedown_handle(
                actor=request_user(request), takedown_id=d["item"], remove=d["remove"], note=d["note"]
            )
            messages.success(request, _("照片已撤下。") if d["remove"] else _("已保留照片并回复申请人。"))
    except ApplicationError as exc:
        reraise_refusal(exc)
        for line in form.messages_of(exc):
            messages.error(request, line)
    return redirect("events:console_photos", activity.pk)
