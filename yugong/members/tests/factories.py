"""Test data for members: valid generated ID numbers, people and memberships."""

from __future__ import annotations

import itertools
from typing import Any

from yugong.core.validators import id_check_char
from yugong.members.models import Membership, Person, member_numbers_allocate
from yugong.orgs.models import Union

_seq = itertools.count(1)


def make_id_number(birth: str = "19900101", *, sex: str = "M", region: str = "500103") -> str:
    n = next(_seq) % 500
    serial = n * 2 + (1 if sex == "M" else 0)  # the 17th digit's parity is the sex
    first17 = f"{region}{birth}{serial:03d}"
    return first17 + id_check_char(first17)


def make_phone() -> str:
    return f"139{next(_seq):08d}"


def make_person(**fields: Any) -> Person:
    id_number = fields.pop("id_number", None) or make_id_number()
    phone = fields.pop("phone", None) or make_phone()
    person = Person(
        name=fields.pop("name", "张三"),
        id_number=id_number,
        phone=phone,
        phone_tail=phone[-4:],
        **fields,
    )
    person.save()
    return person


def make_member(union: Union, person: Person | None = None, **fields: Any) -> Membership:
    """An active member (bypassing the approval flow, for list and search tests)."""
    person = person or make_person()
    fields.setdefault("status", Membership.Status.ACTIVE)
    if fields["status"] in Membership.CURRENT:
        fields.setdefault("member_no", member_numbers_allocate(count=1)[0])
    return Membership.objects.create(person=person, union=union, **fields)
