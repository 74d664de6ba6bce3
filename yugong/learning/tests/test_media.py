"""Micro-lesson uploads: checked by content and size, stored through the default storage,
transcoded by ffmpeg into renditions measured by ffprobe (tiny media made by ffmpeg here; skipped
with the reason when the machine has no ffmpeg — scripts/test.sh installs it), served with byte
ranges to whom may see them, played with a choice of sizes; without ffmpeg the original plays."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from reportlab.pdfgen import canvas

from tests.helpers import UserFactory, assert_max_queries, grant, make_union
from yugong.core.errors import NotFound, PermissionDenied, ValidationFailed
from yugong.core.models import AuditEvent
from yugong.learning import media
from yugong.learning.models import Course, Lesson, LessonRendition, MediaStatus, Provider, Unit
from yugong.learning.progress import heartbeat
from yugong.members.tests.factories import make_person

pytestmark = pytest.mark.django_db
HAS_FFMPEG = bool(shutil.which("ffmpeg") and shutil.which("ffprobe"))
needs_ffmpeg = pytest.mark.skipif(
    not HAS_FFMPEG, reason="ffmpeg/ffprobe not installed (apt-get install ffmpeg; scripts/test.sh does)"
)


def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", *args], check=True, timeout=120)  # noqa: S603,S607


@pytest.fixture(scope="session")
def clips(tmp_path_factory: Any) -> dict[str, bytes]:
    """Tiny media made by ffmpeg: a 3 s 320×240 video with sound, a 2 s 1280×720 one, a 3 s mp3."""
    if not HAS_FFMPEG:
        pytest.skip("ffmpeg/ffprobe not installed (apt-get install ffmpeg; scripts/test.sh does)")
    d = tmp_path_factory.mktemp("clips")
    _ffmpeg(
        "-f", "lavfi", "-i", "testsrc=size=320x240:rate=10", "-f", "lavfi", "-i", "sine=frequency=440",
        "-t", "3", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(d / "small.mp4"),
    )  # fmt: skip
    _ffmpeg(
        "-f", "lavfi", "-i", "testsrc=size=1280x720:rate=5", "-t", "2", "-c:v", "libx264",
        "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(d / "hd.mp4"),
    )  # fmt: skip
    _ffmpeg("-f", "lavfi", "-i", "sine=frequency=440", "-t", "3", "-c:a", "libmp3lame", str(d / "talk.mp3"))
    return {name: (d / name).read_bytes() for name in ("small.mp4", "hd.mp4", "talk.mp3")}


def pdf_bytes(pages: int, *, compress: bool = False) -> bytes:
    out = io.BytesIO()
    c = canvas.Canvas(out, pageCompression=1 if compress else 0)
    for i in range(pages):
        c.drawString(100, 750, f"page {i + 1}")
        c.showPage()
    c.save()
    return out.getvalue()


@pytest.fixture
def world(db: Any, settings: Any, tmp_path: Path) -> dict[str, Any]:
    settings.MEDIA_ROOT = str(tmp_path)
    city = make_union(None, name="重庆市总工会")
    other = make_union(city, kind="district", name="江北区总工会")
    provider = Provider.objects.create(name="工匠学院", kind="academy", union=city)
    course = Course.objects.create(provider=provider, union=city, title="高级电工", status="draft")
    unit = Unit.objects.create(course=course, title="第一单元")
    staff, outsider = UserFactory(display_name="市总干部"), UserFactory()
    grant(staff, city, "staff")
    grant(outsider, other, "staff")
    return {"city": city, "course": course, "unit": unit, "staff": staff, "outsider": outsider}


def upload(name: str, data: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def _publish(course: Course) -> None:
    Course.objects.filter(pk=course.pk).update(status="published")


# --- checks by content -----------------------------------------------------------------------------


def test_sniff_reads_the_first_bytes_not_the_name() -> None:
    assert media.sniff(b"%PDF-1.7\n").kind == "pdf"  # type: ignore[union-attr]
    assert media.sniff(b"\x00\x00\x00\x18ftypmp42").kind == "video"  # type: ignore[union-attr]
    assert media.sniff(b"\x00\x00\x00\x18ftypM4A ").kind == "audio"  # type: ignore[union-attr]
    assert media.sniff(b"\x1a\x45\xdf\xa3\x01").kind == "video"  # type: ignore[union-attr]
    assert media.sniff(b"ID3\x04\x00").kind == "audio"  # type: ignore[union-attr]
    assert media.sniff(b"RIFF\x00\x00\x00\x00WAVEfmt ").kind == "audio"  # type: ignore[union-attr]
    assert media.sniff(b"MZ\x90\x00") is None  # an executable called lesson.mp4
    assert media.sniff(b"<html>") is None


def test_pdf_page_count_plain_and_compressed() -> None:
    assert media.pdf_page_count(pdf_bytes(3)) == 3
    assert media.pdf_page_count(pdf_bytes(5, compress=True)) == 5
    assert media.pdf_page_count(b"%PDF-1.4 nothing") == 0


def test_a_file_named_mp4_that_is_not_media_is_refused_on_the_field(world: dict[str, Any]) -> None:
    with pytest.raises(ValidationFailed) as err:
        media.lesson_upload(
            actor=world["staff"],
            unit=world["unit"],
            title="假视频",
            upload=upload("x.mp4", b"MZ\x90\x00" * 100),
        )
    assert "文件内容不是可用的视频" in str(err.value.fields["file"])
    with pytest.raises(ValidationFailed) as err:
        media.lesson_upload(actor=world["staff"], unit=world["unit"], title="", upload=None)
    assert set(err.value.fields) == {"file", "title"}
    with pytest.raises(ValidationFailed) as err:
        media.lesson_upload(actor=world["staff"], unit=world["unit"], title="空", upload=upload("a.pdf", b""))
    assert "空文件" in str(err.value.fields["file"])
    assert not Lesson.objects.exists() and not list(Path(world_media(world)).rglob("*.*"))


def world_media(world: dict[str, Any]) -> str:
    from django.conf import settings

    return str(settings.MEDIA_ROOT)


def test_size_limits_come_from_settings(world: dict[str, Any], settings: Any) -> None:
    settings.LEARNING_PDF_MAX_BYTES = 1000
    with pytest.raises(ValidationFailed) as err:
        media.lesson_upload(
            actor=world["staff"], unit=world["unit"], title="规程", upload=upload("a.pdf", pdf_bytes(20))
        )
    assert "PDF文件不能超过" in str(err.value.fields["file"])
    assert not Lesson.objects.exists()


def test_a_pdf_lesson_counts_its_pages_and_reads_by_the_text_rules(world: dict[str, Any]) -> None:
    lesson = media.lesson_upload(
        actor=world["staff"],
        unit=world["unit"],
        title="安全操作规程",
        upload=upload("规程.bin", pdf_bytes(3)),
    )
    assert (lesson.kind, lesson.pdf_pages, lesson.duration_seconds) == ("pdf", 3, 180)  # 1 min a page
    assert lesson.media_type == "application/pdf" and lesson.media_file.name.endswith(".pdf")
    assert (
        lesson.media_status == "" and AuditEvent.objects.filter(action="learning.lesson_upload").count() == 1
    )
    typed = media.lesson_upload(
        actor=world["staff"],
        unit=world["unit"],
        title="短文",
        upload=upload("b.pdf", pdf_bytes(1)),
        duration_seconds=20,
    )
    assert typed.duration_seconds == 20


def test_staff_of_another_union_reach_nothing_and_nothing_is_stored(world: dict[str, Any]) -> None:
    with pytest.raises(NotFound):
        media.lesson_upload(
            actor=world["outsider"], unit=world["unit"], title="x", upload=upload("a.pdf", pdf_bytes(1))
        )
    auditor = UserFactory()
    grant(auditor, world["city"], "auditor")
    with pytest.raises(PermissionDenied):
        media.lesson_upload(
            actor=auditor, unit=world["unit"], title="x", upload=upload("a.pdf", pdf_bytes(1))
        )
    assert not Lesson.objects.exists() and not list(Path(world_media(world)).rglob("*.*"))


# --- transcoding -------------------------------------------------------------------------------------


@needs_ffmpeg
def test_a_video_is_transcoded_into_measured_sizes_and_sets_the_duration(
    world: dict[str, Any], clips: dict[str, bytes], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        lesson = media.lesson_upload(
            actor=world["staff"],
            unit=world["unit"],
            title="配电柜巡检",
            upload=upload("巡检.mov", clips["small.mp4"], "text/plain"),
            duration_seconds=999,  # typed, but the media decides
        )
    lesson.refresh_from_db()
    assert lesson.kind == "video" and lesson.media_status == MediaStatus.READY
    assert lesson.duration_seconds == 3
    rows = list(lesson.renditions.all())
    # 320×240 source: only the smallest size, at the source's height (never upscaled).
    assert [(r.label, r.height, r.content_type) for r in rows] == [("360p", 240, "video/mp4")]
    r = rows[0]
    assert r.size_bytes > 0 and r.bitrate > 0 and r.duration_seconds == 3
    assert Path(world_media(world), r.file.name).stat().st_size == r.size_bytes
    assert lesson.media_bytes == r.size_bytes
    assert AuditEvent.objects.filter(action="learning.lesson_transcode").count() == 1


@needs_ffmpeg
def test_a_720p_source_gets_both_video_sizes_and_audio_two_bitrates(
    world: dict[str, Any], clips: dict[str, bytes], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        hd = media.lesson_upload(
            actor=world["staff"], unit=world["unit"], title="高清", upload=upload("a", clips["hd.mp4"])
        )
        talk = media.lesson_upload(
            actor=world["staff"], unit=world["unit"], title="讲座", upload=upload("a.mp4", clips["talk.mp3"])
        )
    assert [(r.label, r.height) for r in hd.renditions.order_by("height")] == [("360p", 360), ("720p", 720)]
    sizes = {r.label: r for r in talk.renditions.all()}
    assert set(sizes) == {"64k", "128k"} and Lesson.objects.get(pk=talk.pk).kind == "audio"
    assert sizes["64k"].bitrate < sizes["128k"].bitrate and sizes["64k"].size_bytes < sizes["128k"].size_bytes
    assert {r.content_type for r in sizes.values()} == {"audio/mp4"}


@needs_ffmpeg
def test_without_ffmpeg_the_original_is_kept_and_the_console_says_so(
    world: dict[str, Any], clips: dict[str, bytes], settings: Any, client: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:  # fmt: skip
    settings.LEARNING_FFMPEG = "/nonexistent/ffmpeg"
    settings.LEARNING_FFPROBE = "/nonexistent/ffprobe"
    with pytest.raises(ValidationFailed) as err:  # no ffprobe: the duration must be typed
        media.lesson_upload(
            actor=world["staff"], unit=world["unit"], title="无时长", upload=upload("a", clips["small.mp4"])
        )
    assert set(err.value.fields) == {"duration_seconds"}
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        lesson = media.lesson_upload(
            actor=world["staff"],
            unit=world["unit"],
            title="巡检",
            upload=upload("a", clips["small.mp4"]),
            duration_seconds=3,
        )
    assert not [cb for cb in callbacks if "transcode" in repr(cb)]  # nothing to transcode with
    assert lesson.media_status == MediaStatus.ORIGINAL and not lesson.renditions.exists()
    assert media.lesson_transcode(lesson_id=lesson.pk) == MediaStatus.ORIGINAL  # a task run later: no crash
    client.force_login(world["staff"])
    body = client.get(reverse("learning:console_course", args=[world["course"].pk])).content.decode()
    assert "未转码" in body and "服务器未安装 ffmpeg" in body
    _publish(world["course"])
    worker = UserFactory()
    client.force_login(worker)
    page = client.get(reverse("learning:h5_lesson", args=[lesson.pk])).content.decode()
    assert f'src="/learning/media/{lesson.pk}/original/"' in page and 'data-testid="size-original"' in page


@needs_ffmpeg
def test_a_failed_transcode_keeps_the_original(
    world: dict[str, Any], clips: dict[str, bytes], settings: Any, tmp_path: Path
) -> None:
    fake = tmp_path / "ffmpeg"
    fake.write_text("#!/bin/sh\nexit 1\n")
    fake.chmod(0o755)
    lesson = media.lesson_upload(
        actor=world["staff"], unit=world["unit"], title="坏", upload=upload("a", clips["small.mp4"])
    )
    settings.LEARNING_FFMPEG = str(fake)
    assert media.lesson_transcode(lesson_id=lesson.pk) == MediaStatus.FAILED
    lesson.refresh_from_db()
    assert lesson.media_status == MediaStatus.FAILED and not LessonRendition.objects.exists()
    assert media.source_options(lesson)[0].label == "original"


# --- pages: console upload, serving, the player --------------------------------------------------------


@needs_ffmpeg
def test_console_upload_page_transcodes_and_lists_the_sizes(
    world: dict[str, Any], clips: dict[str, bytes], client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client.force_login(world["staff"])
    url = reverse("learning:console_course", args=[world["course"].pk])
    bad = client.post(url, {"form": "upload", "unit": world["unit"].pk, "title": "假", "required_percent": 90,
                            "file": upload("x.mp4", b"not a video at all")})  # fmt: skip
    assert bad.status_code == 200 and "文件内容不是可用的视频" in bad.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(
            url,
            {"form": "upload", "unit": world["unit"].pk, "title": "配电柜巡检", "required_percent": 90,
             "file": upload("巡检.mp4", clips["small.mp4"])},
        )  # fmt: skip
    assert r.status_code == 302
    body = client.get(url).content.decode()
    assert "已转码" in body and 'data-testid="rendition"' in body and "360p" in body


def _release(response: Any) -> None:
    """Close the file a response holds, but not through response.close(), which sends
    request_finished and so closes the database connection inside the test's transaction."""
    for closer in getattr(response, "_resource_closers", []):
        closer()


def _body(response: Any) -> bytes:
    try:
        return b"".join(response.streaming_content)
    finally:
        _release(response)


def test_media_is_served_to_who_may_see_it_with_byte_ranges(world: dict[str, Any], client: Any) -> None:
    data = pdf_bytes(2)
    lesson = media.lesson_upload(
        actor=world["staff"], unit=world["unit"], title="规程", upload=upload("a.pdf", data)
    )
    url = reverse("learning:lesson_media", args=[lesson.pk, "original"])
    worker = UserFactory()
    client.force_login(worker)
    assert client.get(url).status_code == 404  # the course is a draft
    client.force_login(world["outsider"])
    assert client.get(url).status_code == 404
    client.force_login(world["staff"])
    assert _body(client.get(url)) == data  # staff preview a draft
    _publish(world["course"])
    client.force_login(worker)
    whole = client.get(url)
    _release(whole)
    assert (
        whole.status_code == 200
        and whole["Accept-Ranges"] == "bytes"
        and whole["Content-Type"] == "application/pdf"
    )
    assert (
        "frame-ancestors 'self'" in whole["Content-Security-Policy"]
        and whole["X-Frame-Options"] == "SAMEORIGIN"
    )
    part = client.get(url, HTTP_RANGE="bytes=5-14")
    assert part.status_code == 206 and part["Content-Range"] == f"bytes 5-14/{len(data)}"
    assert _body(part) == data[5:15]
    tail = client.get(url, HTTP_RANGE="bytes=-4")
    assert _body(tail) == data[-4:]
    assert client.get(url, HTTP_RANGE=f"bytes={len(data)}-").status_code == 416
    assert client.get(reverse("learning:lesson_media", args=[lesson.pk, "720p"])).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302  # sign in first


def test_the_pdf_player_frames_the_file_and_reading_completes_it(world: dict[str, Any], client: Any) -> None:
    lesson = media.lesson_upload(
        actor=world["staff"],
        unit=world["unit"],
        title="规程",
        upload=upload("a.pdf", pdf_bytes(2)),
        duration_seconds=20,
    )
    _publish(world["course"])
    worker = UserFactory()
    person = make_person(name="张师傅", user=worker)
    client.force_login(worker)
    body = client.get(reverse("learning:h5_lesson", args=[lesson.pk])).content.decode()
    assert f'<iframe class="yg-pdf" src="/learning/media/{lesson.pk}/original/"' in body and "共 2 页" in body
    import time_machine

    with time_machine.travel("2026-05-01 09:00:00+08:00", tick=False) as clock:
        for i in range(3):  # visible page, beats 10 s apart: reading time credited
            heartbeat(
                person=person,
                lesson_id=lesson.pk,
                session_key="s",
                position_seconds=0,
                visible=True,
                client_ms=i + 1,
            )
            clock.shift(10)
    assert lesson.progress.get().completed_at is not None


@needs_ffmpeg
def test_the_player_offers_the_sizes_smallest_first_and_beats_by_the_usual_rules(
    world: dict[str, Any], clips: dict[str, bytes], client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        lesson = media.lesson_upload(
            actor=world["staff"], unit=world["unit"], title="高清", upload=upload("a", clips["hd.mp4"])
        )
    _publish(world["course"])
    worker = UserFactory()
    person = make_person(name="张师傅", user=worker)
    client.force_login(worker)
    url = reverse("learning:h5_lesson", args=[lesson.pk])
    with assert_max_queries(12):
        body = client.get(url).content.decode()
    small, large = body.index('data-testid="size-360p"'), body.index('data-testid="size-720p"')
    assert small < large and f'src="/learning/media/{lesson.pk}/360p/"' in body
    served = client.get(reverse("learning:lesson_media", args=[lesson.pk, "720p"]))
    _release(served)
    assert served.status_code == 200 and served["Content-Type"] == "video/mp4"
    import time_machine

    with time_machine.travel("2026-05-01 09:00:00+08:00", tick=False) as clock:
        heartbeat(
            person=person, lesson_id=lesson.pk, session_key="s", position_seconds=0, visible=True, client_ms=1
        )
        clock.shift(2)
        skipped = heartbeat(
            person=person, lesson_id=lesson.pk, session_key="s", position_seconds=2, visible=True, client_ms=2
        )
    assert skipped.added_seconds == 2 and skipped.lesson_completed  # 2 s of a 2 s lesson (90 %)
