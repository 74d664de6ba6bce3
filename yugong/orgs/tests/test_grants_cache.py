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


# --- access_union_ref: the union's path cached beside the grants ---------------------------------


def _ref_or_none(user: Any, pk: Any, roles: Any = None) -> int | None:
    try:
        return access.access_union_ref(access_user(user), pk, roles=roles).pk
    except access.NotFound:
        return None


def _union_or_none(user: Any, pk: Any, roles: Any = None) -> int | None:
    try:
        return access.access_union(access_user(user), pk, roles=roles).pk
    except access.NotFound:
        return None


def access_user(user: Any) -> Any:
    """A fresh user object, as each request has (the grants are memoised on the object)."""
    return type(user).objects.get(pk=user.pk) if user.pk else user


def test_access_union_ref_is_access_union_twin(tree: dict[str, Any]) -> None:
    """The same answer as ``access_union`` for every user, union and role set, before and after the
    tree changes under the cached paths (move, close, reopen) — the rule lives in one place."""
    import random

    rng = random.Random(16)  # noqa: S311 - a reproducible tree
    unions = list(tree.values())
    for _ in range(8):
        unions.append(make_union(rng.choice(unions)))
    users = []
    for i in range(6):
        user = UserFactory(is_staff=True)
        for union in rng.sample(unions, k=i % 3):
            grant(user, union, rng.choice(["chair", "staff", "viewer"]))
        users.append(user)
    ids: list[Any] = [u.pk for u in unions] + [999_999, "abc", None, True]
    role_sets = [None, access.MANAGE_ROLES, {"viewer"}]

    def check() -> None:
        for user in users:
            for pk in ids:
                for roles in role_sets:
                    assert _ref_or_none(user, pk, roles) == _union_or_none(user, pk, roles), (user, pk, roles)

    check()
    check()  # now from the cached paths
    actor = system_actor()
    union_move(actor=actor, union=tree["a1"], new_parent=tree["b"])
    check()
    leaf = unions[-1]  # made last: nothing below it
    union_close(actor=actor, union=leaf, reason="撤并")
    check()
    union_reopen(actor=actor, union=Union.objects.get(pk=leaf.pk))
    check()
    for user in users:
        for union in Union.objects.all():
            got = _ref_or_none(user, union.pk)
            if got is not None:
                assert access.access_union_ref(access_user(user), union.pk).path == union.path


def test_access_union_ref_runs_no_query_once_cached(tree: dict[str, Any]) -> None:
    user = UserFactory(is_staff=True)
    grant(user, tree["a"], "staff")
    for _ in range(2):  # the first call makes the stamps, the second stores under them
        access.access_union_ref(access_user(user), tree["a1"].pk)
        with pytest.raises(access.NotFound):
            access.access_union_ref(access_user(user), tree["b"].pk)
    fresh = access_user(user)
    with CaptureQueriesContext(connection) as ctx:
        ref = access.access_union_ref(fresh, tree["a1"].pk)
        with pytest.raises(access.NotFound):
            access.access_union_ref(fresh, tree["b"].pk)  # outside: the cached path says so
    assert ctx.captured_queries == []
    assert ref == access.UnionRef(tree["a1"].pk, tree["a1"].path)


def test_a_moved_union_is_reached_through_its_new_path_at_once(tree: dict[str, Any]) -> None:
    user = UserFactory(is_staff=True)
    grant(user, tree["a"], "staff")
    for _ in range(2):
        assert _ref_or_none(user, tree["a1"].pk) == tree["a1"].pk
    union_move(actor=system_actor(), union=tree["a1"], new_parent=tree["b"])
    assert _ref_or_none(user, tree["a1"].pk) is None
    other = UserFactory(is_staff=True)
    grant(other, tree["b"], "viewer")
    ref = access.access_union_ref(access_user(other), tree["a1"].pk)
    assert ref.path == Union.objects.get(pk=tree["a1"].pk).path and ref.path.startswith(tree["b"].path)


def test_access_union_ref_without_the_cache_asks_the_database(
    tree: dict[str, Any], settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = UserFactory(is_staff=True)
    grant(user, tree["a"], "staff")
    settings.ACCESS_GRANTS_CACHE_SECONDS = 0
    assert _ref_or_none(user, tree["a1"].pk) == tree["a1"].pk
    assert _ref_or_none(user, tree["b"].pk) is None
    settings.ACCESS_GRANTS_CACHE_SECONDS = 300
    assert _ref_or_none(user, tree["a1"].pk) == tree["a1"].pk  # stored
    monkeypatch.setattr(access, "cache", _BrokenCache())
    union_move(actor=system_actor(), union=tree["a1"], new_parent=tree["b"])  # the restamp fails
    assert _ref_or_none(user, tree["a1"].pk) is None  # the database decides
    monkeypatch.undo()
    assert _ref_or_none(user, tree["a1"].pk) is None  # the old cached path is never served
