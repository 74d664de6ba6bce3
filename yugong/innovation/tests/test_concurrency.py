"""A team's size under a rush of workers joining at once (real threads on PostgreSQL): the team
row is locked while its members are counted, so exactly the places left are taken. The control
runs the same race without the lock (a test-only flag) and overfills the team."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import UserFactory, requires_postgres
from tests.race import outcomes, race
from yugong.innovation import services
from yugong.innovation.models import TeamMember
from yugong.innovation.services import challenges as challenge_services

from .conftest import Tree, make_challenge, member

pytestmark = [requires_postgres, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

JOINERS, SIZE = 8, 3  # the leader and two places for eight workers


def _rush(tree: Tree) -> tuple[Any, list[Any]]:
    c = make_challenge(tree, max_team_size=SIZE)
    team = services.team_signup(actor=tree.worker, challenge=c, name="一组", plan="方案")
    users = []
    for i in range(JOINERS):
        user = UserFactory(display_name=f"职工{i}")
        member(tree.store, f"职工{i}", user=user)
        users.append(user)
    return team, race(JOINERS, lambda i: services.team_join(actor=users[i], team=team.pk))


def test_a_team_never_passes_its_size(tree: Tree) -> None:
    team, results = _rush(tree)
    assert outcomes(results) == ["Conflict"] * (JOINERS - SIZE + 1) + ["ok"] * (SIZE - 1)
    assert TeamMember.objects.filter(team=team).count() == SIZE


def test_control_without_the_lock_the_team_overfills(tree: Tree, monkeypatch: Any) -> None:
    monkeypatch.setattr(challenge_services, "_UNGUARDED_TEAM_SIZE", True)
    team, _results = _rush(tree)
    assert TeamMember.objects.filter(team=team).count() > SIZE, "the unguarded join should have overfilled"
