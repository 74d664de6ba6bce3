"""Contest works (摄影/微视频大赛): a participant submits a photo, or a micro-video with its cover;
nothing is public before the organiser's review (``kinds.work_review``).

Uploads are not trusted by name or by the browser's content type. A photo (and a video's cover)
goes through ``yugong.core.images.store_picture`` like news covers and product pictures: decoded by
Pillow, stored with EXIF orientation applied and with smaller renditions for ``srcset``. A video is
recognised by its first bytes (:func:`video_format`, by the platform's one rule
``yugong.core.filetypes.sniff``): MP4, QuickTime MOV as phones record it, or WebM — what browsers
play. Files are written *before* the database
transaction (storage may be a network call) and deleted again when it does not commit."""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.core.audit import audit_record
from yugong.core.errors import Conflict, ValidationFailed
from yugong.core.filetypes import read_head, sniff
from yugong.core.images import delete_picture, inspect_image, store_picture

from .kinds import VOTING_STATUSES, _signup_of
from .models import ActivityKind, SignUp
from .models_kinds import Work

VIDEO_EXTENSIONS = {"mp4": "mp4", "mov": "mov", "webm": "webm"}
WORK_KINDS = (Work.Kind.PHOTO, Work.Kind.VIDEO)
# Test-only: the control of the submission race counts without locking the sign-up row.
_UNGUARDED_ROOM = False


def max_video_bytes() -> int:
    return int(getattr(settings, "EVENTS_VIDEO_MAX_BYTES", 50 * 1024 * 1024))


def max_picture_bytes() -> int:
    return int(getattr(settings, "EVENTS_PICTURE_MAX_BYTES", 8 * 1024 * 1024))


def works_per_entrant() -> int:
    return int(getattr(settings, "EVENTS_WORKS_PER_ENTRANT", 3))


def video_format(head: bytes) -> str:
    """ "mp4", "mov" or "webm" from a file's first bytes (``core.filetypes.sniff``): a video that
    browsers play; "" when it is anything else."""
    found = sniff(head)
    if found is None or found.kind != "video" or not found.plays_in_browser:
        return ""
    return found.ext if found.ext in VIDEO_EXTENSIONS else ""


def inspect_video(upload: Any, *, field: str = "video") -> str:
    """The video's format (file extension), or ValidationFailed naming ``field``."""
    label = _("视频")
    if upload is None:
        raise ValidationFailed(fields={field: _("请选择要上传的视频。")})
    size = int(getattr(upload, "size", 0) or 0)
    if size <= 0:
        raise ValidationFailed(fields={field: _("%(label)s是空文件，请重新选择。") % {"label": label}})
    if size > max_video_bytes():
        raise ValidationFailed(
            fields={
                field: _("视频不能超过 %(max)s MB（所选文件 %(got).1f MB）。")
                % {"max": max_video_bytes() // (1024 * 1024), "got": size / (1024 * 1024)}
            }
        )
    fmt = video_format(read_head(upload))
    if not fmt:
        raise ValidationFailed(
            fields={field: _("所选文件不是有效的视频，请上传 MP4、MOV 或 WebM 格式的视频。")}
        )
    return fmt


def _store_video(upload: Any, *, folder: str, fmt: str) -> str:
    upload.seek(0)
    return default_storage.save(f"{folder}/{secrets.token_hex(12)}.{VIDEO_EXTENSIONS[fmt]}", upload)


def _check_room(signup: SignUp) -> None:
    taken = Work.objects.filter(signup=signup).exclude(status=Work.Status.REJECTED).count()
    if taken >= works_per_entrant():
        raise Conflict(
            _("每位参赛者最多提交 %(n)s 件作品（未通过审核的不计）。") % {"n": works_per_entrant()},
            code="too_many_works",
        )


def work_submit(
    *,
    actor: User,
    activity_id: Any,
    kind: str,
    title: str,
    body: str = "",
    picture: Any = None,
    video: Any = None,
) -> Work:
    """A contest participant (signed up, or drawn) submits a photo, or a video with its cover.
    The work waits for review; a participant has at most ``works_per_entrant()`` works that were
    not rejected (checked again under the sign-up's row lock, so two quick submissions cannot
    both take the last one)."""
    signup = _signup_of(actor, activity_id, ActivityKind.CONTEST)
    if signup.activity.status not in VOTING_STATUSES:
        raise Conflict(_("本次大赛已停止征集作品。"))
    errors: dict[str, Any] = {}
    title = (title or "").strip()
    if kind not in WORK_KINDS:
        errors["kind"] = _("请选择作品类型：摄影作品或微视频。")
    if not title:
        errors["title"] = _("请填写作品名称。")
    elif len(title) > 80:
        errors["title"] = _("作品名称不超过80个字。")
    if len(body or "") > 1000:
        errors["body"] = _("作品说明不超过1000个字。")
    video_fmt = ""
    if kind == Work.Kind.VIDEO:
        try:
            video_fmt = inspect_video(video)
        except ValidationFailed as exc:
            errors.update(exc.fields)
    picture_label = _("视频封面") if kind == Work.Kind.VIDEO else _("作品照片")
    try:
        inspect_image(picture, field="picture", label=picture_label, max_bytes=max_picture_bytes())
    except ValidationFailed as exc:
        errors.update(exc.fields)
    if errors:
        raise ValidationFailed(fields=errors)
    _check_room(signup)  # before storing anything; again under the lock below

    folder = f"events/works/{signup.activity_id}"
    stored = store_picture(
        picture, folder=folder, field="picture", label=picture_label, max_bytes=max_picture_bytes()
    )
    names = stored.all_names()
    try:
        video_name = _store_video(video, folder=folder, fmt=video_fmt) if video_fmt else ""
        if video_name:
            names.append(video_name)
        with transaction.atomic():
            rows = SignUp.objects if _UNGUARDED_ROOM else SignUp.objects.select_for_update()
            locked = rows.get(pk=signup.pk)
            _check_room(locked)
            work = Work.objects.create(
                activity_id=signup.activity_id,
                signup=locked,
                kind=kind,
                title=title,
                body=(body or "").strip(),
                picture=stored.name,
                picture_width=stored.width,
                picture_height=stored.height,
                renditions={str(w): n for w, n in stored.renditions.items()},
                video=video_name,
            )
            audit_record(
                actor=actor,
                action="activity.work_submit",
                obj=work,
                union_id=signup.union_id,
                extra={"kind": kind, "video": video_fmt},
            )
    except BaseException:
        delete_picture(names)
        raise
    return work
