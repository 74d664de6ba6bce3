"""Photos of the day: uploaded by attendees (picture checked by content, consent confirmed), public
only after review, hidden while someone shown asks for a takedown, then removed or kept by staff."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.helpers import UserFactory
from yugong.core import timeutil
from yugong.core.errors import Conflict, NotFound, ValidationFailed
from yugong.core.facts import fact_total
from yugong.core.models import AuditEvent
from yugong.events import photos
from yugong.events.models import Activity, SignUp
from yugong.events.models_kinds import ActivityPhoto, PhotoTakedown
from yugong.events.services import activity_draw, signup_create

from .conftest import SEED, World, close_signup, make_activity, make_member
from .test_reading import png

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path)


def day_of(world: World, *, started: bool = True) -> tuple[Activity, Any]:
    """A drawn activity whose one sign-up won; it began an hour ago (or begins tomorrow)."""
    activity = make_activity(world, kind="culture", places=1)
    user, _ = make_member(world.store)
    signup_create(actor=user, activity_id=activity.pk)
    close_signup(activity)
    activity_draw(actor=world.organiser, activity_id=activity.pk, seed=SEED)
    start = timeutil.now() + (dt.timedelta(hours=-1) if started else dt.timedelta(days=2))
    Activity.objects.filter(pk=activity.pk).update(starts_at=start)
    activity.refresh_from_db()
    return activity, user


def upload(user: Any, activity: Activity, **kw: Any) -> ActivityPhoto:
    args = {"actor": user, "activity_id": activity.pk, "image": png(120, 90, "day.png"), "consent": True}
    args.update(kw)
    return photos.photo_upload(**args)


def test_attendee_uploads_with_consent_and_staff_publish(world: World) -> None:
    activity, user = day_of(world)
    with pytest.raises(ValidationFailed) as no_consent:
        upload(user, activity, consent=False)
    assert "consent" in no_consent.value.fields
    fake = SimpleUploadedFile("day.jpg", b"GIF89a not really", content_type="image/jpeg")
    with pytest.raises(ValidationFailed) as bad:
        upload(user, activity, image=fake)
    assert "image" in bad.value.fields
    photo = upload(user, activity, caption="合唱团登台")
    assert photo.status == ActivityPhoto.Status.PENDING and photo.consent and photo.width == 120
    assert list(photos.published_photos(activity)) == []  # nothing public before review

    with pytest.raises(NotFound):  # another district's staff
        photos.photo_review(actor=world.jb_staff, photo_id=photo.pk, publish=True)
    with pytest.raises(ValidationFailed):  # a rejection says why
        photos.photo_review(actor=world.organiser, photo_id=photo.pk, publish=False)
    photos.photo_review(actor=world.organiser, photo_id=photo.pk, publish=True)
    assert list(photos.published_photos(activity)) == [photo]
    with pytest.raises(Conflict):
        photos.photo_review(actor=world.organiser, photo_id=photo.pk, publish=False, note="重复")
    assert fact_total(metric="activities.photos_published") == 1
    assert {"activity.photo_upload", "activity.photo_review"} <= set(
        AuditEvent.objects.values_list("action", flat=True)
    )


def test_only_attendees_upload_and_only_once_it_began(world: World) -> None:
    activity, user = day_of(world, started=False)
    with pytest.raises(Conflict) as early:
        upload(user, activity)
    assert early.value.code == "not_started"
    outsider, _ = make_member(world.store)
    with pytest.raises(NotFound):
        upload(outsider, activity)
    SignUp.objects.filter(activity=activity).update(status=SignUp.Status.WITHDRAWN)
    Activity.objects.filter(pk=activity.pk).update(starts_at=timeutil.now())
    with pytest.raises(NotFound):
        upload(user, activity)


def test_the_database_refuses_to_publish_an_unconsented_photo(world: World) -> None:
    from django.db import IntegrityError, transaction

    activity, _user = day_of(world)
    with pytest.raises(IntegrityError), transaction.atomic():
        ActivityPhoto.objects.create(activity=activity, picture="x.jpg", consent=False, status="published")


def test_takedown_hides_then_staff_remove_or_keep(world: World) -> None:
    activity, user = day_of(world)
    first = upload(user, activity)
    second = upload(user, activity)
    for p in (first, second):
        photos.photo_review(actor=world.organiser, photo_id=p.pk, publish=True)
    shown, shown_person = make_member(world.store)  # another attendee, who appears in it
    SignUp.objects.create(activity=activity, person=shown_person, union=world.store, status=SignUp.Status.WON)
    with pytest.raises(ValidationFailed):
        photos.photo_takedown_ask(actor=shown, photo_id=first.pk, reason="")
    ask = photos.photo_takedown_ask(actor=shown, photo_id=first.pk, reason="照片里有我，我不同意公开")
    assert list(photos.published_photos(activity)) == [second]  # hidden at once
    with pytest.raises(Conflict):
        photos.photo_takedown_ask(actor=shown, photo_id=first.pk, reason="再说一次")
    also = UserFactory()  # not there: asks, the photo stays hidden only by the attendee's request
    other_ask = photos.photo_takedown_ask(actor=also, photo_id=first.pk, reason="我也在照片里")
    assert (ask.hides_photo, other_ask.hides_photo) == (True, False)
    with pytest.raises(NotFound):
        photos.photo_takedown_handle(actor=world.jb_staff, takedown_id=ask.pk, remove=True)
    done = photos.photo_takedown_handle(actor=world.organiser, takedown_id=ask.pk, remove=True, note="已撤下")
    assert done.status == PhotoTakedown.Status.REMOVED
    other_ask.refresh_from_db()
    assert other_ask.status == PhotoTakedown.Status.REMOVED  # settled with it
    first.refresh_from_db()
    assert first.status == ActivityPhoto.Status.REMOVED

    keep = photos.photo_takedown_ask(actor=shown, photo_id=second.pk, reason="我觉得拍得不好看")
    with pytest.raises(ValidationFailed):  # keeping needs a reason
        photos.photo_takedown_handle(actor=world.organiser, takedown_id=keep.pk, remove=False)
    photos.photo_takedown_handle(
        actor=world.organiser, takedown_id=keep.pk, remove=False, note="照片中没有申请人"
    )
    assert list(photos.published_photos(activity)) == [second]
    with pytest.raises(Conflict):
        photos.photo_takedown_handle(actor=world.organiser, takedown_id=keep.pk, remove=True)
    with pytest.raises(NotFound):  # a removed photo can't be asked about again
        photos.photo_takedown_ask(actor=shown, photo_id=first.pk, reason="照片里有我")


def test_a_takedown_by_someone_who_was_not_there_waits_for_staff(world: World) -> None:
    """Nobody can empty a day's gallery by asking: a request by someone without a place in the
    activity (and who did not take the photo) keeps the photo shown until staff decide; the
    uploader's own request hides it at once."""
    activity, user = day_of(world)
    first, second = upload(user, activity), upload(user, activity)
    for p in (first, second):
        photos.photo_review(actor=world.organiser, photo_id=p.pk, publish=True)
    stranger, _ = make_member(world.jiangbei)
    ask = photos.photo_takedown_ask(actor=stranger, photo_id=first.pk, reason="不喜欢这张照片")
    assert not ask.hides_photo and set(photos.published_photos(activity)) == {first, second}
    assert [t.pk for t in photos.open_takedowns(activity)] == [ask.pk]  # staff still see it
    mine = photos.photo_takedown_ask(actor=user, photo_id=second.pk, reason="拍到了别人，我撤回")
    assert mine.hides_photo and list(photos.published_photos(activity)) == [first]
    audit = AuditEvent.objects.filter(action="activity.photo_takedown_ask").order_by("id")
    assert [a.extra["hidden"] for a in audit] == [False, True]


def test_published_photos_query_is_one(world: World) -> None:
    from tests.helpers import assert_max_queries

    activity, user = day_of(world)
    for n in (3, 12):
        while ActivityPhoto.objects.filter(activity=activity).count() < n:
            p = upload(user, activity)
            photos.photo_review(actor=world.organiser, photo_id=p.pk, publish=True)
        with assert_max_queries(1):
            assert len(list(photos.published_photos(activity))) == n
