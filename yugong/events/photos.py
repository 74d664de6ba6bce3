"""Photos of the day: attendees upload, staff review, anyone shown may ask for a takedown.

* An attendee (a sign-up holding a place) uploads a photo once the activity has begun. The picture
  is decoded by Pillow (``core.images.store_picture``: content, not the file name, decides), and the
  uploader must confirm that the people shown agreed to its publication (``consent``; a CHECK keeps
  an unconsented photo from ever being published).
* The organiser's staff publish or reject it (a rejection says why); only published photos show
  on the activity's page.
* Anyone signed in who is shown in a published photo asks for it to be taken down, with a reason;
  staff either remove it or keep it, saying why. When the one asking was there (holds a place in
  the activity, or uploaded the photo) the photo is hidden at once while the request is open
  (privacy before display); anyone else's request waits for staff with the photo still shown, so
  nobody can empty a day's gallery by asking (``takedown_hides``).

Keyword-only, atomic, audited; staff reach an activity through ``services._activity_for``."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.core import timeutil
from yugong.core.audit import audit_record
from yugong.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from yugong.core.facts import fact_record
from yugong.core.images import delete_picture, store_picture
from yugong.core.validators import is_ascii_digits

from .models import Activity, SignUp
from .models_kinds import ActivityPhoto, PhotoTakedown
from .services import _activity_for

MAX_PHOTOS_EACH = 20  # per attendee per activity, not counting rejected ones
LIVE = (Activity.Status.OPEN, Activity.Status.DRAWN)


def _one_line(value: Any) -> str:
    """Trimmed, runs of white space folded to one space; Chinese punctuation kept as typed."""
    return " ".join(str(value or "").split())


def _int_id(value: Any) -> int | None:
    text = str(value) if value is not None else ""
    return int(text) if is_ascii_digits(text) and len(text) < 19 else None


def _places(actor: User, activity_id: int) -> QuerySet[SignUp]:
    """The actor's places in a live activity: the one definition of "was there"."""
    return SignUp.objects.filter(
        activity_id=activity_id,
        person__user_id=actor.pk,
        status=SignUp.Status.WON,
        activity__status__in=LIVE,
    )


def attendee_signup(actor: User, activity_id: Any) -> SignUp:
    """The actor's place in a live activity (NotFound when they hold none)."""
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied()
    pk = _int_id(activity_id)
    signup = _places(actor, pk).select_related("activity").first() if pk is not None else None
    if signup is None:
        raise NotFound()
    return signup


def takedown_hides(actor: User, photo: ActivityPhoto) -> bool:
    """Does the actor's takedown request hide the photo while it is open: they were there (a place
    in the activity) or took it."""
    return photo.uploaded_by_id == actor.pk or _places(actor, photo.activity_id).exists()


def upload_refusal(activity: Activity) -> str:
    """Why photos may not be uploaded yet ("" when they may)."""
    if activity.starts_at is None:
        return _("活动还没有确定开始时间，开始后才能上传现场照片。")
    if timeutil.local_today() < activity.starts_at.astimezone(timeutil.SHANGHAI).date():
        return _("活动当天开始后才能上传现场照片。")
    return ""


def photo_upload(
    *, actor: User, activity_id: Any, image: Any, caption: str = "", consent: bool = False
) -> ActivityPhoto:
    signup = attendee_signup(actor, activity_id)
    activity = signup.activity
    refusal = upload_refusal(activity)
    if refusal:
        raise Conflict(refusal, code="not_started")
    caption = _one_line(caption)
    errors: dict[str, str] = {}
    if consent is not True:
        errors["consent"] = _("请确认照片中出现的人都已同意公开这张照片。")
    if len(caption) > 120:
        errors["caption"] = _("说明不超过120字。")
    if errors:
        raise ValidationFailed(fields=errors)
    stored = store_picture(
        image, folder=f"activities/{activity.pk}/photos", field="image", label=_("现场照片")
    )
    try:
        with transaction.atomic():
            SignUp.objects.select_for_update().filter(pk=signup.pk).first()  # one uploader at a time
            kept = ActivityPhoto.objects.filter(activity=activity, uploaded_by=actor).exclude(
                status=ActivityPhoto.Status.REJECTED
            )
            if kept.count() >= MAX_PHOTOS_EACH:
                raise Conflict(
                    _("每人最多上传 %(n)s 张现场照片。") % {"n": MAX_PHOTOS_EACH}, code="too_many_photos"
                )
            photo = ActivityPhoto.objects.create(
                activity=activity,
                uploaded_by=actor,
                picture=stored.name,
                width=stored.width,
                height=stored.height,
                renditions={str(w): n for w, n in stored.renditions.items()},
                caption=caption,
                consent=True,
            )
            audit_record(
                actor=actor,
                action="activity.photo_upload",
                obj=photo,
                union_id=signup.union_id,
                extra={"activity": activity.pk, "consent": True},
            )
    except BaseException:
        delete_picture(stored.all_names())
        raise
    return photo


def _staff_photo(actor: User, photo_id: Any) -> tuple[ActivityPhoto, Activity]:
    pk = _int_id(photo_id)
    photo = ActivityPhoto.objects.select_for_update().filter(pk=pk).first() if pk is not None else None
    if photo is None:
        raise NotFound()
    return photo, _activity_for(actor, photo.activity_id)


@transaction.atomic
def photo_review(*, actor: User, photo_id: Any, publish: bool, note: str = "") -> ActivityPhoto:
    """The organiser's staff publish a waiting photo, or reject it saying why."""
    photo, activity = _staff_photo(actor, photo_id)
    if photo.status != ActivityPhoto.Status.PENDING:
        raise Conflict(_("该照片已审核。"))
    note = _one_line(note)[:200]
    if not publish and not note:
        raise ValidationFailed(fields={"note": _("不通过时请填写审核意见。")})
    photo.status = ActivityPhoto.Status.PUBLISHED if publish else ActivityPhoto.Status.REJECTED
    photo.review_note, photo.reviewed_by = note, actor
    photo.save(update_fields=["status", "review_note", "reviewed_by"])
    audit_record(
        actor=actor,
        action="activity.photo_review",
        obj=photo,
        union_id=activity.union_id,
        extra={"publish": publish},
    )
    if publish:
        fact_record(metric="activities.photos_published", union_id=activity.union_id, dim=activity.kind)
    return photo


@transaction.atomic
def photo_takedown_ask(*, actor: User, photo_id: Any, reason: str) -> PhotoTakedown:
    """Someone shown in a published photo asks for it to be taken down; hidden meanwhile when they
    were there (``takedown_hides``)."""
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied()
    pk = _int_id(photo_id)
    photo = (
        ActivityPhoto.objects.select_related("activity")
        .filter(pk=pk, status=ActivityPhoto.Status.PUBLISHED, activity__status__in=LIVE)
        .first()
        if pk is not None
        else None
    )
    if photo is None:
        raise NotFound()
    reason = _one_line(reason)
    if len(reason) < 4:
        raise ValidationFailed(fields={"reason": _("请说明撤下的理由（例如：照片中有我，我不同意公开）。")})
    try:
        with transaction.atomic():
            request = PhotoTakedown.objects.create(
                photo=photo,
                activity=photo.activity,
                requested_by=actor,
                reason=reason[:300],
                hides_photo=takedown_hides(actor, photo),
            )
    except IntegrityError:
        raise Conflict(_("已提交过撤下申请，工作人员处理后会通知您。"), code="already_asked") from None
    audit_record(
        actor=actor,
        action="activity.photo_takedown_ask",
        obj=photo,
        union_id=photo.activity.union_id,
        extra={"takedown": request.pk, "hidden": request.hides_photo},
    )
    return request


@transaction.atomic
def photo_takedown_handle(*, actor: User, takedown_id: Any, remove: bool, note: str = "") -> PhotoTakedown:
    """Staff remove the photo (every open request on it is then settled) or keep it, saying why."""
    pk = _int_id(takedown_id)
    request = PhotoTakedown.objects.select_for_update().filter(pk=pk).first() if pk is not None else None
    if request is None:
        raise NotFound()
    activity = _activity_for(actor, request.activity_id)
    if request.status != PhotoTakedown.Status.OPEN:
        raise Conflict(_("该撤下申请已处理。"))
    note = _one_line(note)[:200]
    if not remove and not note:
        raise ValidationFailed(fields={"note": _("保留照片时请说明理由。")})
    now = timeutil.now()
    if remove:
        ActivityPhoto.objects.filter(pk=request.photo_id).update(status=ActivityPhoto.Status.REMOVED)
        PhotoTakedown.objects.filter(photo_id=request.photo_id, status=PhotoTakedown.Status.OPEN).update(
            status=PhotoTakedown.Status.REMOVED, note=note, handled_by=actor, handled_at=now
        )
    else:
        PhotoTakedown.objects.filter(pk=request.pk).update(
            status=PhotoTakedown.Status.KEPT, note=note, handled_by=actor, handled_at=now
        )
    request.refresh_from_db()
    audit_record(
        actor=actor,
        action="activity.photo_takedown_handle",
        obj=request,
        union_id=activity.union_id,
        extra={"photo": request.photo_id, "removed": remove},
    )
    return request


# --- reads -----------------------------------------------------------------------------------------


def _open_takedown() -> Exists:
    return Exists(
        PhotoTakedown.objects.filter(photo=OuterRef("pk"), status=PhotoTakedown.Status.OPEN, hides_photo=True)
    )


def published_photos(activity: Activity) -> QuerySet[ActivityPhoto]:
    """What the activity's page shows: published, and no open takedown request that hides it. One
    query."""
    return (
        ActivityPhoto.objects.filter(activity=activity, status=ActivityPhoto.Status.PUBLISHED)
        .exclude(_open_takedown())
        .order_by("-id")
    )


def pending_photos(activity: Activity) -> list[ActivityPhoto]:
    return list(
        ActivityPhoto.objects.filter(activity=activity, status=ActivityPhoto.Status.PENDING)
        .select_related("uploaded_by")
        .order_by("id")
    )


def open_takedowns(activity: Activity) -> list[PhotoTakedown]:
    return list(
        PhotoTakedown.objects.filter(activity=activity, status=PhotoTakedown.Status.OPEN)
        .select_related("photo", "requested_by")
        .order_by("id")
    )


def my_photos(user: Any, activity: Activity) -> list[ActivityPhoto]:
    return list(
        ActivityPhoto.objects.filter(activity=activity, uploaded_by_id=user.pk).order_by("-id")[
            :MAX_PHOTOS_EACH
        ]
    )
