from __future__ import annotations

import io

import pytest
from django.test import Client

from yugong.accounts import demo as accounts_demo
from yugong.jobs import demo
from yugong.jobs.models import Booth, Intent, JobFair, JobPost, Recruiter, Resume
from yugong.orgs import demo as orgs_demo

pytestmark = pytest.mark.django_db


def _counts() -> tuple[int, ...]:
    return tuple(m.objects.count() for m in (Recruiter, JobFair, Booth, JobPost, Resume, Intent))


def test_demo_shows_published_posts_fairs_and_a_confirmed_intent_and_is_idempotent() -> None:
    accounts_demo.seed(io.StringIO())
    orgs_demo.seed(io.StringIO())
    demo.seed(io.StringIO())
    first = _counts()
    demo.seed(io.StringIO())
    assert _counts() == first
    assert JobPost.objects.filter(status="published").count() == 4
    assert set(JobFair.objects.values_list("kind", "status")) == {
        ("onsite", "published"),
        ("live", "published"),
    }
    assert Booth.objects.count() == 4
    assert sorted(Intent.objects.values_list("status", flat=True)) == ["confirmed", "sent"]
    page = Client().get("/jobs/").content.decode()
    assert page.count('data-testid="job"') == 4
