"""The two volunteer sign-up paths agree (PostgreSQL): the one statement (``signup_sql``) and the ORM
path (``service._service_signup_orm``) take their rules from ``signup_rules``. Every case is driven
through both, each in a transaction rolled back afterwards: the same refusal (class, code, message)
or the same rows written (the sign-up, the roll row — found, linked, reactivated or new, with its
name, phone and blind index —, the place taken, the audit rows, the buffered facts)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from tests.helpers import UserFactory, requires_postgres
from yugong.accounts.models import User
from yugong.core.facts import fact_total
from yugong.core.models import AuditEvent, FactBuffer
from yugong.core.timeutil import now
from yugong.orgs import services
from yugong.orgs.models import ServiceActivity, ServiceSignup, Volunteer, VolunteerTeam
from yugong.orgs.services import signup_sql
from yugong.orgs.services.service import _service_signup_orm

from .test_volunteer_service import W, build, make_activity

pytestmark = [requires_postgres, pytest.mark.postgres]

Case = Callable[[W, ServiceActivity], tuple[User, int]]


def _new_worker(w: W, a: ServiceActivity) -> tuple[User, int]:
    return w.workers[0], a.pk


def _no_phone(w: W, a: ServiceActivity) -> tuple[User, int]:
    return UserFactory(phone="", display_name="  无手机  职工 "), a.pk


def _no_name(w: W, a: ServiceActivity) -> tuple[User, int]:
    return UserFactory(phone="13911112222", display_name=""), a.pk


def _on_roll(w: W, a: ServiceActivity) -> tuple[User, int]:
    Volunteer.objects.create(team=w.team, user=w.workers[0], name="老队员", phone=w.workers[0].phone)
    return w.workers[0], a.pk


def _off_roll(w: W, a: ServiceActivity) -> tuple[User, int]:
    Volunteer.objects.create(team=w.team, user=w.workers[0], name="老队员", active=False)
    return w.workers[0], a.pk


def _entered_by_staff(w: W, a: ServiceActivity) -> tuple[User, int]:
    services.volunteer_add(actor=w.staff, team=w.team, name="王师傅", phone=w.workers[1].phone)
    return w.workers[1], a.pk


def _entered_twice(w: W, a: ServiceActivity) -> tuple[User, int]:
    """Two rows entered by staff before the phone index was unique per team cannot exist; one entered
    with the phone and another worker's own row: the phone row is linked."""
    services.volunteer_add(actor=w.staff, team=w.team, name="李师傅", phone=w.workers[1].phone)
    Volunteer.objects.create(team=w.team, user=w.workers[2], name="别人")
    return w.workers[1], a.pk


def _other_team_roll(w: W, a: ServiceActivity) -> tuple[User, int]:
    other = VolunteerTeam.objects.create(union=w.city, name="别队", tier="community", parent=w.team)
    Volunteer.objects.create(team=other, user=w.workers[0], name="别队队员")
    return w.workers[0], a.pk


def _phone_held_by_another_account(w: W, a: ServiceActivity) -> tuple[User, int]:
    """The roll holds the worker's phone on another account's row (a number passed on): a new row
    without the phone, never a 500."""
    Volunteer.objects.create(team=w.team, user=w.workers[2], name="旧号主", phone=w.workers[0].phone)
    return w.workers[0], a.pk


def _missing(w: W, a: ServiceActivity) -> tuple[User, int]:
    return w.workers[0], a.pk + 1000


def _status(status: str) -> Case:
    def case(w: W, a: ServiceActivity) -> tuple[User, int]:
        ServiceActivity.objects.filter(pk=a.pk).update(status=status)
        return w.workers[0], a.pk

    return case


def _started(w: W, a: ServiceActivity) -> tuple[User, int]:
    start = now() - dt.timedelta(minutes=1)
    ServiceActivity.objects.filter(pk=a.pk).update(starts_at=start, ends_at=start + dt.timedelta(hours=3))
    return w.workers[0], a.pk


def _full(w: W, a: ServiceActivity) -> tuple[User, int]:
    ServiceActivity.objects.filter(pk=a.pk).update(signed_up=a.capacity)
    return w.workers[0], a.pk


def _full_and_signed_up(w: W, a: ServiceActivity) -> tuple[User, int]:
    _service_signup_orm(w.workers[0], a.pk)
    ServiceActivity.objects.filter(pk=a.pk).update(signed_up=a.capacity)
    return w.workers[0], a.pk


def _again(w: W, a: ServiceActivity) -> tuple[User, int]:
    _service_signup_orm(w.workers[0], a.pk)
    return w.workers[0], a.pk


def _after_cancelling(w: W, a: ServiceActivity) -> tuple[User, int]:
    s = _service_signup_orm(w.workers[0], a.pk)
    services.service_signup_cancel(actor=w.workers[0], signup_id=s.pk)
    return w.workers[0], a.pk


CASES: dict[str, Case] = {
    "new_worker": _new_worker,
    "no_phone": _no_phone,
    "no_display_name": _no_name,
    "on_the_roll": _on_roll,
    "off_the_roll": _off_roll,
    "entered_by_staff_with_the_phone": _entered_by_staff,
    "entered_by_staff_beside_others": _entered_twice,
    "on_another_team_only": _other_team_roll,
    "phone_held_by_another_account": _phone_held_by_another_account,
    "missing": _missing,
    "cancelled": _status("cancelled"),
    "closed": _status("closed"),
    "started": _started,
    "full": _full,
    "full_and_signed_up": _full_and_signed_up,
    "already_signed_up": _again,
    "again_after_cancelling": _after_cancelling,
}
SIGNED_UP = {
    "new_worker",
    "phone_held_by_another_account",
    "no_phone",
    "no_display_name",
    "on_the_roll",
    "off_the_roll",
    "entered_by_staff_with_the_phone",
    "entered_by_staff_beside_others",
    "on_another_team_only",
    "again_after_cancelling",
}


def _written() -> tuple[int, ...]:
    return (
        ServiceSignup.objects.count(),
        Volunteer.objects.count(),
        AuditEvent.objects.filter(action="volunteer.signup").count(),
        AuditEvent.objects.filter(action="volunteer.join").count(),
        fact_total(metric="volunteers.signups"),
        fact_total(metric="volunteers.registered"),
        FactBuffer.objects.count(),
    )


def _audits(action: str, object_id: Any) -> list[tuple[Any, ...]]:
    return [
        (a.object_type, a.object_repr, a.union_id, a.actor_id, a.actor_label, a.changes, a.extra)
        for a in AuditEvent.objects.filter(action=action, object_id=str(object_id))
    ]


def _outcome(fn: Callable[[], ServiceSignup], a: ServiceActivity) -> tuple[Any, ...]:
    """What one path did, rolled back afterwards: the refusal, or the rows written."""
    before = _written()
    roll_before = set(Volunteer.objects.values_list("pk", flat=True))
    places_before = ServiceActivity.objects.get(pk=a.pk).signed_up
    with transaction.atomic():
        try:
            made = fn()
        except Exception as exc:  # noqa: BLE001 - comparing the refusals of the two paths
            outcome: tuple[Any, ...] = (
                "refused",
                type(exc).__name__,
                getattr(exc, "code", ""),
                str(getattr(exc, "message", exc)),
            )
            assert _written() == before, "a refusal wrote something"
            assert ServiceActivity.objects.get(pk=a.pk).signed_up == places_before
        else:
            row = ServiceSignup.objects.get(pk=made.pk)
            v = Volunteer.objects.get(pk=row.volunteer_id)
            assert made.volunteer_id == row.volunteer_id == v.pk

            def known(pk: int) -> Any:  # a row made here has another id on each path
                return pk if pk in roll_before else "new"

            outcome = (
                "signed_up",
                (made.activity_id, known(made.volunteer_id), made.user_id, made.status),
                (row.activity_id, row.user_id, row.status),
                (
                    known(v.pk),
                    v.team_id,
                    v.user_id,
                    v.name,
                    v.phone,
                    v.phone_index,
                    v.skills,
                    v.active,
                ),
                ServiceActivity.objects.get(pk=a.pk).signed_up - places_before,
                _audits("volunteer.signup", row.pk),
                _audits("volunteer.join", v.pk),
                sorted(FactBuffer.objects.values_list("metric", "union_id", "dim", "value", "path")),
                tuple(b - x for x, b in zip(before, _written(), strict=True)),
            )
        transaction.set_rollback(True)
    return outcome


@pytest.mark.django_db
@pytest.mark.parametrize("case", list(CASES))
def test_every_case_agrees_on_both_paths(case: str) -> None:
    w = build(3)
    activity = make_activity(w, capacity=3)
    user, activity_id = CASES[case](w, activity)
    fast = _outcome(
        lambda: signup_sql.service_signup_one_statement(actor=user, activity_id=activity_id), activity
    )
    orm = _outcome(lambda: _service_signup_orm(user, activity_id), activity)
    assert fast == orm
    assert (fast[0] == "signed_up") == (case in SIGNED_UP), fast
    if case == "new_worker":
        assert fast[3][0] == "new" and fast[-1] == (1, 1, 1, 1, 1, 1, 2)
    if case in {"on_the_roll", "off_the_roll", "entered_by_staff_with_the_phone"}:
        assert fast[3][0] != "new" and fast[3][2] == user.pk and fast[3][7] is True
        assert fast[-1] == (1, 0, 1, 0, 1, 0, 1)


@pytest.mark.django_db(transaction=True)
def test_the_api_signs_up_in_one_statement(client: Any) -> None:
    """Through the API (outside any transaction): after authentication, ONE statement."""
    w = build(1)
    activity = make_activity(w, capacity=1)
    client.force_login(w.workers[0])
    url = f"/api/v1/orgs/service-activities/{activity.pk}/signup"
    with CaptureQueriesContext(connection) as ctx:
        resp = client.post(url)
    assert resp.status_code == 201, resp.content
    mine = [q["sql"] for q in ctx.captured_queries if "orgs_servicesignup" in q["sql"]]
    assert len(mine) == 1 and mine[0].lstrip().startswith("WITH"), mine
    assert signup_sql.fast_path_applies()
    assert resp.json()["volunteer_id"] == Volunteer.objects.get(user=w.workers[0]).pk
    again = client.post(url)
    assert again.status_code == 409 and again.json()["code"] == "duplicate_signup"
    client.force_login(UserFactory())
    full = client.post(url)
    assert full.status_code == 409 and full.json()["code"] == "full"
