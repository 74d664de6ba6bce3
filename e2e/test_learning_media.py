"""Uploaded micro-lesson journey: staff upload a video on the console (checked by content,
transcoded by ffmpeg into its sizes while the page waits, no broker); a worker on a phone (390×844)
plays the smallest size to the end, the server's heartbeats complete the lesson and the course, and
after the union recognises the outcome the worker sees the credit. Needs ffmpeg (skipped with the
reason without it; scripts/test.sh installs it)."""

from __future__ import annotations

import shutil
import subprocess
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from e2e.helpers import assert_page_healthy
from e2e.test_honors import sign_in
from tests.helpers import UserFactory, grant, make_union
from yugong.learning.bank import outcome_review
from yugong.learning.models import Course, Lesson, MediaStatus, Outcome, Provider, Unit
from yugong.members.tests.factories import make_person

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not (shutil.which("ffmpeg") and shutil.which("ffprobe")),
        reason="ffmpeg/ffprobe not installed (apt-get install ffmpeg; scripts/test.sh does)",
    ),
]
SHOTS = Path(__file__).resolve().parent.parent / "test-results"


def _until(video: Any, predicate: str, seconds: float = 20) -> None:
    """Poll a predicate on the element (page.wait_for_function would evaluate a string: CSP forbids)."""
    deadline = time.monotonic() + seconds
    while not video.evaluate(predicate):
        assert time.monotonic() < deadline, f"timed out waiting for {predicate}"
        time.sleep(0.2)


def _clip(path: Path, seconds: int) -> Path:
    subprocess.run(  # noqa: S603
        [  # noqa: S607
            "ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=640x360:rate=10",
            "-f", "lavfi", "-i", "sine=frequency=440", "-t", str(seconds), "-c:v", "libx264", "-preset",
            "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", "-f", "mp4", str(path),
        ],
        check=True,
        timeout=120,
    )  # fmt: skip
    return path


def test_upload_transcode_play_to_the_end_and_see_the_credit(
    phone_page: Any, desk_page: Any, live_server: Any, tmp_path: Path, settings: Any
) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    city = make_union(None, name="重庆市总工会")
    provider = Provider.objects.create(name="重庆工匠学院", kind="academy", union=city)
    course = Course.objects.create(provider=provider, union=city, title="配电安全", credits=Decimal(2))
    Unit.objects.create(course=course, title="第一单元")
    staff = UserFactory(display_name="市总干部")
    grant(staff, city, "staff")
    worker = UserFactory(display_name="张师傅")
    make_person(name="张师傅", user=worker)

    # Staff upload a 12-second video named like a document: the content decides, not the name.
    desk = desk_page
    sign_in(desk, live_server, staff)
    desk.goto(f"{live_server.url}/learning/console/courses/{course.pk}/")
    form = desk.get_by_test_id("upload-form")
    form.get_by_label("微课名称").fill("配电柜巡检要点")
    form.get_by_label("文件").set_input_files(str(_clip(tmp_path / "巡检记录.dat", 12)))
    form.get_by_role("button", name="上传").click()
    expect(desk.get_by_text("已上传并转码完成。")).to_be_visible()
    expect(desk.get_by_test_id("media-status")).to_have_text("已转码")
    expect(desk.get_by_test_id("rendition")).to_contain_text("360p")
    assert_page_healthy(desk)
    lesson = Lesson.objects.get(course=course)
    assert lesson.media_status == MediaStatus.READY and lesson.duration_seconds == 12
    desk.set_viewport_size({"width": 390, "height": 844})
    SHOTS.mkdir(exist_ok=True)
    desk.screenshot(path=str(SHOTS / "learning-console-upload.png"), full_page=True)
    course.status = "published"
    course.save(update_fields=["status"])

    # The worker on a phone: the smallest size is chosen; playing to the end completes the lesson.
    page = phone_page
    sign_in(page, live_server, worker)
    page.goto(f"{live_server.url}/learning/course/{course.pk}/")
    page.get_by_role("link", name="配电柜巡检要点").click()
    video = page.locator("video[data-media]")
    expect(video).to_have_attribute("src", f"/learning/media/{lesson.pk}/360p/")
    expect(page.get_by_test_id("size-360p")).to_have_attribute("aria-pressed", "true")
    _until(video, "v => v.readyState >= 1")
    page.screenshot(path=str(SHOTS / "learning-player-phone.png"), full_page=True)
    # Fetch the whole (small) file before playing: the embedded SQLite test database shares one
    # connection between the live server's threads, and range requests racing a heartbeat's
    # transaction would lock it (PostgreSQL and production have no such limit).
    video.evaluate("v => { v.preload = 'auto'; v.load(); }")
    _until(video, "v => v.readyState === 4 && v.buffered.length > 0 && v.buffered.end(0) >= v.duration - 0.2")
    video.evaluate("v => { v.muted = true; return v.play(); }")
    expect(page.locator("[data-status]")).to_have_text(
        "恭喜，课程已结业，学习成果已存入学分银行。", timeout=30_000
    )
    assert_page_healthy(page)
    page.screenshot(path=str(SHOTS / "learning-player-done.png"), full_page=True)

    outcome = Outcome.objects.get(source="course")
    outcome_review(actor=staff, outcome_id=outcome.pk, approve=True)
    page.goto(f"{live_server.url}/learning/credits/")
    expect(page.get_by_test_id("credit-total")).to_have_text("2.0")
    expect(page.get_by_test_id("credit-row")).to_contain_text("课程结业")
    assert_page_healthy(page)


def test_a_pdf_lesson_shows_in_the_browsers_viewer_and_reading_completes_it(
    phone_page: Any, live_server: Any, tmp_path: Path, settings: Any
) -> None:
    from yugong.learning.media import lesson_upload
    from yugong.learning.tests.test_media import pdf_bytes, upload

    settings.MEDIA_ROOT = str(tmp_path / "media")
    city = make_union(None, name="重庆市总工会")
    provider = Provider.objects.create(name="重庆工匠学院", kind="academy", union=city)
    course = Course.objects.create(provider=provider, union=city, title="安全规程", credits=Decimal(1))
    unit = Unit.objects.create(course=course, title="第一单元")
    staff = UserFactory(display_name="市总干部")
    grant(staff, city, "staff")
    lesson = lesson_upload(
        actor=staff,
        unit=unit,
        title="配电室安全规程",
        upload=upload("规程.pdf", pdf_bytes(3)),
        duration_seconds=10,
    )
    course.status = "published"
    course.save(update_fields=["status"])
    worker = UserFactory(display_name="张师傅")
    make_person(name="张师傅", user=worker)
    page = phone_page
    sign_in(page, live_server, worker)
    page.goto(f"{live_server.url}/learning/lesson/{lesson.pk}/")
    frame = page.get_by_test_id("pdf-viewer")
    expect(frame).to_have_attribute("src", f"/learning/media/{lesson.pk}/original/")
    expect(page.get_by_text("共 3 页")).to_be_visible()
    # Reading time by the text rules: beats every 10 s while the page is visible.
    expect(page.locator("[data-status]")).to_have_text(
        "恭喜，课程已结业，学习成果已存入学分银行。", timeout=30_000
    )
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "learning-pdf-phone.png"), full_page=True)
    assert_page_healthy(page)
