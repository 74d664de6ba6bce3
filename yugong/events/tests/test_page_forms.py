"""The activity page's actions read their input through forms (``events/forms.py``): a bad
number of places is refused with its Chinese message naming the field, and no quota is written."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from yugong.events.models import Quota

from .conftest import World, make_activity

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("places", ["九个", "-1", ""])
def test_places_must_be_a_whole_number(client: Any, world: World, places: str) -> None:
    activity = make_activity(world, places=5)
    client.force_login(world.organiser)
    url = reverse("events:console_detail", args=[activity.pk])
    before = Quota.objects.filter(activity=activity).count()
    resp = client.post(url, {"action": "allocate", "union_id": world.yuzhong.pk, "places": places})
    assert resp.status_code == 422 and "名额：名额须为非负整数。" in resp.content.decode()
    assert Quota.objects.filter(activity=activity).count() == before
