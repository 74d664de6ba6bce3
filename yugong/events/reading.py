"""The reading campaign (玫瑰书香): the book list the organiser's staff curate, each participant's
reading log, essays (读后感) reviewed before publication, and the campaign board.

Writes are keyword-only and atomic; staff reach a campaign through ``services._activity_for``
(``yugong.orgs.access``: another union's campaign is missing), a participant through their own
sign-up. Every write has its audit row, and the 人次 facts are recorded in the same transaction:

* ``activities.reading_logs`` — a participant's day with a book (人次), at the reader's union;
* ``activities.reading_minutes`` — minutes read (a correction records the difference);
* ``activities.readers`` — distinct people who logged reading;
* ``activities.works_published`` — an essay published (recorded by ``kinds.work_review``).

Who reads the published essays (the activity's audience): the participants, members whose current
membership may take part (``signup_rules.membership_refusal``: the same rule as signing up), and the
staff who may see the activity."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.core import timeutil
from yugong.core.audit import audit_record
from yugong.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from yugong.core.facts import fact_person, fact_record
from yugong.core.images import delete_picture, store_picture
from yugong.core.validators import normalize_isbn

from .models import Activity, ActivityKind, SignUp
from .models_kinds import ReadingBook, ReadingLog, Work
from .reading_selectors import (  # re-exported: pages, API and tests read the campaign through here
    LIVE,
    READERS,
    BoardRow,
    Totals,
    _int_id,
    books_with_counts,
    campaign_board,
    campaign_totals,
    essay_for_reader,
    may_read_essays,
    my_essays,
    my_logs,
    my_totals,
    pending_essays,
    pending_essays_qs,
    published_essays,
    reading_campaign,
    require_essay_reader,
)
from .services import _activity_for

__all__ = [
    "LIVE",
    "READERS",
    "BoardRow",
    "Totals",
    "books_with_counts",
    "campaign_board",
    "campaign_totals",
    "essay_for_reader",
    "may_read_essays",
    "my_essays",
    "my_logs",
    "my_totals",
    "pending_essays",
    "pending_essays_qs",
    "published_essays",
    "reading_campaign",
    "require_essay_reader",
    "book_add",
    "book_update",
    "book_remove",
    "reading_log_record",
    "essay_submit",
    "LogResult",
]

# Limits against absurd entries.
MAX_MINUTES_A_LOG = 600  # one book, one day
MAX_MINUTES_A_DAY = 720  # all books of one day together
MAX_PAGES_A_LOG = 500
MAX_PAGES_A_MINUTE = 5  # faster than this is skimming, not reading
LATE_DAYS = 7  # a day's reading may be logged up to a week later
MAX_BOOKS = 60
ESSAY_MIN_CHARS = 50
ESSAY_MAX_CHARS = 5000
MAX_ESSAYS = 5  # per participant per campaign, not counting rejected ones
# Test-only: the control of the essay race counts without locking the sign-up first.
_UNGUARDED_ESSAY_CAP = False


def _one_line(value: Any) -> str:
    """Trimmed, runs of white space folded to one space; Chinese punctuation kept as typed."""
    return " ".join(str(value or "").split())


def _campaign_for_staff(actor: User, activity_id: Any, *, lock: bool = False) -> Activity:
    activity = _activity_for(actor, activity_id, lock=lock)
    if activity.kind != ActivityKind.READING:
        raise NotFound()
    return activity


def reader_signup(actor: User, activity_id: Any) -> SignUp:
    """The actor's own sign-up to a live reading campaign (NotFound when they don't take part)."""
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied()
    pk = _int_id(activity_id)
    signup = (
        SignUp.objects.select_related("activity")
        .filter(
            activity_id=pk,
            person__user_id=actor.pk,
            activity__kind=ActivityKind.READING,
            activity__status__in=LIVE,
            status__in=READERS,
        )
        .first()
        if pk is not None
        else None
    )
    if signup is None:
        raise NotFound()
    return signup


# --- the book list (staff) -------------------------------------------------------------------------


def _book_fields(
    activity: Activity, *, title: str, author: str, isbn: str, page_count: int, exclude: int | None = None
) -> dict[str, Any]:
    errors: dict[str, str] = {}
    title, author = _one_line(title)[:120], _one_line(author)[:80]
    if not title:
        errors["title"] = _("请填写书名。")
    if not author:
        errors["author"] = _("请填写作者。")
    try:
        isbn = normalize_isbn(isbn)
    except ValidationFailed as exc:
        errors["isbn"] = str(exc.fields["isbn"][0])
    if not isinstance(page_count, int) or not 0 <= page_count <= 5000:
        errors["page_count"] = _("页数须在0到5000之间（0表示不填）。")
    others = activity.books.exclude(pk=exclude) if exclude else activity.books.all()
    if "title" not in errors and others.filter(title=title).exists():
        errors["title"] = _("书单中已有《%(title)s》。") % {"title": title}
    if "isbn" not in errors and others.filter(isbn=isbn).exists():
        errors["isbn"] = _("书单中已有该 ISBN 的图书。")
    if errors:
        raise ValidationFailed(fields=errors)
    return {"title": title, "author": author, "isbn": isbn, "page_count": page_count}


def _store_cover(cover: Any) -> Any:
    return store_picture(
        cover, folder="activities/books", field="cover", label=_("封面"), max_bytes=2 * 1024 * 1024
    )


def book_add(
    *,
    actor: User,
    activity_id: Any,
    title: str,
    author: str,
    isbn: str,
    page_count: int = 0,
    cover: Any = None,
) -> ReadingBook:
    """Put a book on the campaign's list (ISBN with its check digit; the cover optional)."""
    activity = _campaign_for_staff(actor, activity_id)
    if activity.status not in LIVE:
        raise Conflict(_("活动已取消，不能再修改书单。"))
    fields = _book_fields(activity, title=title, author=author, isbn=isbn, page_count=page_count)
    stored = _store_cover(cover) if cover else None  # outside the transaction: storage may be remote
    try:
        with transaction.atomic():
            locked = Activity.objects.select_for_update().get(pk=activity.pk)
            count = ReadingBook.objects.filter(activity=locked).count()
            if count >= MAX_BOOKS:
                raise Conflict(_("书单最多 %(n)s 本书。") % {"n": MAX_BOOKS})
            try:
                with transaction.atomic():
                    book = ReadingBook.objects.create(
                        activity=locked,
                        position=count + 1,
                        cover=stored.name if stored else "",
                        cover_width=stored.width if stored else 0,
                        cover_height=stored.height if stored else 0,
                        cover_renditions={str(w): n for w, n in stored.renditions.items()} if stored else {},
                        **fields,
                    )
            except IntegrityError:  # the same book added from two tabs at once
                raise ValidationFailed(fields={"isbn": _("书单中已有该 ISBN 的图书。")}) from None
            audit_record(
                actor=actor,
                action="activity.book_add",
                obj=book,
                union_id=activity.union_id,
                extra={"activity": activity.pk, "isbn": book.isbn},
            )
    except BaseException:
        if stored:
            delete_picture(stored.all_names())
        raise
    return book


def _staff_book(actor: User, book_id: Any) -> ReadingBook:
    pk = _int_id(book_id)
    book = ReadingBook.objects.filter(pk=pk).first() if pk is not None else None
    if book is None:
        raise NotFound()
    _campaign_for_staff(actor, book.activity_id)
    return book


def book_update(
    *,
    actor: User,
    book_id: Any,
    title: str,
    author: str,
    isbn: str,
    page_count: int = 0,
    cover: Any = None,
) -> ReadingBook:
    """Correct a book on the list (a new cover replaces the old one)."""
    book = _staff_book(actor, book_id)
    fields = _book_fields(
        book.activity, title=title, author=author, isbn=isbn, page_count=page_count, exclude=book.pk
    )
    stored = _store_cover(cover) if cover else None
    old_names = [book.cover, *book.cover_renditions.values()] if stored else []
    try:
        with transaction.atomic():
            locked = ReadingBook.objects.select_for_update().get(pk=book.pk)
            before = {k: getattr(locked, k) for k in fields}
            for key, value in fields.items():
                setattr(locked, key, value)
            if stored:
                locked.cover, locked.cover_width, locked.cover_height = (
                    stored.name,
                    stored.width,
                    stored.height,
                )
                locked.cover_renditions = {str(w): n for w, n in stored.renditions.items()}
            try:
                with transaction.atomic():
                    locked.save()
            except IntegrityError:
                raise ValidationFailed(fields={"isbn": _("书单中已有该 ISBN 的图书。")}) from None
            audit_record(
                actor=actor,
                action="activity.book_update",
                obj=locked,
                union_id=locked.activity.union_id,
                changes={k: [str(v), str(fields[k])] for k, v in before.items() if v != fields[k]},
                extra={"cover": bool(stored)},
            )
            if old_names:
                transaction.on_commit(lambda: delete_picture(old_names))
    except BaseException:
        if stored:
            delete_picture(stored.all_names())
        raise
    return locked


@transaction.atomic
def book_remove(*, actor: User, book_id: Any) -> None:
    """Take a book off the list while nobody has logged reading of it."""
    book = _staff_book(actor, book_id)
    if ReadingLog.objects.filter(book=book).exists():
        raise Conflict(_("已有职工记录阅读《%(title)s》，不能从书单移除。") % {"title": book.title})
    names = [book.cover, *book.cover_renditions.values()]
    audit_record(
        actor=actor,
        action="activity.book_remove",
        obj=book,
        union_id=book.activity.union_id,
        extra={"activity": book.activity_id, "title": book.title, "isbn": book.isbn},
    )
    Work.objects.filter(book=book).update(book=None)
    book.delete()
    transaction.on_commit(lambda: delete_picture([n for n in names if n]))


# --- the reading log (participant) -----------------------------------------------------------------


@dataclass(frozen=True)
class LogResult:
    log: ReadingLog
    created: bool  # False: the day's entry for this book was corrected


def _log_errors(
    signup: SignUp, book: ReadingBook | None, *, day: dt.date, minutes: Any, pages: Any, note: str
) -> dict[str, str]:
    today = timeutil.local_today()
    opened = signup.activity.signup_opens_at.astimezone(timeutil.SHANGHAI).date()
    errors: dict[str, str] = {}
    if book is None:
        errors["book"] = _("请从书单中选择图书。")
    if day > today:
        errors["day"] = _("不能记录今天以后的阅读。")
    elif day < today - dt.timedelta(days=LATE_DAYS):
        errors["day"] = _("只能补记最近 %(n)s 天的阅读。") % {"n": LATE_DAYS}
    elif day < opened:
        errors["day"] = _("活动开始前的阅读不能记录。")
    if not isinstance(minutes, int) or not 1 <= minutes <= MAX_MINUTES_A_LOG:
        errors["minutes"] = _("阅读时长须在1到%(n)s分钟之间。") % {"n": MAX_MINUTES_A_LOG}
    if not isinstance(pages, int) or not 0 <= pages <= MAX_PAGES_A_LOG:
        errors["pages"] = _("阅读页数须在0到%(n)s页之间。") % {"n": MAX_PAGES_A_LOG}
    elif "minutes" not in errors and pages > minutes * MAX_PAGES_A_MINUTE:
        errors["pages"] = _("%(m)s分钟读%(p)s页不太可能，请核对页数或时长。") % {"m": minutes, "p": pages}
    elif book is not None and book.page_count and pages > book.page_count:
        errors["pages"] = _("《%(title)s》共%(n)s页，阅读页数不能超过全书页数。") % {
            "title": book.title,
            "n": book.page_count,
        }
    if len(note) > 500:
        errors["note"] = _("读书笔记不超过500字。")
    return errors


def _write_log(
    signup: SignUp, book: ReadingBook, day: dt.date, *, minutes: int, pages: int, note: str
) -> tuple[ReadingLog, bool, int]:
    """The day's row for this book: corrected when it exists (locked), else created; two first
    entries at once meet the unique constraint and the loser corrects the winner's row.
    Returns (row, created, the minutes it had before)."""
    values = {"minutes": minutes, "pages": pages, "note": note}
    for _attempt in range(2):
        log = ReadingLog.objects.select_for_update().filter(signup=signup, book=book, day=day).first()
        if log is not None:
            old = log.minutes
            log.minutes, log.pages, log.note = minutes, pages, note
            log.save(update_fields=list(values))
            return log, False, old
        try:
            with transaction.atomic():
                created = ReadingLog.objects.create(
                    activity_id=signup.activity_id, signup=signup, book=book, day=day, **values
                )
            return created, True, 0
        except IntegrityError:
            continue  # another request created it just now: correct that row
    raise Conflict(_("阅读记录正在保存，请稍后再试。"))


@transaction.atomic
def reading_log_record(
    *,
    actor: User,
    activity_id: Any,
    book_id: Any,
    minutes: int,
    pages: int = 0,
    day: dt.date | None = None,
    note: str = "",
) -> LogResult:
    """A participant logs a day's reading of a book on the list. One entry per book per day (the
    unique constraint decides under concurrency): a second one the same day corrects it."""
    signup = reader_signup(actor, activity_id)
    pk = _int_id(book_id)
    book = (
        ReadingBook.objects.filter(pk=pk, activity_id=signup.activity_id).first() if pk is not None else None
    )
    day = day or timeutil.local_today()
    note = (note or "").strip()
    errors = _log_errors(signup, book, day=day, minutes=minutes, pages=pages, note=note)
    if not errors:
        others = (
            ReadingLog.objects.filter(signup=signup, day=day)
            .exclude(book=book)
            .aggregate(m=Sum("minutes"))["m"]
            or 0
        )
        if others + minutes > MAX_MINUTES_A_DAY:
            errors["minutes"] = _("一天的阅读合计不能超过%(n)s分钟（当天已记录%(m)s分钟）。") % {
                "n": MAX_MINUTES_A_DAY,
                "m": others,
            }
    if errors or book is None:
        raise ValidationFailed(fields=errors)
    log, created, old_minutes = _write_log(signup, book, day, minutes=minutes, pages=pages, note=note)
    audit_record(
        actor=actor,
        action="activity.reading_log",
        obj=log,
        union_id=signup.union_id,
        changes={} if created else {"minutes": [old_minutes, minutes]},
        extra={"activity": signup.activity_id, "book": book.pk, "day": day.isoformat()},
    )
    if created:
        fact_record(metric="activities.reading_logs", union_id=signup.union_id, dim=ActivityKind.READING)
        fact_person(metric="activities.readers", union_id=signup.union_id, person_id=signup.person_id)
    if minutes != old_minutes:
        fact_record(
            metric="activities.reading_minutes",
            union_id=signup.union_id,
            value=minutes - old_minutes,
            dim=ActivityKind.READING,
        )
    return LogResult(log=log, created=created)


# --- essays (读后感) ---------------------------------------------------------------------------------


@transaction.atomic
def essay_submit(*, actor: User, activity_id: Any, title: str, body: str, book_id: Any = None) -> Work:
    """A participant submits an essay; it waits for the organiser's review (``kinds.work_review``)
    and nobody but its author and the staff sees it before it is published."""
    signup = reader_signup(actor, activity_id)
    title, body = _one_line(title), (body or "").strip()
    errors: dict[str, str] = {}
    if not title:
        errors["title"] = _("请填写题目。")
    elif len(title) > 80:
        errors["title"] = _("题目不超过80字。")
    if len(body) < ESSAY_MIN_CHARS:
        errors["body"] = _("读后感正文至少%(n)s字（现在%(got)s字）。") % {
            "n": ESSAY_MIN_CHARS,
            "got": len(body),
        }
    elif len(body) > ESSAY_MAX_CHARS:
        errors["body"] = _("读后感正文不超过%(n)s字（现在%(got)s字）。") % {
            "n": ESSAY_MAX_CHARS,
            "got": len(body),
        }
    book = None
    if book_id not in (None, ""):
        pk = _int_id(book_id)
        book = ReadingBook.objects.filter(pk=pk, activity_id=signup.activity_id).first() if pk else None
        if book is None:
            errors["book"] = _("请从书单中选择图书。")
    if errors:
        raise ValidationFailed(fields=errors)
    # one participant's submissions are serialised on their sign-up row, so the cap holds
    if not _UNGUARDED_ESSAY_CAP:
        SignUp.objects.select_for_update().filter(pk=signup.pk).first()
    kept = Work.objects.filter(signup=signup, kind=Work.Kind.ESSAY).exclude(status=Work.Status.REJECTED)
    if kept.count() >= MAX_ESSAYS:
        raise Conflict(_("每人最多提交 %(n)s 篇读后感。") % {"n": MAX_ESSAYS}, code="too_many_essays")
    essay = Work.objects.create(
        activity_id=signup.activity_id, signup=signup, kind=Work.Kind.ESSAY, title=title, body=body, book=book
    )
    audit_record(
        actor=actor,
        action="activity.essay_submit",
        obj=essay,
        union_id=signup.union_id,
        extra={"activity": signup.activity_id, "chars": len(body)},
    )
    return essay
