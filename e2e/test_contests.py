"""A worker takes the 10-question 安康杯 quiz on a phone: reads the warning-education material,
answers one question per screen under a countdown, submits, and sees the score and the rank."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.conf import settings as dj_settings
from django.test import Client
from playwright.sync_api import expect

from e2e.helpers import assert_page_healthy
from tests.helpers import UserFactory, make_union
from yugong.contests import demo
from yugong.contests.models import Attempt, Contest, Question
from yugong.contests.quiz import pool_forget
from yugong.members.models import Membership, Person

pytestmark = pytest.mark.django_db(transaction=True)


def sign_in(page: Any, live_server: Any, user: Any) -> None:
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [
            {
                "name": dj_settings.SESSION_COOKIE_NAME,
                "value": client.cookies[dj_settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


def test_worker_takes_the_quiz_on_a_phone(phone_page: Any, live_server: Any, settings: Any) -> None:
    import io

    settings.CONTESTS_START_RATE = 0
    settings.CONTESTS_LEADERBOARD_REDIS = False
    pool_forget()
    city = make_union(None, name="重庆市总工会")
    shop = make_union(city, kind="grassroots", name="解放碑百货工会")
    demo.seed(io.StringIO())
    contest = Contest.objects.get(title=demo.CONTEST_TITLE)
    worker = UserFactory(display_name="张师傅")
    person = Person.objects.create(name="张师傅", user=worker)
    Membership.objects.create(person=person, union=shop, status="active")
    page = phone_page
    sign_in(page, live_server, worker)

    page.goto("/contests/")
    page.get_by_text(demo.CONTEST_TITLE).tap()
    expect(page.get_by_test_id("material")).to_contain_text("有限空间")
    page.get_by_test_id("material-read").tap()
    page.get_by_test_id("start").tap()
    expect(page).to_have_url(re.compile(rf"/contests/{contest.pk}/quiz/$"))
    expect(page.get_by_test_id("stem")).to_be_visible()
    expect(page.get_by_test_id("countdown")).to_have_text(re.compile(r"^(10:00|09:[0-5]\d)$"))

    attempt = Attempt.objects.get(contest=contest, user=worker)
    answers = dict(Question.objects.filter(pk__in=attempt.question_ids).values_list("stem", "answer"))
    assert len(attempt.question_ids) == 10
    for i in range(10):
        expect(page.get_by_text(f"{i + 1} / 10")).to_be_visible()
        stem = page.get_by_test_id("stem").inner_text().replace("（多选）", "")
        for letter in answers[stem]:
            page.locator(f'[data-letter="{letter}"]').tap()
        if i < 9:
            page.get_by_test_id("next").tap()
    page.get_by_test_id("submit").tap()
    expect(page.get_by_test_id("score")).to_have_text("100")
    expect(page.get_by_test_id("rank")).to_contain_text("1")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    assert_page_healthy(page)

    page.goto("/contests/mine/")
    expect(page.get_by_test_id("my-entry")).to_contain_text("100")
    assert_page_healthy(page)


def test_a_queued_start_waits_and_keeps_its_place(phone_page: Any, live_server: Any, settings: Any) -> None:
    """During a synchronized start the quiz page gets 202 "排队中", shows it, and retries with its
    ticket after Retry-After until the paper comes."""
    import io

    from yugong.contests.quiz import admission

    settings.CONTESTS_START_RATE = 1  # one start a second
    settings.CONTESTS_START_BURST_MS = 0
    settings.CONTESTS_LEADERBOARD_REDIS = False
    pool_forget()
    city = make_union(None, name="重庆市总工会")
    shop = make_union(city, kind="grassroots", name="解放碑百货工会")
    demo.seed(io.StringIO())
    contest = Contest.objects.get(title=demo.CONTEST_TITLE)
    contest.material_body = contest.material_video = ""
    contest.save()
    worker = UserFactory(display_name="李师傅")
    person = Person.objects.create(name="李师傅", user=worker)
    Membership.objects.create(person=person, union=shop, status="active")
    page = phone_page
    sign_in(page, live_server, worker)
    admission.queue_forget(contest.pk)
    for other in range(4):  # four others pressed "start" first: the next free slot is 4 s away
        admission.admit_start(contest_id=contest.pk, user_id=-1 - other)
    page.goto(f"/contests/{contest.pk}/quiz/")
    expect(page.get_by_test_id("quiz-status")).to_contain_text("排队中")
    expect(page.get_by_test_id("stem")).to_be_visible(timeout=15_000)
    assert Attempt.objects.filter(contest=contest, user=worker).count() == 1
    assert_page_healthy(page)
