"""The reading campaign's services: the book list (ISBN check digit, cover by content), the reading
log (limits, one entry per book per day, corrections), essays reviewed before publication and read
only by the activity's audience, the board, and the facts the cockpit counts."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests.helpers import UserFactory, grant
from yugong.core import timeutil
from yugong.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from yugong.core.facts import fact_total
from yugong.core.models import AuditEvent, PersonFact
from yugong.core.validators import normalize_isbn
from yugong.events import kinds, reading
from yugong.events.models import SignUp
from yugong.events.models_kinds import ReadingBook, ReadingLog, Work
from yugong.events.services import signup_create

from .conftest import World, make_activity, make_member

pytestmark = pytest.mark.django_db

ISBN_1 = "978-7-02-000220-7"  # 红楼梦 (人民文学出版社)
ISBN_2 = "9787544253994"
ESSAY = "读完这本书，我想起了车间里的老师傅们。" * 5


def png(width: int = 60, height: int = 80, name: str = "cover.png") -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), (200, 40, 60)).save(buf, "PNG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/png")


def campaign(world: World, **kw: Any) -> Any:
    return make_activity(world, kind="reading", title="玫瑰书香读书月", places=100, **kw)


def reader(world: World, activity: Any) -> Any:
    user, _person = make_member(world.store)
    signup_create(actor=user, activity_id=activity.pk)
    return user


def book(world: World, activity: Any, isbn: str = ISBN_1, title: str = "红楼梦", **kw: Any) -> ReadingBook:
    return reading.book_add(
        actor=world.organiser, activity_id=activity.pk, title=title, author="曹雪芹", isbn=isbn, **kw
    )


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("978-7-02-000220-7", "9787020002207"),
        ("ISBN 978 7 5442 5399 4", "9787544253994"),
        ("９７８７０２０００２２０７", "9787020002207"),  # full-width, as a Chinese IME types it
        ("7-02-000220-5", None),  # wrong ISBN-10 check character
        ("0-306-40615-2", "9780306406157"),  # ISBN-10 converted to its 978 form
        ("080442957X", "9780804429573"),
        ("9787020002208", None),  # check digit off by one
        ("1234567890123", None),  # neither 978 nor 979
        ("97870200022", None),
        ("", None),
    ],
)
def test_isbn_check_digit(typed: str, stored: str | None) -> None:
    if stored is None:
        with pytest.raises(ValidationFailed) as exc:
            normalize_isbn(typed)
        assert "isbn" in exc.value.fields
    else:
        assert normalize_isbn(typed) == stored


def test_staff_curate_the_book_list(world: World, settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    activity = campaign(world)
    first = book(world, activity, cover=png())
    assert first.isbn == "9787020002207" and first.cover and first.cover_width == 60
    with pytest.raises(ValidationFailed) as dup:
        book(world, activity, title="红楼梦（脂评本）")  # the same ISBN
    assert "isbn" in dup.value.fields
    with pytest.raises(ValidationFailed) as bad:
        book(world, activity, isbn="9787020002208", title="别的书")
    assert "ISBN" in str(bad.value.fields["isbn"][0])
    not_image = SimpleUploadedFile("cover.png", b"MZ\x90\x00 not a picture", content_type="image/png")
    with pytest.raises(ValidationFailed) as fake:
        book(world, activity, isbn=ISBN_2, title="平凡的世界", cover=not_image)
    assert "cover" in fake.value.fields
    assert ReadingBook.objects.filter(activity=activity).count() == 1
    second = book(world, activity, isbn=ISBN_2, title="平凡的世界")
    updated = reading.book_update(
        actor=world.organiser,
        book_id=second.pk,
        title="平凡的世界（全三册）",
        author="路遥",
        isbn=ISBN_2,
        page_count=1200,
    )
    assert updated.page_count == 1200 and updated.title == "平凡的世界（全三册）"
    # another district's staff find no such campaign; a member is no organiser
    with pytest.raises(NotFound):
        reading.book_add(
            actor=world.jb_staff, activity_id=activity.pk, title="x", author="y", isbn="9780306406157"
        )
    with pytest.raises(NotFound):
        reading.book_remove(actor=make_member(world.store)[0], book_id=second.pk)
    reading.book_remove(actor=world.organiser, book_id=second.pk)
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"activity.book_add", "activity.book_update", "activity.book_remove"} <= actions


def test_only_a_reading_campaign_has_a_book_list(world: World) -> None:
    sports = make_activity(world, kind="sports")
    with pytest.raises(NotFound):
        reading.book_add(actor=world.organiser, activity_id=sports.pk, title="书", author="某", isbn=ISBN_1)


def test_reading_log_limits_and_one_entry_per_book_a_day(world: World) -> None:
    activity = campaign(world)
    hongloumeng = book(world, activity, page_count=300)
    other = book(world, activity, isbn=ISBN_2, title="平凡的世界")
    user = reader(world, activity)
    today = timeutil.local_today()

    def log(**kw: Any) -> reading.LogResult:
        args = {
            "actor": user,
            "activity_id": activity.pk,
            "book_id": hongloumeng.pk,
            "minutes": 40,
            "pages": 30,
        }
        args.update(kw)
        return reading.reading_log_record(**args)

    for bad, field in (
        ({"minutes": 0}, "minutes"),
        ({"minutes": reading.MAX_MINUTES_A_LOG + 1}, "minutes"),
        ({"pages": 400, "minutes": 100}, "pages"),  # 4 pages a minute but more than the book has
        ({"pages": 200, "minutes": 10}, "pages"),  # 20 pages a minute
        ({"day": today + dt.timedelta(days=1)}, "day"),
        ({"day": today - dt.timedelta(days=reading.LATE_DAYS + 1)}, "day"),
        ({"book_id": 999_999}, "book"),
        ({"book_id": "٥"}, "book"),
        ({"note": "长" * 501}, "note"),
    ):
        with pytest.raises(ValidationFailed) as exc:
            log(**bad)
        assert field in exc.value.fields, (bad, exc.value.fields)
    assert ReadingLog.objects.count() == 0

    first = log()
    assert first.created and first.log.minutes == 40
    again = log(minutes=55, pages=40, note="第三回")  # the same book and day: corrected, not doubled
    assert not again.created and again.log.pk == first.log.pk and again.log.minutes == 55
    log(day=today - dt.timedelta(days=1))
    log(book_id=other.pk, minutes=600, pages=0)
    with pytest.raises(ValidationFailed) as too_long:  # the day's books together
        log(book_id=other.pk, minutes=reading.MAX_MINUTES_A_DAY - 54, pages=0)
    assert "minutes" in too_long.value.fields
    assert ReadingLog.objects.filter(signup__person__user=user).count() == 3

    # facts: one 人次 per book per day, minutes net of the correction, the reader once
    assert fact_total(metric="activities.reading_logs") == 3
    assert fact_total(metric="activities.reading_minutes") == 55 + 40 + 600
    readers = PersonFact.objects.filter(metric="activities.readers")
    assert readers.values("person_id").distinct().count() == 1
    assert AuditEvent.objects.filter(action="activity.reading_log").count() == 4


def test_only_participants_log_reading(world: World) -> None:
    activity = campaign(world)
    b = book(world, activity)
    outsider, _ = make_member(world.store)  # not signed up
    with pytest.raises(NotFound):
        reading.reading_log_record(actor=outsider, activity_id=activity.pk, book_id=b.pk, minutes=10)
    user = reader(world, activity)
    SignUp.objects.filter(person__user=user).update(status=SignUp.Status.WITHDRAWN)
    with pytest.raises(NotFound):
        reading.reading_log_record(actor=user, activity_id=activity.pk, book_id=b.pk, minutes=10)
    sports = make_activity(world, kind="sports")
    signup_create(actor=outsider, activity_id=sports.pk)
    with pytest.raises(NotFound):  # a sports meet keeps no reading log
        reading.reading_log_record(actor=outsider, activity_id=sports.pk, book_id=b.pk, minutes=10)


def test_a_book_somebody_read_stays_on_the_list(world: World) -> None:
    activity = campaign(world)
    b = book(world, activity)
    reading.reading_log_record(
        actor=reader(world, activity), activity_id=activity.pk, book_id=b.pk, minutes=20
    )
    with pytest.raises(Conflict):
        reading.book_remove(actor=world.organiser, book_id=b.pk)


def test_essays_are_reviewed_then_read_by_the_audience_only(world: World) -> None:
    activity = campaign(world)
    b = book(world, activity)
    author = reader(world, activity)
    with pytest.raises(ValidationFailed) as short:
        reading.essay_submit(actor=author, activity_id=activity.pk, title="读后感", body="太短")
    assert "body" in short.value.fields
    essay = reading.essay_submit(
        actor=author, activity_id=activity.pk, title="读《红楼梦》", body=ESSAY, book_id=b.pk
    )
    assert essay.status == Work.Status.PENDING and essay.kind == Work.Kind.ESSAY and essay.book_id == b.pk

    neighbour, _ = make_member(world.store)  # a member of the organiser's subtree, not signed up
    stranger = UserFactory()  # no membership
    assert list(reading.published_essays(activity)) == []
    with pytest.raises(NotFound):  # not public before review
        reading.essay_for_reader(neighbour, activity, essay.pk)
    assert reading.essay_for_reader(author, activity, essay.pk) == essay  # the author sees their own

    with pytest.raises(NotFound):  # another district's staff can't review it
        kinds.work_review(actor=world.jb_staff, work_id=essay.pk, publish=True)
    kinds.work_review(actor=world.organiser, work_id=essay.pk, publish=True)
    assert list(reading.published_essays(activity)) == [essay]
    assert reading.essay_for_reader(neighbour, activity, essay.pk) == essay
    assert reading.may_read_essays(world.organiser, activity)  # staff who see the activity
    assert not reading.may_read_essays(world.yz_staff, activity)  # staff below see only their quotas
    assert not reading.may_read_essays(stranger, activity)
    with pytest.raises(PermissionDenied):
        reading.essay_for_reader(stranger, activity, essay.pk)
    assert fact_total(metric="activities.works_published", dim="essay") == 1


def test_a_member_outside_the_organiser_subtree_is_not_the_audience(world: World) -> None:
    activity = campaign(world, union_id=world.yuzhong.pk, actor=world.yz_staff)
    outside, _ = make_member(world.jiangbei)
    inside, _ = make_member(world.store)
    assert reading.may_read_essays(inside, activity)
    assert not reading.may_read_essays(outside, activity)
    assert not reading.may_read_essays(world.jb_staff, activity)


def test_essay_cap_counts_only_kept_essays(world: World) -> None:
    activity = campaign(world)
    author = reader(world, activity)
    essays = [
        reading.essay_submit(actor=author, activity_id=activity.pk, title=f"第{i}篇", body=ESSAY)
        for i in range(reading.MAX_ESSAYS)
    ]
    with pytest.raises(Conflict):
        reading.essay_submit(actor=author, activity_id=activity.pk, title="又一篇", body=ESSAY)
    kinds.work_review(actor=world.organiser, work_id=essays[0].pk, publish=False, note="与主题无关")
    reading.essay_submit(actor=author, activity_id=activity.pk, title="重写", body=ESSAY)


def test_board_and_totals(world: World) -> None:
    activity = campaign(world)
    b1 = book(world, activity)
    b2 = book(world, activity, isbn=ISBN_2, title="平凡的世界")
    a, b = reader(world, activity), reader(world, activity)
    reading.reading_log_record(actor=a, activity_id=activity.pk, book_id=b1.pk, minutes=30, pages=20)
    reading.reading_log_record(actor=a, activity_id=activity.pk, book_id=b2.pk, minutes=30, pages=20)
    reading.reading_log_record(actor=b, activity_id=activity.pk, book_id=b1.pk, minutes=90, pages=60)
    for i in range(2):  # two published essays must not double b's minutes
        e = reading.essay_submit(actor=b, activity_id=activity.pk, title=f"感想{i}", body=ESSAY)
        kinds.work_review(actor=world.organiser, work_id=e.pk, publish=True)
    board = reading.campaign_board(activity)
    assert [(r.rank, r.minutes, r.books, r.essays) for r in board] == [(1, 90, 1, 2), (2, 60, 2, 0)]
    assert "*" in board[0].name  # other readers' names are masked
    totals = reading.campaign_totals(activity)
    assert (totals.readers, totals.books, totals.minutes, totals.pages, totals.essays) == (2, 3, 150, 100, 2)
    signup = SignUp.objects.get(activity=activity, person__user=a)
    assert reading.my_totals(signup) == {"minutes": 60, "pages": 40, "books": 2, "days": 1}


def test_board_queries_stay_flat(world: World) -> None:
    from tests.helpers import assert_max_queries

    activity = campaign(world)
    b1 = book(world, activity)
    for n in (3, 30):
        while SignUp.objects.filter(activity=activity).count() < n:
            u = reader(world, activity)
            reading.reading_log_record(actor=u, activity_id=activity.pk, book_id=b1.pk, minutes=10)
        with assert_max_queries(2):
            reading.campaign_board(activity)
        with assert_max_queries(3):
            reading.campaign_totals(activity)


def test_staff_without_organiser_role_cannot_curate(world: World) -> None:
    activity = campaign(world)
    viewer = UserFactory()
    grant(viewer, world.city, "viewer")
    with pytest.raises(PermissionDenied):
        reading.book_add(actor=viewer, activity_id=activity.pk, title="书", author="某", isbn=ISBN_1)
