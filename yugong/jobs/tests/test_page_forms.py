"""The remove buttons of the jobs console name their row through a form: the row goes, and a
row id that is not one answers 404 (nothing is changed)."""

from __future__ import annotations

from django.test import Client

from tests.helpers import UserFactory
from yugong.jobs.models import Recruiter

from .conftest import World


def test_staff_removes_a_recruiter_by_its_button(world: World) -> None:
    newcomer = UserFactory(phone="13700000009")
    staff = Client()
    staff.force_login(world.yz_staff)
    url = f"/jobs/console/employers/{world.employer.pk}/"
    assert staff.post(url, {"action": "add", "login": "13700000009"}).status_code == 302
    row = Recruiter.objects.get(employer=world.employer, user=newcomer)
    assert staff.post(url, {"action": "remove", "recruiter": "not-a-row"}).status_code == 404
    assert Recruiter.objects.get(pk=row.pk).active
    assert staff.post(url, {"action": "remove", "recruiter": row.pk}).status_code == 302
    assert not Recruiter.objects.get(pk=row.pk).active
