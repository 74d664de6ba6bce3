"""Micro-lesson media: staff upload a video, audio or PDF lesson; video and audio are transcoded
into smaller sizes by ffmpeg in a task.

* **Checked by content.** The first bytes decide what a file is (``sniff``: MP4/MOV, WebM/MKV,
  AVI; MP3, M4A, WAV, Ogg, FLAC, AAC; PDF) — never the name or the browser's content type — and
  ffprobe, when the server has it, must find a video or an audio stream in it. Each kind has its
  size limit in settings (``LEARNING_VIDEO_MAX_BYTES``, ``LEARNING_AUDIO_MAX_BYTES``,
  ``LEARNING_PDF_MAX_BYTES``). Refusals are field errors on ``file``, nothing stored.
* **Stored** under a random name through Django's default storage (disk, or S3-compatible in
  production) *before* the database transaction (storage may be a network call; no network I/O
  while holding a lock), and deleted again when the transaction does not commit — the way product
  pictures are stored (``tourism/services/pictures.py``).
* **Duration from the media.** ffprobe's duration becomes the lesson's duration; without ffprobe
  the staff member types it. A PDF's duration is its expected reading time (typed, or one minute a
  page); it completes by the reading rules of text lessons (heartbeats while the page is visible).
* **Transcoding** (``lesson_transcode``, run by ``tasks.transcode_lesson`` after the upload's
  commit; in-process when there is no Celery broker): video into 360p and 720p H.264+AAC mp4 (not
  above the source's height), audio into 64k and 128k AAC; each rendition's size, bitrate and
  duration measured by ffprobe and stored. Without ffmpeg the lesson is marked 未转码 and plays its
  original; a failed run is marked 转码失败 and plays its original too. Nothing crashes a page.
* **Served** by ``views_media.lesson_media`` to signed-in users for published courses and to the
  course's staff (404 otherwise, like missing), with byte ranges so players can seek.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess  # noqa: S404 - ffmpeg/ffprobe run with argument lists, never a shell
import tempfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.accounts.system import system_actor
from yugong.core.audit import audit_record
from yugong.core.errors import ValidationFailed
from yugong.core.facts import fact_record
from yugong.core.filetypes import FileType, read_head
from yugong.core.filetypes import sniff as sniff_file
from yugong.orgs.access import access_object

from .catalogue import _course, _text
from .models import Lesson, LessonRendition, MediaStatus, Unit

FIELD = "file"
READING_SECONDS_PER_PAGE = 60
MIN_SECONDS, MAX_SECONDS = 1, 4 * 3600


@dataclass(frozen=True)
class Profile:
    label: str
    kind: str  # video / audio
    height: int  # 0 for audio
    video_kbps: int
    audio_kbps: int


PROFILES = (
    Profile("360p", "video", 360, 600, 64),
    Profile("720p", "video", 720, 1800, 128),
    Profile("64k", "audio", 0, 0, 64),
    Profile("128k", "audio", 0, 0, 128),
)
EXTENSIONS = {"video": "mp4", "audio": "m4a"}
CONTENT_TYPES = {"video": "video/mp4", "audio": "audio/mp4"}


# --- what a file is ----------------------------------------------------------------------------


LESSON_KINDS = frozenset({"video", "audio", "pdf"})


def sniff(head: bytes) -> FileType | None:
    """What the file's first bytes say it is (``core.filetypes.sniff``), when it is a video, an
    audio or a PDF that a lesson can be made of; None otherwise."""
    found = sniff_file(head)
    return found if found is not None and found.kind in LESSON_KINDS else None


def max_bytes(kind: str) -> int:
    name = {"video": "LEARNING_VIDEO_MAX_BYTES", "audio": "LEARNING_AUDIO_MAX_BYTES"}.get(
        kind, "LEARNING_PDF_MAX_BYTES"
    )
    return int(getattr(settings, name))


# --- ffmpeg and ffprobe --------------------------------------------------------------------------


def ffmpeg_path() -> str | None:
    return shutil.which(settings.LEARNING_FFMPEG)


def ffprobe_path() -> str | None:
    return shutil.which(settings.LEARNING_FFPROBE)


@dataclass(frozen=True)
class Probe:
    duration: float
    bitrate: int
    size: int
    has_video: bool
    has_audio: bool
    height: int


def probe(path: str | Path) -> Probe | None:
    """What ffprobe reads of a local file; None when it cannot read it as media."""
    exe = ffprobe_path()
    if exe is None:
        return None
    cmd = [exe, "-v", "error", "-print_format", "json", "-show_format", "-show_streams", str(path)]
    try:
        done = subprocess.run(cmd, capture_output=True, timeout=60, check=True)  # noqa: S603
        data = json.loads(done.stdout or b"{}")
    except (subprocess.SubprocessError, OSError, ValueError):
        return None
    fmt = data.get("format") or {}
    streams = data.get("streams") or []
    videos = [
        s
        for s in streams
        if s.get("codec_type") == "video" and not (s.get("disposition") or {}).get("attached_pic")
    ]
    try:
        duration = float(fmt.get("duration") or 0)
        bitrate = int(float(fmt.get("bit_rate") or 0))
        size = int(fmt.get("size") or os.path.getsize(path))
    except (TypeError, ValueError):
        return None
    return Probe(
        duration=duration,
        bitrate=bitrate,
        size=size,
        has_video=bool(videos),
        has_audio=any(s.get("codec_type") == "audio" for s in streams),
        height=max((int(s.get("height") or 0) for s in videos), default=0),
    )


def _seconds(duration: float) -> int:
    return max(MIN_SECONDS, round(duration))


# --- PDF page count ------------------------------------------------------------------------------

_PAGES_COUNT = re.compile(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)|/Count\s+(\d+)[^>]*?/Type\s*/Pages\b", re.S)
_PAGE = re.compile(rb"/Type\s*/Page\b(?!s)")
_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.S)


def pdf_page_count(data: bytes) -> int:
    """Pages of a PDF: the largest ``/Count`` of its page-tree nodes (the root's), found in the file
    or inside its compressed object streams; else the number of page objects. 0 when none."""
    chunks = [data]
    for m in _STREAM.finditer(data):
        try:
            chunks.append(zlib.decompress(m.group(1)))
        except zlib.error:
            continue
    counts = [int(a or b) for chunk in chunks for a, b in _PAGES_COUNT.findall(chunk)]
    if counts:
        return max(counts)
    return sum(len(_PAGE.findall(chunk)) for chunk in chunks)


# --- the upload ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Checked:
    kind: str
    ext: str
    content_type: str
    size: int
    duration: int | None  # measured (video/audio with ffprobe)
    pages: int  # PDF


@contextmanager
def _local_path(upload: Any) -> Iterator[str]:
    """A path on local disk holding the upload (ffprobe and the PDF reader read files)."""
    path = getattr(upload, "temporary_file_path", None)
    if callable(path):
        yield str(path())
        return
    with tempfile.NamedTemporaryFile(prefix="yg-upload-") as tmp:
        upload.seek(0)
        for chunk in upload.chunks():
            tmp.write(chunk)
        tmp.flush()
        upload.seek(0)
        yield tmp.name


def check_upload(upload: Any) -> Checked:
    """The kind, size and measured length of an acceptable lesson file, else a field error on
    ``file`` (the name and the browser's content type are not trusted)."""
    if upload is None:
        raise ValidationFailed(fields={FIELD: _("请选择要上传的视频、音频或PDF文件。")})
    size = int(getattr(upload, "size", 0) or 0)
    if size <= 0:
        raise ValidationFailed(fields={FIELD: _("上传的文件是空文件。")})
    found = sniff(read_head(upload))
    if found is None:
        raise ValidationFailed(
            fields={
                FIELD: _(
                    "文件内容不是可用的视频（MP4、MOV、WebM）、音频（MP3、M4A、WAV、OGG）或PDF，请检查文件本身而非扩展名。"
                )
            }
        )
    limit = max_bytes(found.kind)
    if size > limit:
        raise ValidationFailed(
            fields={
                FIELD: _("%(kind)s文件不能超过 %(mb)s MB。")
                % {
                    "kind": {"video": _("视频"), "audio": _("音频"), "pdf": "PDF"}[found.kind],
                    "mb": limit // 2**20,
                }
            }
        )
    if found.kind == "pdf":
        with _local_path(upload) as path:
            pages = pdf_page_count(Path(path).read_bytes())
        if pages <= 0:
            raise ValidationFailed(fields={FIELD: _("无法读取PDF的页数，文件可能已损坏。")})
        return Checked("pdf", "pdf", found.content_type, size, None, pages)
    kind, duration = found.kind, None
    if ffprobe_path() is not None:
        with _local_path(upload) as path:
            measured = probe(path)
        if measured is None or not (measured.has_video or measured.has_audio) or measured.duration <= 0:
            raise ValidationFailed(fields={FIELD: _("无法读取该媒体文件，文件可能已损坏。")})
        kind = "video" if measured.has_video else "audio"  # an mp4 holding only sound is audio
        duration = _seconds(measured.duration)
    return Checked(kind, found.ext, found.content_type, size, duration, 0)


def lesson_upload(
    *,
    actor: User,
    unit: Unit | int,
    title: str,
    upload: Any,
    required_percent: int = 90,
    duration_seconds: int | None = None,
) -> Lesson:
    """A micro-lesson made from an uploaded video, audio or PDF file in a unit of a course the actor
    manages. Video and audio are transcoded after the commit (``tasks.transcode_lesson``)."""
    pk = unit.pk if isinstance(unit, Unit) else unit
    found = access_object(
        Unit.objects.select_related("course__union"), actor, pk, path_field="course__union__path"
    )
    with transaction.atomic():
        _course(actor, found.course_id)  # the managing role, before anything is read or stored
    errors: dict[str, Any] = {}
    checked: Checked | None = None
    try:
        checked = check_upload(upload)
    except ValidationFailed as exc:
        errors.update(exc.fields)
    try:
        title = _text(title, "title", _("微课名称"), 200)
    except ValidationFailed as exc:
        errors.update(exc.fields)
    if not 10 <= int(required_percent) <= 100:
        errors["required_percent"] = _("完成所需比例应在10到100之间（百分比）。")
    duration = _duration(checked, duration_seconds, errors)
    if errors or checked is None or duration is None:
        raise ValidationFailed(fields=errors)
    name = default_storage.save(
        f"learning/lessons/{found.course_id}/{secrets.token_hex(12)}.{checked.ext}", upload
    )
    try:
        with transaction.atomic():
            c = _course(actor, found.course_id)
            ffmpeg = checked.kind in Lesson.MEDIA_KINDS and ffmpeg_path() is not None
            status = (
                "" if checked.kind == "pdf" else (MediaStatus.PENDING if ffmpeg else MediaStatus.ORIGINAL)
            )
            order = (found.lessons.aggregate(m=Max("order"))["m"] or 0) + 1
            lesson = Lesson.objects.create(
                unit=found,
                course=c,
                title=title,
                kind=checked.kind,
                duration_seconds=duration,
                required_percent=int(required_percent),
                media_file=name,
                media_type=checked.content_type,
                media_bytes=checked.size,
                media_status=status,
                pdf_pages=checked.pages,
                order=order,
            )
            audit_record(
                actor=actor,
                action="learning.lesson_upload",
                obj=lesson,
                union_id=c.union_id,
                extra={"kind": checked.kind, "bytes": checked.size, "type": checked.content_type},
            )
            fact_record(metric="learning_lessons_created", union_id=c.union_id, dim=checked.kind)
            if status == MediaStatus.PENDING:
                from .tasks import transcode_lesson

                transaction.on_commit(partial(transcode_lesson.delay, lesson.pk))
    except BaseException:
        default_storage.delete(name)
        raise
    return lesson


def _duration(checked: Checked | None, typed: int | None, errors: dict[str, Any]) -> int | None:
    if checked is None:
        return None
    if checked.duration is not None:  # measured by ffprobe: the media decides
        if checked.duration > MAX_SECONDS:
            errors[FIELD] = _("微课时长不能超过4小时。")
            return None
        return checked.duration
    if typed is not None:
        low = 10 if checked.kind == "pdf" else MIN_SECONDS
        if not low <= int(typed) <= MAX_SECONDS:
            errors["duration_seconds"] = _("时长应在%(low)s秒到4小时之间。") % {"low": low}
            return None
        return int(typed)
    if checked.kind == "pdf":
        return min(max(checked.pages * READING_SECONDS_PER_PAGE, 60), MAX_SECONDS)
    errors["duration_seconds"] = _("服务器无法读取媒体时长，请填写时长（秒）。")
    return None


# --- transcoding ---------------------------------------------------------------------------------


def _ffmpeg_args(exe: str, source: str, target: str, profile: Profile) -> list[str]:
    common = ["-c:a", "aac", "-b:a", f"{profile.audio_kbps}k", "-movflags", "+faststart"]
    if profile.kind == "audio":
        return [exe, "-nostdin", "-v", "error", "-y", "-i", source, "-vn", *common, target]
    kbps = profile.video_kbps
    return [
        exe, "-nostdin", "-v", "error", "-y", "-i", source,
        # Never above the source's height; heights stay even for yuv420p.
        "-vf", f"scale=-2:trunc(min({profile.height}\\,ih)/2)*2",
        "-c:v", "libx264", "-preset", "veryfast", "-profile:v", "main", "-pix_fmt", "yuv420p",
        "-b:v", f"{kbps}k", "-maxrate", f"{kbps * 3 // 2}k", "-bufsize", f"{kbps * 2}k",
        *common, target,
    ]  # fmt: skip


def _profiles(kind: str, source_height: int) -> list[Profile]:
    chosen = [p for p in PROFILES if p.kind == kind]
    if kind == "video":
        # The smallest always; larger ones only when the source has the lines to fill them.
        chosen = [p for i, p in enumerate(chosen) if i == 0 or p.height <= source_height]
    return chosen


def lesson_transcode(*, lesson_id: int) -> str:
    """Transcode an uploaded video or audio lesson into its renditions; returns the status set.
    Storage and ffmpeg run outside any transaction; the rows are written in one at the end."""
    lesson = Lesson.objects.filter(pk=lesson_id).select_related("course").first()
    if lesson is None or not lesson.media_file or lesson.kind not in Lesson.MEDIA_KINDS:
        return ""
    exe = ffmpeg_path()
    if exe is None or ffprobe_path() is None:
        return _mark(lesson, MediaStatus.ORIGINAL, reason="no ffmpeg")
    stored: list[tuple[Profile, str, Probe]] = []
    try:
        with tempfile.TemporaryDirectory(prefix="yg-transcode-") as tmp:
            source = os.path.join(tmp, "source")
            with default_storage.open(lesson.media_file.name, "rb") as src, open(source, "wb") as out:
                shutil.copyfileobj(src, out, 1024 * 1024)
            measured = probe(source)
            if measured is None:
                raise ValueError("ffprobe cannot read the source")
            for profile in _profiles(lesson.kind, measured.height):
                target = os.path.join(tmp, f"{profile.label}.{EXTENSIONS[profile.kind]}")
                subprocess.run(  # noqa: S603
                    _ffmpeg_args(exe, source, target, profile),
                    capture_output=True,
                    timeout=settings.LEARNING_TRANSCODE_TIMEOUT_SECONDS,
                    check=True,
                )
                result = probe(target)
                if result is None:
                    raise ValueError(f"ffprobe cannot read the {profile.label} rendition")
                name = f"learning/renditions/{lesson.course_id}/{secrets.token_hex(12)}.{EXTENSIONS[profile.kind]}"
                with open(target, "rb") as fh:
                    name = default_storage.save(name, File(fh))
                stored.append((profile, name, result))
    except (subprocess.SubprocessError, OSError, ValueError) as exc:
        for _profile, name, _result in stored:
            default_storage.delete(name)
        return _mark(lesson, MediaStatus.FAILED, reason=str(exc)[:200])
    try:
        with transaction.atomic():
            locked = Lesson.objects.select_for_update().get(pk=lesson.pk)
            old = list(locked.renditions.values_list("file", flat=True))
            locked.renditions.all().delete()
            LessonRendition.objects.bulk_create(
                LessonRendition(
                    lesson=locked,
                    label=profile.label,
                    file=name,
                    content_type=CONTENT_TYPES[profile.kind],
                    height=result.height,
                    size_bytes=result.size,
                    bitrate=result.bitrate,
                    duration_seconds=_seconds(result.duration),
                )
                for profile, name, result in stored
            )
            smallest = min(stored, key=lambda row: row[2].size)[2]
            locked.duration_seconds = min(_seconds(smallest.duration), MAX_SECONDS)
            locked.media_bytes = smallest.size
            locked.media_status = MediaStatus.READY
            locked.save(update_fields=["duration_seconds", "media_bytes", "media_status"])
            audit_record(
                actor=system_actor(),
                action="learning.lesson_transcode",
                obj=locked,
                union_id=lesson.course.union_id,
                extra={"renditions": [p.label for p, _n, _r in stored]},
            )
            transaction.on_commit(partial(_delete_files, old))
    except BaseException:
        _delete_files([name for _p, name, _r in stored])
        raise
    return MediaStatus.READY


def _delete_files(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)


@transaction.atomic
def _mark(lesson: Lesson, status: str, *, reason: str) -> str:
    Lesson.objects.filter(pk=lesson.pk).update(media_status=status)
    audit_record(
        actor=system_actor(),
        action="learning.lesson_transcode",
        obj=lesson,
        union_id=lesson.course.union_id,
        extra={"status": status, "reason": reason},
    )
    return status


# --- what the player offers ----------------------------------------------------------------------


@dataclass(frozen=True)
class SourceOption:
    label: str  # "360p", "128k", or "original"
    name: str  # what the learner reads
    content_type: str
    size_bytes: int
    bitrate: int


def source_options(lesson: Lesson) -> list[SourceOption]:
    """The sizes a learner may play, smallest first: the renditions when transcoded, else the
    original upload (the renditions must be prefetched or cost one query)."""
    if not lesson.media_file:
        return []
    rows = sorted(lesson.renditions.all(), key=lambda r: r.size_bytes)
    if rows:
        return [SourceOption(r.label, r.label, r.content_type, r.size_bytes, r.bitrate) for r in rows]
    return [SourceOption("original", _("原文件"), lesson.media_type, lesson.media_bytes, 0)]
