"""The shared grants cache (``access.py``, "Grants cache"): a staff request whose rights did not
change reads no grants from the database, and every write that changes rights or the tree takes
effect on the very next request."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.helpers import UserFactory, grant, make_union
from yugong.accounts.services import api_token_create
from yugong.accounts.system import system_actor
from yugong.orgs import access
from yugong.orgs.models import RoleAssignment, Union
from yugong.orgs.services import role_revoke, union_close, union_move, union_reopen

pytestmark = pytest.mark.django_db

API = "/api/v1/orgs"


@pytest.fixture
def tree(city: Union) -> dict[str, Any]:
    a = make_union(city, kind="district")
    a1 = make_union(a)
    b = make_union(city, kind="district")
    return {"city": city, "a": a, "a1": a1, "b": b}


def _grant_queries(ctx: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries if '"orgs_roleassignment"."user_id" = ' in q["sql"]]


def _staff(client: Any, union: Union, role: str = "staff") -> Any:
    user = UserFactory(is_staff=True)
    grant(user, union, role)
    client.force_login(user)
    return user


def _get(client: Any, union: Union) -> int:
    return int(client.get(f"{API}/unions/{union.pk}").status_code)


def test_an_unchanged_staff_member_reads_no_grants_query(client: Any, tree: dict[str, Any]) -> None:
    _staff(client, tree["a"])
    with CaptureQueriesContext(connection) as first:
        assert _get(client, tree["a1"]) == 200
    assert len(_grant_queries(first)) == 1
    with CaptureQueriesContext(connection) as second:
        assert _get(client, tree["a1"]) == 200
        assert _get(client, tree["b"]) == 404  # the cached grants still fence the subtree
    assert _grant_queries(second) == []


def test_a_revoked_role_answers_404_on_the_next_request(client: Any, tree: dict[str, Any]) -> None:
    user = _staff(client, tree["a"])
    assert _get(client, tree["a1"]) == 200
    assignment = RoleAssignment.objects.get(user=user)
    role_revoke(actor=system_actor(), assignment=assignment, reason="调岗")
    assert _get(client, tree["a1"]) == 404
    assert _get(client, tree["a"]) == 404


def test_a_new_role_works_on_the_next_request(client: Any, tree: dict[str, Any]) -> None:
    user = _staff(client, tree["a"])
    assert _get(client, tree["b"]) == 404
    RoleAssignment.objects.create(user=user, union=tree["b"], role="staff")  # admin site, seeds: save()
    assert _get(client, tree["b"]) == 200


def test_a_moved_union_takes_its_scope_along(client: Any, tree: dict[str, Any]) -> None:
    a_staff = _staff(client, tree["a"])
    b_client = type(client)()
    _staff(b_client, tree["b"])
    # Both have cached grants (and paths) before the move.
    assert _get(client, tree["a1"]) == 200 and _get(b_client, tree["a1"]) == 404
    union_move(actor=system_actor(), union=tree["a1"], new_parent=tree["b"])
    assert _get(client, tree["a1"]) == 404
    assert _get(b_client, tree["a1"]) == 200
    # A role *at* the moved union carries the new path: its holder still reaches its own subtree,
    # and the cached path is the new one.
    leaf_client = type(client)()
    leaf = _staff(leaf_client, tree["a1"])
    child = make_union(tree["a1"])
    assert _get(leaf_client, child) == 200
    union_move(actor=system_actor(), union=tree["a1"], new_parent=tree["a"])
    assert _get(leaf_client, child) == 200
    moved = Union.objects.get(pk=tree["a1"].pk)
    assert [g.path for g in access.grants(type(leaf).objects.get(pk=leaf.pk))] == [moved.path]
    assert moved.path.startswith(tree["a"].path)
    assert a_staff.pk != leaf.pk


def test_closing_and_reopening_a_union_follow_at_once(client: Any, tree: dict[str, Any]) -> None:
    _staff(client, tree["a1"], "chair")
    assert _get(client, tree["a1"]) == 200
    union_close(actor=system_actor(), union=tree["a1"], reason="企业注销")
    assert _get(client, tree["a1"]) == 404  # the roles at a closed union ended
    union_reopen(actor=system_actor(), union=tree["a1"])
    assert _get(client, tree["a1"]) == 404  # ended roles stay ended


def test_a_deactivated_users_token_loses_its_grants_on_the_next_request(
    client: Any, tree: dict[str, Any]
) -> None:
    user = UserFactory(is_staff=True)
    grant(user, tree["a"], "staff")
    _, token = api_token_create(actor=user, user=user, name="脚本")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    assert client.get(f"{API}/unions/{tree['a1'].pk}", **headers).status_code == 200
    user.is_active = False
    user.save(update_fields=["is_active"])
    # Whatever the per-process token cache still holds, the grants are gone.
    assert client.get(f"{API}/unions/{tree['a1'].pk}", **headers).status_code in (401, 404)


def test_a_login_does_not_empty_the_cache(client: Any, tree: dict[str, Any]) -> None:
    user = _staff(client, tree["a"])
    assert _get(client, tree["a1"]) == 200
    user.save(update_fields=["last_login"])
    with CaptureQueriesContext(connection) as ctx:
        assert _get(client, tree["a1"]) == 200
    assert _grant_queries(ctx) == []


def test_a_change_committed_while_the_query_runs_never_leaves_old_rights(tree: dict[str, Any]) -> None:
    user = UserFactory(is_staff=True)
    assignment = grant(user, tree["a"], "staff")
    real_query = access._query_grants

    def slow_query(user_id: int) -> list[access.Grant]:
        rows = real_query(user_id)  # read before the revoke committed
        role_revoke(actor=system_actor(), assignment=assignment)
        return rows

    access._query_grants = slow_query  # type: ignore[assignment]
    try:
        # The first call makes the stamps; the second reads them, then races the revoke.
        assert access._cached_grants(user.pk)
    finally:
        access._query_grants = real_query  # type: ignore[assignment]
    RoleAssignment.objects.filter(pk=assignment.pk).update(active=True)
    access.grants_changed(user.pk)
    access._query_grants = slow_query  # type: ignore[assignment]
    try:
        assert access._cached_grants(user.pk)  # this request began before the revoke: it may see it
    finally:
        access._query_grants = real_query  # type: ignore[assignment]
    assert access._cached_grants(user.pk) == []  # the next one never does


def test_the_stamp_changes_again_when_the_write_commits(
    tree: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    user = UserFactory(is_staff=True)
    assignment = grant(user, tree["a"], "staff")
    access._cached_grants(user.pk)  # makes the stamps
    key = access._user_stamp_key(user.pk)
    from django.core.cache import cache

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        role_revoke(actor=system_actor(), assignment=assignment)
    during = cache.get(key)
    assert during is not None
    for callback in callbacks:
        callback()
    assert cache.get(key) not in (None, during)


class _BrokenCache:
    def __getattr__(self, name: str) -> Any:
        def fail(*args: Any, **kwargs: Any) -> Any:
            raise ConnectionError("cache down")

        return fail


def test_a_cache_outage_falls_back_to_the_query(
    client: Any, tree: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    user = _staff(client, tree["a"])
    assert _get(client, tree["a1"]) == 200  # cached while the cache was up
    monkeypatch.setattr(access, "cache", _BrokenCache())
    with CaptureQueriesContext(connection) as ctx:
        assert _get(client, tree["a1"]) == 200
    assert len(_grant_queries(ctx)) == 1
    # A revoke while the cache is down still takes effect (the query decides) ...
    role_revoke(actor=system_actor(), assignment=RoleAssignment.objects.get(user=user))
    assert _get(client, tree["a1"]) == 404
    assert access._pending  # the stamp change that failed is kept ...
    monkeypatch.undo()
    # ... and made before the next read once the cache is back: the entry cached before the revoke
    # is never served.
    assert _get(client, tree["a1"]) == 404
    assert not access._pending


def test_the_cache_can_be_turned_off(client: Any, tree: dict[str, Any], settings: Any) -> None:
    settings.ACCESS_GRANTS_CACHE_SECONDS = 0
    _staff(client, tree["a"])
    assert _get(client, tree["a1"]) == 200
    with CaptureQueriesContext(connection) as ctx:
        assert _get(client, tree["a1"]) == 200
    assert len(_grant_queries(ctx)) == 1


def test_a_migrate_forgets_every_cached_grant(tree: dict[str, Any]) -> None:
    from django.apps import apps
    from django.db.models.signals import post_migrate

    user = UserFactory(is_staff=True)
    grant(user, tree["a"], "staff")
    access._cached_grants(user.pk)  # makes the stamps
    assert access._cached_grants(user.pk)  # stored
    # A data migration rewrites a path with SQL, then migrate's post_migrate signal runs.
    Union.objects.filter(pk=tree["a"].pk).update(path="")
    post_migrate.send(sender=apps.get_app_config("orgs"), app_config=apps.get_app_config("orgs"))
    assert access._cached_grants(user.pk) == []
