from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from tests.helpers import UserFactory, grant, is_postgres, make_union, requires_postgres
from yugong.core.errors import NotFound, PermissionDenied
from yugong.orgs import access
from yugong.orgs.models import Employer, RoleAssignment, Union

from .authz import uscc

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree(city: Union) -> dict[str, Any]:
    a = make_union(city, kind="district")
    a1 = make_union(a)
    b = make_union(city, kind="district")
    b1 = make_union(b)
    return {"city": city, "a": a, "a1": a1, "b": b, "b1": b1}


def fresh(user: Any) -> Any:
    return type(user).objects.get(pk=user.pk)


def test_role_at_node_acts_on_its_subtree_only(tree: dict[str, Any]) -> None:
    user = UserFactory(is_staff=True)
    grant(user, tree["a"], "staff")
    assert access.can_act(user, tree["a"]) and access.can_act(user, tree["a1"])
    assert not access.can_act(user, tree["city"]) and not access.can_act(user, tree["b1"])
    visible = set(
        access.scope_filter(Union.objects.all(), user, path_field="path").values_list("pk", flat=True)
    )
    assert visible == {tree["a"].pk, tree["a1"].pk}
    assert access.access_union(user, tree["a1"].pk) == tree["a1"]
    assert [u.pk for u in access.staff_scope(user)] == [tree["a"].pk]


def test_outside_answers_not_found_like_missing(tree: dict[str, Any]) -> None:
    user = UserFactory(is_staff=True)
    grant(user, tree["a"], "chair")
    errors = []
    for pk in (tree["b1"].pk, 999_999, "abc", None, True):
        with pytest.raises(NotFound) as exc:
            access.access_union(user, pk)
        errors.append(exc.value.as_body())
    assert all(e == errors[0] for e in errors)
    employer = Employer.objects.create(name="乙", uscc=uscc(1), union=tree["b1"])
    with pytest.raises(NotFound):
        access.access_object(Employer.objects.all(), user, employer.pk)
    with pytest.raises(NotFound):
        access.require_role(user, tree["b1"], {"chair"})


def test_visible_without_the_role_is_forbidden(tree: dict[str, Any]) -> None:
    user = UserFactory(is_staff=True)
    grant(user, tree["a"], "viewer")
    with pytest.raises(PermissionDenied):
        access.require_role(user, tree["a1"], access.MANAGE_ROLES)
    assert access.scope_paths(user, access.MANAGE_ROLES) == []
    assert not access.scope_filter(Union.objects.all(), user, path_field="path", roles={"staff"}).exists()


@pytest.mark.parametrize("admin_role", ["system", "security", "audit"])
def test_system_administrators_without_roles_see_nothing(tree: dict[str, Any], admin_role: str) -> None:
    admin = UserFactory(is_staff=True, admin_role=admin_role)
    assert access.grants(admin) == []
    assert not access.scope_filter(Union.objects.all(), admin, path_field="path").exists()
    with pytest.raises(NotFound):
        access.access_union(admin, tree["city"].pk)
    superuser = UserFactory(is_staff=True, is_superuser=True)
    assert not access.scope_filter(Union.objects.all(), superuser, path_field="path").exists()


def test_revoked_inactive_and_closed_grants_stop_working(tree: dict[str, Any]) -> None:
    user = UserFactory(is_staff=True)
    assignment = grant(user, tree["a"], "staff")
    assert access.can_act(fresh(user), tree["a1"])
    # QuerySet.update sends no signal: code that writes this way announces the change itself (the
    # services do; test_grants_cache.py drives them).
    RoleAssignment.objects.filter(pk=assignment.pk).update(active=False)
    access.grants_changed(user.pk)
    assert not access.can_act(fresh(user), tree["a1"])
    RoleAssignment.objects.filter(pk=assignment.pk).update(active=True)
    type(user).objects.filter(pk=user.pk).update(is_active=False)
    access.grants_changed(user.pk)
    assert not access.can_act(fresh(user), tree["a1"])
    # The query itself requires an active user: a user object that still says "active" (the
    # token cache's copy) gets no grants once the row says otherwise.
    stale = fresh(user)
    stale.is_active = True
    assert access.grants(stale) == []
    type(user).objects.filter(pk=user.pk).update(is_active=True)
    Union.objects.filter(pk=tree["a"].pk).update(status="closed")
    access.tree_changed()
    assert not access.can_act(fresh(user), tree["a1"])


def test_malformed_paths_fail_closed(tree: dict[str, Any]) -> None:
    user = UserFactory(is_staff=True)
    grant(user, tree["a"], "staff")
    Union.objects.filter(pk=tree["a"].pk).update(path="")  # as a prefix "" would match everything
    user = fresh(user)
    assert access.grants(user) == []
    assert not access.scope_filter(Union.objects.all(), user, path_field="path").exists()
    broken = Union(name="x", code="x", kind="grassroots", path="")
    assert not access.can_act(user, broken)


def test_unknown_role_names_are_programming_errors(tree: dict[str, Any]) -> None:
    user = UserFactory(is_staff=True)
    with pytest.raises(ValueError, match="unknown role"):
        access.scope_paths(user, {"chairman"})


def test_grants_are_one_query_per_request(tree: dict[str, Any], django_assert_num_queries: Any) -> None:
    user = UserFactory(is_staff=True)
    grant(user, tree["a"], "staff")
    grant(user, tree["a1"], "chair")
    with django_assert_num_queries(1):
        for _ in range(5):
            access.can_act(user, tree["a1"], {"chair"})
            access.scope_paths(user)
    assert access.scope_paths(user) == [tree["a"].path]  # outermost only


@requires_postgres
def test_subtree_prefix_uses_the_pattern_ops_index(tree: dict[str, Any]) -> None:
    """Django gives a ``db_index=True`` CharField a second ``*_like`` index with
    varchar_pattern_ops on PostgreSQL, which is what makes ``LIKE 'prefix%'`` an index range scan
    under any collation."""
    assert is_postgres()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'orgs_union' AND indexdef LIKE %s",
            ["%varchar_pattern_ops%"],
        )
        assert cursor.fetchall(), "no varchar_pattern_ops index on orgs_union.path"
        qs = Union.objects.filter(path__startswith=tree["a"].path)
        sql, params = qs.query.sql_with_params()
        cursor.execute("SET enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("SET enable_seqscan = on")
    assert "orgs_union_path" in plan and "_like" in plan, plan
