"""The one trusted-caller convention: an explicit system actor, and one answer to "may this
administrator do X"."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.helpers import UserFactory, make_union
from yugong.accounts.models import User
from yugong.accounts.system import DUTIES, may_administer, system_actor
from yugong.core.errors import ValidationFailed
from yugong.orgs.access import can_act, grants, scope_filter
from yugong.orgs.models import Union

pytestmark = pytest.mark.django_db


def test_the_system_actor_is_one_user_that_acts_everywhere():
    city = make_union(kind="city")
    district = make_union(city, kind="district")
    other_root = make_union(kind="city")
    actor = system_actor()
    assert actor.pk == system_actor().pk and actor.is_system
    assert User.objects.filter(is_system=True).count() == 1
    assert can_act(actor, district, {"chair"}) and can_act(actor, other_root, {"finance"})
    assert set(scope_filter(Union.objects.all(), actor, path_field="path")) == {city, district, other_root}
    assert {g.union_id for g in grants(actor)} == {city.pk, other_root.pk}


def test_the_system_actor_cannot_sign_in_or_hold_a_token():
    actor = system_actor()
    assert not actor.has_usable_password()
    client = Client()
    assert not client.login(username=actor.username, password="")
    from yugong.accounts.services import api_token_create

    with pytest.raises(ValidationFailed):
        api_token_create(actor=actor, user=actor, name="job")


def test_may_administer_is_the_whole_table():
    system = UserFactory(admin_role="system", is_staff=True)
    security = UserFactory(admin_role="security", is_staff=True)
    audit = UserFactory(admin_role="audit", is_staff=True)
    chair = UserFactory()
    su = UserFactory(is_superuser=True, is_staff=True)
    assert may_administer(audit, "audit.read_all") and may_administer(security, "audit.read_all")
    assert not may_administer(system, "audit.read_all")
    assert may_administer(system, "events.replay") and not may_administer(audit, "events.replay")
    assert may_administer(security, "admin_roles.assign") and not may_administer(system, "admin_roles.assign")
    assert not any(may_administer(chair, duty) for duty in DUTIES)  # type: ignore[arg-type]
    assert all(may_administer(su, duty) for duty in DUTIES)  # type: ignore[arg-type]
    assert not any(may_administer(system_actor(), duty) for duty in DUTIES)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        may_administer(system, "launch.rockets")  # type: ignore[arg-type]
