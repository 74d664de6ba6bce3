"""Page and API flows through the Django test client, and query counts of the list pages."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.helpers import assert_max_queries
from yugong.jobs import services
from yugong.jobs.models import Intent, JobFair, JobPost, Resume

from .conftest import World, make_fair, make_resume, published_post


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_employer_posts_through_the_form_and_staff_review_it(world: World) -> None:
    recruiter = _client(world.recruiter)
    url = f"/jobs/employer/{world.employer.pk}/posts/new/"
    assert recruiter.get(url).status_code == 200
    form = {
        "title": "叉车司机",
        "employment_type": "full_time",
        "pay_min": "5500",
        "pay_max": "7000.50",
        "pay_period": "month",
        "openings": "2",
        "district": "渝中区",
        "education": "any",
        "requirements": "持叉车证",
        "fair": "",
    }
    bad = recruiter.post(url, {**form, "pay_min": "8000"})
    assert bad.status_code == 422
    assert "最高薪酬不能低于最低薪酬" in bad.content.decode()
    response = recruiter.post(url, form)
    assert response.status_code == 302
    post = JobPost.objects.get(title="叉车司机")
    assert (post.pay_min_fen, post.pay_max_fen) == (550_000, 700_050)
    assert recruiter.post(f"/jobs/employer/{world.employer.pk}/posts/{post.pk}/submit/").status_code == 302
    post.refresh_from_db()
    assert post.status == "pending"

    staff = _client(world.yz_staff)
    queue = staff.get("/jobs/console/")
    assert "叉车司机" in queue.content.decode()
    page = staff.get(f"/jobs/console/posts/{post.pk}/")
    assert page.status_code == 200
    assert (
        staff.post(f"/jobs/console/posts/{post.pk}/", {"decision": "approve", "note": ""}).status_code == 302
    )
    post.refresh_from_db()
    assert post.published
    # Public list and detail show the range in yuan.
    detail = Client().get(f"/jobs/{post.pk}/").content.decode()
    assert "5,500–7,000.50 元/月" in detail


def test_discriminatory_wording_shows_on_the_form(world: World) -> None:
    recruiter = _client(world.recruiter)
    post = services.post_create(
        actor=world.recruiter,
        employer_id=world.employer.pk,
        title="前台",
        requirements="女性优先，已婚已育",
        pay_min_fen=400_000,
        pay_max_fen=500_000,
        district="渝中区",
    )
    response = recruiter.post(f"/jobs/employer/{world.employer.pk}/posts/{post.pk}/submit/", follow=True)
    text = response.content.decode()
    assert "女性优先" in text and "已婚已育" in text
    post.refresh_from_db()
    assert post.status == "draft"


def test_worker_writes_a_resume_sends_an_intent_and_confirms(world: World) -> None:
    post = published_post(world)
    worker = _client(world.worker)
    detail = worker.get(f"/jobs/{post.pk}/").content.decode()
    assert 'data-testid="new-resume"' in detail
    response = worker.post(
        f"/jobs/resumes/new/?next=/jobs/{post.pk}/",
        {
            "title": "车工简历",
            "name": "张三",
            "phone": "13800138000",
            "education": "senior",
            "experience_years": "3",
        },
    )
    assert response.status_code == 302 and response["Location"] == f"/jobs/{post.pk}/"
    resume = Resume.objects.get(user=world.worker)
    response = worker.post(f"/jobs/{post.pk}/intent/", {"resume": resume.pk, "message": "可随时到岗"})
    assert response.status_code == 302
    again = worker.post(f"/jobs/{post.pk}/intent/", {"resume": resume.pk})
    assert again.status_code == 422
    intent = Intent.objects.get(worker=world.worker)

    employer = _client(world.recruiter)
    listing = employer.get(f"/jobs/employer/{world.employer.pk}/intents/").content.decode()
    assert "138****8000" in listing and "13800138000" not in listing
    # Not shared yet: no clear view.
    refused = employer.post(f"/jobs/employer/{world.employer.pk}/intents/{intent.pk}/contact/", follow=True)
    assert "13800138000" not in refused.content.decode()
    url = f"/jobs/employer/{world.employer.pk}/intents/{intent.pk}/agree/"
    assert employer.post(url, {"note": "周一上午面试"}).status_code == 302
    mine = worker.get("/jobs/mine/").content.decode()
    assert "单位有意向" in mine and "周一上午面试" in mine
    assert worker.post(f"/jobs/mine/{intent.pk}/confirm/").status_code == 302
    intent.refresh_from_db()
    assert intent.status == "confirmed"
    shown = employer.post(f"/jobs/employer/{world.employer.pk}/intents/{intent.pk}/contact/")
    assert "13800138000" in shown.content.decode()


def test_other_recruiters_and_workers_cannot_open_an_employer(world: World) -> None:
    other = _client(world.other_recruiter)
    assert other.get(f"/jobs/employer/{world.employer.pk}/posts/").status_code == 404
    assert _client(world.worker).get(f"/jobs/employer/{world.employer.pk}/posts/").status_code == 403
    home = _client(world.recruiter).get("/jobs/employer/").content.decode()
    assert world.employer.name in home and world.other_employer.name not in home


def test_staff_runs_a_live_fair_with_booths(world: World) -> None:
    staff = _client(world.yz_staff)
    response = staff.post(
        "/jobs/console/fairs/new/",
        {
            "action": "save",
            "union": world.yuzhong.pk,
            "kind": "live",
            "title": "直播带岗·渝中专场",
            "starts_at": "2030-05-01T10:00",
            "ends_at": "2030-05-01T12:00",
            "stream_url": "",
        },
    )
    assert response.status_code == 422
    assert "直播地址" in response.content.decode()
    response = staff.post(
        "/jobs/console/fairs/new/",
        {
            "action": "save",
            "union": world.yuzhong.pk,
            "kind": "live",
            "title": "直播带岗·渝中专场",
            "starts_at": "2030-05-01T10:00",
            "ends_at": "2030-05-01T12:00",
            "stream_url": "https://live.example.cn/room/1",
        },
    )
    assert response.status_code == 302
    fair = JobFair.objects.get()
    assert fair.starts_at.hour == 2  # 10:00 in Shanghai is 02:00 UTC
    url = f"/jobs/console/fairs/{fair.pk}/"
    assert (
        staff.post(url, {"action": "booth", "employer": world.employer.pk, "label": "直播间1"}).status_code
        == 302
    )
    assert staff.post(url, {"action": "publish"}).status_code == 302
    fair.refresh_from_db()
    assert fair.status == "published"
    page = Client().get(f"/jobs/fairs/{fair.pk}/").content.decode()
    assert "https://live.example.cn/room/1" in page and world.employer.name in page


def test_staff_adds_a_recruiter(world: World) -> None:
    from tests.helpers import UserFactory

    newcomer = UserFactory(phone="13700000009")
    staff = _client(world.yz_staff)
    url = f"/jobs/console/employers/{world.employer.pk}/"
    bad = staff.post(url, {"action": "add", "login": "13700000000"})
    assert bad.status_code == 422
    assert staff.post(url, {"action": "add", "login": "137 0000 0009"}).status_code == 302
    assert _client(newcomer).get(f"/jobs/employer/{world.employer.pk}/posts/").status_code == 200
    assert _client(world.jb_staff).get(url).status_code == 404


def test_api_search_intent_and_review(world: World) -> None:
    post = published_post(world)
    anon = Client()
    found = anon.get("/api/v1/jobs/posts", {"q": "车床"}).json()
    assert [p["id"] for p in found] == [post.pk]
    assert anon.get(f"/api/v1/jobs/posts/{post.pk}").json()["pay_max_fen"] == 900_000
    worker = _client(world.worker)
    resume = worker.post(
        "/api/v1/jobs/resumes",
        {"title": "简历", "name": "张三", "phone": "13800138000"},
        content_type="application/json",
    )
    assert resume.status_code == 201 and resume.json()["phone_masked"] == "138****8000"
    sent = worker.post(
        "/api/v1/jobs/intents",
        {"post_id": post.pk, "resume_id": resume.json()["id"]},
        content_type="application/json",
    )
    assert sent.status_code == 201 and sent.json()["status"] == "sent"
    employer = _client(world.recruiter)
    rows = employer.get(f"/api/v1/jobs/employers/{world.employer.pk}/intents").json()
    assert rows[0]["phone_masked"] == "138****8000" and "phone" not in rows[0]
    assert (
        employer.post(
            f"/api/v1/jobs/employers/{world.employer.pk}/intents/{rows[0]['id']}/contact"
        ).status_code
        == 409
    )
    decided = employer.post(
        f"/api/v1/jobs/employers/{world.employer.pk}/intents/{rows[0]['id']}/decision",
        {"agree": True},
        content_type="application/json",
    )
    assert decided.json()["status"] == "agreed"
    confirmed = worker.post(f"/api/v1/jobs/intents/{rows[0]['id']}/confirm")
    assert confirmed.json()["status"] == "confirmed"
    assert worker.post(f"/api/v1/jobs/intents/{rows[0]['id'] + 1000}/confirm").status_code == 404


@pytest.mark.parametrize("rows", [3, 30])
def test_list_pages_query_counts_stay_flat(world: World, rows: int) -> None:
    fair = make_fair(world)
    services.booth_add(actor=world.yz_staff, fair_id=fair.pk, employer_id=world.employer.pk)
    services.fair_publish(actor=world.yz_staff, fair_id=fair.pk)
    resume = make_resume(world.worker)
    for i in range(rows):
        post = published_post(world, title=f"车工{i}号")
        services.intent_send(actor=world.worker, post_id=post.pk, resume_id=resume.pk)
    worker = _client(world.worker)
    recruiter = _client(world.recruiter)
    staff = _client(world.yz_staff)
    pages = [
        (Client(), "/jobs/", 6),
        (Client(), "/jobs/?q=车工", 6),
        (Client(), "/jobs/fairs/", 6),
        (Client(), f"/jobs/fairs/{fair.pk}/", 8),
        (worker, "/jobs/mine/", 12),
        (recruiter, f"/jobs/employer/{world.employer.pk}/posts/", 14),
        (recruiter, f"/jobs/employer/{world.employer.pk}/intents/", 14),
        (staff, "/jobs/console/?status=all", 16),
        (staff, "/jobs/console/fairs/", 16),
        (staff, "/jobs/console/employers/", 16),
        (Client(), "/api/v1/jobs/posts", 4),
    ]
    for client, url, limit in pages:
        client.get(url)  # warm per-process caches (jieba, nav discovery)
        with assert_max_queries(limit):
            assert client.get(url).status_code == 200, url
