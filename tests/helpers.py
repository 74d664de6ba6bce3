"""Test helpers shared by every app's tests (imported by the root conftest).

* ``postgres`` marker + :func:`requires_postgres`: concurrency tests run against the real PostgreSQL
  (``DATABASE_URL``) and are skipped, saying why, on SQLite.
* :func:`assert_max_queries` / ``django_assert_max_num_queries`` print the SQL when they fail.
* factories for users, unions and roles (factory_boy).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import factory
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from yugong.accounts.models import User
from yugong.accounts.system import system_actor
from yugong.orgs.models import RoleAssignment, Union
from yugong.orgs.services import union_create

__all__ = [
    "UserFactory",
    "assert_max_queries",
    "make_union",
    "grant",
    "requires_postgres",
    "city",
    "staff_client",
    "is_postgres",
]


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


requires_postgres = pytest.mark.skipif(
    "not __import__('os').environ.get('DATABASE_URL','').startswith('postgres')",
    reason="needs the real PostgreSQL: set DATABASE_URL (make test does when PostgreSQL is reachable)",
)


@contextlib.contextmanager
def assert_max_queries(limit: int) -> Iterator[CaptureQueriesContext]:
    """Fail with every captured SQL statement printed when more than ``limit`` queries ran."""
    with CaptureQueriesContext(connection) as ctx:
        yield ctx
    if len(ctx.captured_queries) > limit:
        sql = "\n".join(f"{i + 1}. {q['sql']}" for i, q in enumerate(ctx.captured_queries))
        pytest.fail(f"{len(ctx.captured_queries)} queries ran, at most {limit} expected:\n{sql}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"测试用户{n}")
    is_staff = False
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def _save(obj: User, create: bool, extracted: Any, **kwargs: Any) -> None:  # noqa: N805
        if create:
            obj.save()


_counter = {"n": 0}


def make_union(
    parent: Union | None = None, *, kind: str = "grassroots", name: str | None = None, **fields: Any
) -> Union:
    _counter["n"] += 1
    n = _counter["n"]
    return union_create(
        actor=system_actor(),
        parent=parent,
        name=name or f"测试工会{n}",
        code=f"T{n:06d}",
        kind=kind if parent else "city",
        **fields,
    )


def grant(user: User, union: Union, role: str = "staff") -> RoleAssignment:
    from yugong.orgs.access import forget_grants

    forget_grants(user)
    return RoleAssignment.objects.create(user=user, union=union, role=role)


@pytest.fixture
def city(db: Any) -> Union:
    return make_union(None, name="重庆市总工会")


@pytest.fixture
def staff_client(client: Any, city: Union) -> Any:
    """A Django test client signed in as a staff member holding ``staff`` at the city root."""
    user = UserFactory(is_staff=True)
    grant(user, city, "staff")
    client.force_login(user)
    client.user = user
    return client
