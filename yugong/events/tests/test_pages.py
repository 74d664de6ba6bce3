from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from tests.helpers import assert_max_queries
from yugong.events.models import SignUp
from yugong.events.services import activity_draw, signup_create

from .conftest import SEED, World, close_signup, make_activity, make_member

pytestmark = pytest.mark.django_db


def test_worker_signs_up_and_sees_the_draw(client: Any, world: World) -> None:
    activity = make_activity(world, places=1)
    user, _ = make_member(world.store)
    client.force_login(user)
    with assert_max_queries(12):
        assert client.get(reverse("events:h5_list")).status_code == 200
    page = client.get(reverse("events:h5_detail", args=[activity.pk]))
    assert 'data-testid="signup"' in page.content.decode()
    resp = client.post(reverse("events:h5_signup", args=[activity.pk]))
    assert resp.status_code == 302
    again = client.post(reverse("events:h5_signup", args=[activity.pk]))
    assert again.status_code == 409
    close_signup(activity)
    activity_draw(actor=world.organiser, activity_id=activity.pk, seed=SEED)
    mine = client.get(reverse("events:h5_mine")).content.decode()
    assert str(SignUp.Status.WON.label) in mine
    lottery = client.get(reverse("events:h5_lottery", args=[activity.pk])).content.decode()
    assert SEED in lottery and activity.seed_hash in lottery


def test_pages_need_an_existing_activity(client: Any, world: World) -> None:
    assert client.get(reverse("events:h5_detail", args=[999])).status_code == 404
    assert client.post(reverse("events:h5_signup", args=[1])).status_code == 302  # to sign in


def test_console_allocates_and_draws_in_scope(client: Any, world: World) -> None:
    activity = make_activity(world, places=2)
    for _ in range(3):
        signup_create(actor=make_member(world.store)[0], activity_id=activity.pk)
    client.force_login(world.jb_staff)
    assert client.get(reverse("events:console_detail", args=[activity.pk])).status_code == 404
    client.force_login(world.organiser)
    with assert_max_queries(15):
        assert activity.title in client.get(reverse("events:console_list")).content.decode()
    url = reverse("events:console_detail", args=[activity.pk])
    resp = client.post(url, {"action": "allocate", "union_id": world.yuzhong.pk, "places": 9})
    assert resp.status_code == 422
    assert (
        client.post(url, {"action": "allocate", "union_id": world.yuzhong.pk, "places": 1}).status_code == 302
    )
    close_signup(activity)
    assert client.post(url, {"action": "draw", "seed": "wrong"}).status_code == 422
    assert client.post(url, {"action": "draw", "seed": SEED}).status_code == 302
    # they signed up before 渝中 had a quota: all three drew for the organiser's one remaining place
    assert SignUp.objects.filter(status=SignUp.Status.WON).count() == 1
    client.force_login(world.yz_staff)  # holds a quota: sees the activity
    assert client.get(url).status_code == 200
