"""Learning journey at phone size (390×844): a worker reads a micro-lesson until the server's
heartbeats complete it, passes the course's quiz (answers scored on the server), sees the
certificate issued in that same step, opens its verification page (valid), and after staff
revoke it the verification page says so."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from e2e.helpers import assert_page_healthy
from e2e.test_honors import sign_in
from tests.helpers import UserFactory, grant, make_union
from yugong.learning.certificates import certificate_revoke
from yugong.learning.models import Certificate, Course, Lesson, Provider, QuizQuestion, Unit
from yugong.members.tests.factories import make_person

pytestmark = pytest.mark.django_db(transaction=True)
SHOTS = Path(__file__).resolve().parent.parent / "test-results"


def _course(union: Any) -> Course:
    provider = Provider.objects.create(name="重庆市总工会职工学校", kind="federation", union=union)
    course = Course.objects.create(
        provider=provider, union=union, title="安全生产基础", credits=Decimal(2), status="published"
    )
    unit = Unit.objects.create(course=course, title="第一单元")
    Lesson.objects.create(
        unit=unit,
        course=course,
        title="安全生产“三不伤害”",
        kind="text",
        duration_seconds=10,
        body="不伤害自己、不伤害他人、不被他人伤害。",
        order=1,
    )
    quiz = Lesson.objects.create(
        unit=unit,
        course=course,
        title="结业测验",
        kind="quiz",
        duration_seconds=120,
        order=2,
        pass_percent=60,
    )
    QuizQuestion.objects.create(
        lesson=quiz,
        kind="single",
        stem="火灾报警电话是？",
        options=["119", "110", "120"],
        answer="A",
        order=1,
    )
    QuizQuestion.objects.create(
        lesson=quiz,
        kind="multiple",
        stem="有限空间作业前应当？",
        options=["通风", "检测", "直接进入"],
        answer="AB",
        order=2,
    )
    QuizQuestion.objects.create(
        lesson=quiz,
        kind="truefalse",
        stem="电气设备着火可直接用水扑救。",
        options=["正确", "错误"],
        answer="B",
        order=3,
    )
    return course


def test_watch_pass_the_quiz_and_verify_the_certificate(phone_page: Any, live_server: Any) -> None:
    city = make_union(None, name="重庆市总工会")
    course = _course(city)
    staff = UserFactory(display_name="市总干部")
    grant(staff, city, "staff")
    worker = UserFactory(display_name="张师傅")
    make_person(name="张师傅", user=worker)
    page = phone_page
    sign_in(page, live_server, worker)

    page.goto(f"{live_server.url}/learning/course/{course.pk}/")
    page.get_by_role("link", name="安全生产“三不伤害”").click()
    # The server credits time from the page's heartbeats (every 10 s while visible).
    expect(page.locator("[data-status]")).to_have_text("本节已学完。", timeout=25_000)
    assert_page_healthy(page)

    page.goto(f"{live_server.url}/learning/course/{course.pk}/")
    page.get_by_role("link", name="结业测验").click()
    form = page.get_by_test_id("quiz-form")
    expect(form).to_be_visible()
    assert "正确答案" not in page.content()  # the answers are not in the page before submitting
    form.get_by_label("A. 119").check()
    form.get_by_label("A. 通风").check()
    form.get_by_label("B. 检测").check()
    form.get_by_label("B. 错误").check()
    page.get_by_role("button", name="交卷").click()
    expect(page.get_by_test_id("quiz-result")).to_contain_text("测验通过")
    expect(page.get_by_test_id("course-done")).to_be_visible()
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "learning-quiz-passed.png"), full_page=True)
    assert_page_healthy(page)

    page.get_by_test_id("certificate-link").click()
    cert = Certificate.objects.get(course=course)
    expect(page.get_by_test_id("certificate-code")).to_have_text(cert.code)
    page.screenshot(path=str(SHOTS / "learning-certificate.png"), full_page=True)
    assert_page_healthy(page)
    with page.expect_download() as download:
        page.get_by_test_id("certificate-badge").click()
    assert download.value.suggested_filename == f"openbadge-{cert.code}.jwt"

    page.get_by_test_id("certificate-verify").click()
    expect(page.get_by_test_id("verify-status")).to_contain_text("证书真实有效")
    expect(page.get_by_test_id("verify")).to_contain_text("张*傅")
    assert_page_healthy(page)

    certificate_revoke(actor=staff, certificate_id=cert.pk, reason="学习记录存疑，经核查撤销")
    page.reload()
    expect(page.get_by_test_id("verify-status")).to_contain_text("证书已撤销")
    expect(page.get_by_test_id("revoke-reason")).to_contain_text("学习记录存疑")
    page.screenshot(path=str(SHOTS / "learning-verify-revoked.png"), full_page=True)
