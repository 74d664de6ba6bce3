"""Races with real threads against PostgreSQL (skipped on SQLite, which serialises writers): class
seats and conversion caps. Each guarded race has an unguarded control showing the race is real."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.helpers import UserFactory, grant, make_union, requires_postgres
from tests.race import race
from yugong.learning.classes import class_signup
from yugong.learning.conversion import agreement_set, conversion_apply, conversion_review, programme_create
from yugong.learning.models import ClassSignup, ProgrammeCredit, Provider
from yugong.members.tests.factories import make_person

from .test_classes import START, make_class_course
from .test_conversion import credit

pytestmark = [requires_postgres, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
SEATS, RUSH = 3, 10
APPS = 4  # applications of 3 credits each against a cap of 4


def _rush(unsafe: bool) -> tuple[int, int]:
    import time_machine

    lesson = make_class_course(make_union(None), capacity=SEATS)
    people = [make_person() for _ in range(RUSH)]
    with time_machine.travel(START - dt.timedelta(days=1), tick=True):
        race(
            RUSH,
            lambda i: class_signup(
                person=people[i], lesson_id=lesson.pk, actor=None, _unsafe_no_guard=unsafe
            ),
        )
    lesson.class_session.refresh_from_db()
    return ClassSignup.objects.filter(session__lesson=lesson).count(), lesson.class_session.taken


def test_class_seats_never_overbook() -> None:
    signups, taken = _rush(unsafe=False)
    assert signups == taken == SEATS


def test_control_read_then_write_overbooks() -> None:
    signups, taken = _rush(unsafe=True)
    assert signups > SEATS and taken < signups  # lost updates: more people seated than counted


def _convert_race(unsafe: bool) -> Decimal:
    district = make_union(None)
    staff = [UserFactory() for _ in range(APPS)]
    for s in staff:
        grant(s, district, "staff")
    college = Provider.objects.create(name="学院", kind="college", union=district)
    programme = programme_create(actor=staff[0], provider=college, name="专业", required_credits=80)
    agreement_set(
        actor=staff[0],
        programme=programme,
        source="course",
        partner="银行",
        ratio=1,
        cap_credits=4,
        signed_on=dt.date(2026, 1, 1),
    )
    person = make_person()
    apps = []
    for n in range(APPS):
        entry = credit(person, district, f"course:{n}", 3)
        apps.append(
            conversion_apply(person=person, programme_id=programme.pk, entry_ids=[entry.pk], actor=None)
        )
    race(
        APPS,
        lambda i: conversion_review(
            actor=staff[i], application_id=apps[i].pk, approve=True, _unsafe_no_lock=unsafe
        ),
    )
    return sum((r.credits for r in ProgrammeCredit.objects.filter(programme=programme)), Decimal(0))


def test_two_approvals_at_once_stay_within_the_cap() -> None:
    assert _convert_race(unsafe=False) == 4


def test_control_without_the_account_lock_exceeds_the_cap() -> None:
    assert _convert_race(unsafe=True) > 4
