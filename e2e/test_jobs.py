"""Browser journey: an employer posts a job at a fair (desk), union staff publish it, a worker on a
phone finds it by a Chinese word, writes a résumé, sends an intent and attaches a PDF; the
employer sees the phone masked, opens the file and records an intent (达成意向), which the worker confirms."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from playwright.sync_api import expect

from e2e.helpers import assert_page_healthy

pytestmark = pytest.mark.django_db(transaction=True)


def _sign_in(page: Any, live_server: Any, user: Any) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies["sessionid"]
    page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])


def test_employer_posts_at_a_fair_and_a_worker_reaches_an_intent(
    phone_page: Any, desk_page: Any, live_server: Any
) -> None:
    from yugong.jobs import services
    from yugong.jobs.models import Intent, JobPost
    from yugong.jobs.tests.conftest import build_world, make_fair

    world = build_world()
    fair = make_fair(world, kind="live")
    services.booth_add(actor=world.yz_staff, fair_id=fair.pk, employer_id=world.employer.pk, label="直播间1")
    services.fair_publish(actor=world.yz_staff, fair_id=fair.pk)

    # Warm this process's one-time loads (templates, navigation, jieba's dictionary) off the clock of
    # the browser's 10 s timeout: the live server answers from a thread of this process.
    warm = Client()
    warm.force_login(world.recruiter)
    warm.get(f"/jobs/employer/{world.employer.pk}/posts/new/")
    warm.get("/jobs/?q=车床")

    # 1. The employer's recruiter posts a job at the live fair and submits it.
    desk = desk_page
    _sign_in(desk, live_server, world.recruiter)
    desk.goto(f"/jobs/employer/{world.employer.pk}/posts/")
    desk.get_by_test_id("new-post").click()
    desk.get_by_label("岗位名称").fill("数控车床操作工")
    desk.get_by_label("最低薪酬（元）").fill("6000")
    desk.get_by_label("最高薪酬（元）").fill("9000")
    desk.get_by_label("工作区县").fill("渝中区")
    desk.get_by_label("任职要求").fill("持车工证，两年以上经验")
    desk.get_by_label("参加招聘会").select_option(label=fair.title)
    desk.get_by_test_id("save-post").click()
    expect(desk.get_by_test_id("post-status")).to_have_text("草稿")
    desk.get_by_test_id("submit-post").click()
    expect(desk.get_by_test_id("post-status")).to_have_text("待审核")
    assert_page_healthy(desk)

    # 2. Union staff of the district publish it.
    post = JobPost.objects.get(title="数控车床操作工")
    services.post_review(actor=world.yz_staff, post_id=post.pk, approve=True)

    # 3. The worker, on a phone, finds it by a word, opens it from the fair, writes a résumé, sends it.
    page = phone_page
    _sign_in(page, live_server, world.worker)
    page.goto("/jobs/")
    page.get_by_role("searchbox", name="搜索").fill("车床")
    page.get_by_role("button", name="搜索").tap()
    expect(page.get_by_test_id("job")).to_have_count(1)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    page.goto(f"/jobs/fairs/{fair.pk}/")
    expect(page.get_by_test_id("stream")).to_be_visible()
    page.get_by_test_id("job").first.tap()
    expect(page.get_by_test_id("pay")).to_have_text("6,000–9,000 元/月")
    page.get_by_test_id("new-resume").tap()
    page.get_by_label("姓名").fill("张三")
    page.get_by_label("手机号").fill("13800138000")
    page.get_by_test_id("save-resume").tap()
    expect(page).to_have_url(re.compile(rf"/jobs/{post.pk}/$"))
    page.get_by_label("留言").fill("可随时到岗")
    page.get_by_test_id("send-intent").tap()
    expect(page).to_have_url(re.compile(r"/jobs/mine/$"))
    expect(page.get_by_test_id("intent-status")).to_have_text("已投递")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    assert_page_healthy(page)

    # 3b. The worker attaches a PDF résumé file (shared only with the employers applied to).
    page.goto("/jobs/resumes/")
    page.locator("input[type=file]").first.set_input_files(
        files=[{"name": "张三简历.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n% cv\n%%EOF\n"}]
    )
    page.get_by_test_id("upload-resume-file").first.tap()
    expect(page.get_by_test_id("resume-file")).to_have_text("张三简历.pdf")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390

    # 4. The employer sees the intent with the phone masked, opens the résumé file (audited) and
    # records an intent.
    desk.goto(f"/jobs/employer/{world.employer.pk}/intents/")
    expect(desk.get_by_test_id("phone")).to_have_text("138****8000")
    href = desk.get_by_test_id("resume-file").get_attribute("href")
    got = desk.request.get(live_server.url + href)
    assert got.status == 200 and got.body().startswith(b"%PDF")
    desk.get_by_placeholder("备注（如面试时间）").fill("周一上午面试")
    desk.get_by_test_id("agree").click()
    expect(desk.get_by_test_id("intent-status")).to_have_text("单位有意向")

    # 5. The worker confirms; the intent is reached.
    page.goto("/jobs/mine/")
    expect(page.get_by_text("周一上午面试")).to_be_visible()
    page.get_by_test_id("confirm").tap()
    expect(page.get_by_test_id("intent-status")).to_have_text("已达成意向")
    assert_page_healthy(page)
    assert Intent.objects.get().status == "confirmed"
