"""seed_city: a small run gives valid ID numbers, USCCs and phones, a consistent tree, members with
numbers; it refuses to run twice without --append and is deterministic."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from yugong.core.validators import normalize_id_number, normalize_phone, normalize_uscc
from yugong.members.models import Membership, Person
from yugong.orgs.models import Employer, Union, path_segment


def seed(**kw: Any) -> str:
    out = io.StringIO()
    call_command("seed_city", stdout=out, **kw)
    return out.getvalue()


@pytest.mark.django_db
def test_small_city_is_valid_and_consistent() -> None:
    report = seed(members=300, unions=200, seed=7)
    assert "300 members" in report and "rows/s" in report
    assert Union.objects.count() == 200
    unions = {u.pk: u for u in Union.objects.all()}
    root = Union.objects.get(parent__isnull=True)
    assert root.kind == "city" and root.path == path_segment(root.pk)
    for u in unions.values():
        if u.parent_id:
            parent = unions[u.parent_id]
            assert u.path == parent.path + path_segment(u.pk) and u.depth == parent.depth + 1
        if u.uscc:
            assert normalize_uscc(u.uscc) == u.uscc
    assert Union.objects.filter(kind="district").count() == 38
    assert Union.objects.filter(kind="federation").count() == 76
    assert Union.objects.get(code="CQ500103").name == "渝中区总工会"
    for e in Employer.objects.all():
        assert normalize_uscc(e.uscc) == e.uscc and e.union_id in unions
    people = list(Person.objects.all())
    assert len(people) == 300 and len({p.id_number for p in people}) == 300
    for p in people:
        assert normalize_id_number(p.id_number) == p.id_number
        assert normalize_phone(p.phone) == p.phone and p.phone_tail == p.phone[-4:]
        assert p.id_number_index and p.phone_index and 2 <= len(p.name) <= 3
        assert p.birth_date is not None and p.birth_date.strftime("%Y%m%d") == p.id_number[6:14]
    members = Membership.objects.select_related("union")
    assert all(m.union.kind in {"grassroots", "joint", "branch", "federation"} for m in members)
    active = [m for m in members if m.status == "active"]
    assert active and len({m.member_no for m in active}) == len(active)
    riders = Person.objects.filter(memberships__union__kind="federation")
    assert all(p.employment_form in {"rider", "courier"} for p in riders)

    with pytest.raises(CommandError):
        seed(members=10, unions=200)
    seed(members=50, unions=0, append=True)
    assert Person.objects.count() == 350 and Union.objects.count() == 200


@pytest.mark.django_db
def test_same_seed_same_city() -> None:
    seed(members=40, unions=130, seed=3)
    first = sorted(Person.objects.values_list("name", "phone_tail"))
    unions = sorted(Union.objects.values_list("name", "code"))
    Membership.objects.all().delete()
    Person.objects.all().delete()
    Employer.objects.all().delete()
    Union.objects.update(parent=None)
    Union.objects.all().delete()
    seed(members=40, unions=130, seed=3)
    assert sorted(Person.objects.values_list("name", "phone_tail")) == first
    assert sorted(Union.objects.values_list("name", "code")) == unions
