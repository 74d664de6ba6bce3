from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from yugong.core.errors import Conflict
from yugong.members.models import Membership
from yugong.orgs.services import union_close, union_merge

from .factories import make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def chair(tree: dict[str, Any]) -> Any:
    from tests.helpers import UserFactory, grant

    user = UserFactory(is_staff=True)
    grant(user, tree["yz"], "chair")
    return user


def test_merge_moves_members_keeping_number_and_since(tree: dict[str, Any], chair: Any) -> None:
    m = make_member(tree["branch"], member_since=dt.date(2001, 2, 3))
    p = make_member(tree["branch"], status="pending", due_at=timezone.now())
    left = make_member(tree["branch"], status="left")
    union_merge(actor=chair, union=tree["branch"], into=tree["shop"])
    m.refresh_from_db()
    p.refresh_from_db()
    left.refresh_from_db()
    assert m.status == "transferred" and m.union == tree["branch"]
    new = Membership.objects.get(previous=m)
    assert new.union == tree["shop"] and new.status == "active"
    assert new.member_no == m.member_no and new.member_since == dt.date(2001, 2, 3)
    assert p.union == tree["shop"] and p.status == "pending"
    assert left.union == tree["branch"]


def test_close_refused_while_members_remain(tree: dict[str, Any], chair: Any) -> None:
    make_member(tree["branch"])
    with pytest.raises(Conflict):
        union_close(actor=chair, union=tree["branch"], reason="撤销")


def test_union_page_panel(tree: dict[str, Any]) -> None:
    make_member(tree["shop"])
    make_member(tree["shop"], status="pending", due_at=timezone.now() - dt.timedelta(days=1))
    c = Client()
    c.force_login(tree["district_staff"])
    html = c.get(reverse("orgs:union_detail", kwargs={"pk": tree["shop"].pk})).content.decode()
    assert "本会会员" in html and "其中已超期" in html
