"""Issue 12, "data rules": one validation of ID numbers, birth dates, ages and digits for every door
(the API application, the H5 join form, staff applying on a worker's behalf, the roster import),
and joining dates plausible against the birth date."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from yugong.core.errors import ValidationFailed
from yugong.core.timeutil import local_today
from yugong.core.validators import id_check_char
from yugong.members import services
from yugong.members.models import Membership, Person
from yugong.members.roster.parsing import COLUMNS, RowErrors, RowParser

from .factories import make_id_number
from .test_import import errors_of, good_row, ident, run

pytestmark = pytest.mark.django_db

HEADERS = [c.header for c in COLUMNS]

# Unicode decimal digits that Python's \d, str.isdigit() and int() accept besides 0-9.
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
EXTENDED_ARABIC_INDIC = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
DEVANAGARI = str.maketrans("0123456789", "०१२३४५६७८९")
FOREIGN_DIGITS = [ARABIC_INDIC, EXTENDED_ARABIC_INDIC, DEVANAGARI]


def years_ago(years: int, *, days: int = 0) -> dt.date:
    today = local_today()
    try:
        day = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        day = today.replace(year=today.year - years, day=28)
    return day + dt.timedelta(days=days)


def id_born(birth: dt.date, serial: int = 123) -> str:
    first17 = f"500103{birth:%Y%m%d}{serial:03d}"
    return first17 + id_check_char(first17)


# The implausible ages every door must refuse, and the edge every door must accept.
REFUSED = {
    "future": lambda: id_born(local_today() + dt.timedelta(days=400)),
    "tomorrow": lambda: id_born(local_today() + dt.timedelta(days=1)),
    "ten_years_old": lambda: id_born(years_ago(10)),
    "one_day_short_of_16": lambda: id_born(years_ago(16, days=1)),
    "born_1850": lambda: id_born(dt.date(1850, 1, 1)),
    "born_1900": lambda: id_born(dt.date(1900, 6, 1)),
}


def person_data(id_number: str, **over: Any) -> dict[str, Any]:
    return {
        "name": "赵六",
        "id_number": id_number,
        "phone": "13912340000",
        "employment_form": "regular",
        **over,
    }


def client_for(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


# --- Doors --------------------------------------------------------------------------------------


def via_api(tree: dict[str, Any], id_number: str) -> tuple[bool, str]:
    r = client_for(tree["worker"]).post(
        "/api/v1/members/applications",
        {"person": person_data(id_number), "union_code": tree["shop"].code, "channel": "scan"},
        content_type="application/json",
    )
    assert r.status_code in (201, 422), r.content
    return r.status_code == 201, json.dumps(r.json(), ensure_ascii=False)


def via_join_form(tree: dict[str, Any], id_number: str) -> tuple[bool, str]:
    url = reverse("members:join", kwargs={"code": tree["shop"].code})
    form = {**person_data(id_number), "education": "", "consent": "1"}
    r = client_for(tree["worker"]).post(url, form)
    assert r.status_code in (302, 422), r.status_code
    return r.status_code == 302, r.content.decode()


def via_staff(tree: dict[str, Any], id_number: str) -> tuple[bool, str]:
    try:
        services.membership_apply(
            actor=tree["shop_staff"], person_data=person_data(id_number), union=tree["shop"], channel="staff"
        )
    except ValidationFailed as exc:
        return False, str(exc.fields)
    return True, ""


def via_import_row(tree: dict[str, Any], id_number: str) -> tuple[bool, str]:
    positions = {c.key: i for i, c in enumerate(COLUMNS)}
    row = good_row(1, **{"身份证号": id_number})
    errs = RowErrors()
    RowParser(positions).parse(2, tuple(row), errs)
    id_errors = [reason for key, reason in errs.items if key == "id_number"]
    return not id_errors, "；".join(id_errors)


DOORS = {"api": via_api, "join_form": via_join_form, "staff": via_staff, "import": via_import_row}


@pytest.mark.parametrize("door", DOORS)
@pytest.mark.parametrize("case", REFUSED)
def test_every_door_refuses_implausible_ages(tree: dict[str, Any], door: str, case: str) -> None:
    accepted, body = DOORS[door](tree, REFUSED[case]())
    assert not accepted, (door, case)
    assert any(word in body for word in ("出生日期", "16周岁")), body
    assert not Person.objects.exists() and not Membership.objects.exists()


@pytest.mark.parametrize("door", DOORS)
def test_every_door_accepts_a_16th_birthday_and_an_old_worker(tree: dict[str, Any], door: str) -> None:
    accepted, body = DOORS[door](tree, id_born(years_ago(16)))
    assert accepted, body


def test_import_refuses_implausible_ages_with_row_and_column(world: dict[str, Any]) -> None:
    rows = [good_row(i, **{"身份证号": REFUSED[case]()}) for i, case in enumerate(REFUSED, start=1)]
    ri = run(world, rows, mode="skip_invalid")
    assert ri.created == 0 and ri.invalid == len(REFUSED)
    found = errors_of(ri)
    assert [r[0] for r in found] == list(range(2, 2 + len(REFUSED)))
    assert {r[1] for r in found} == {"身份证号"}


# --- Digits are ASCII 0-9 ---------------------------------------------------------------------


@pytest.mark.parametrize("table", FOREIGN_DIGITS)
@pytest.mark.parametrize("door", DOORS)
def test_foreign_digits_in_an_id_number_are_refused_at_every_door(
    tree: dict[str, Any], door: str, table: dict[int, str]
) -> None:
    ascii_id = make_id_number("19880808")
    accepted, _body = DOORS[door](tree, ascii_id.translate(table))
    assert not accepted
    assert not Person.objects.exists()


def test_foreign_digits_never_make_a_second_person(tree: dict[str, Any]) -> None:
    ascii_id = make_id_number("19880808")
    services.membership_apply(
        actor=tree["shop_staff"], person_data=person_data(ascii_id), union=tree["shop"], channel="staff"
    )
    for table in FOREIGN_DIGITS:
        with pytest.raises(ValidationFailed) as exc:
            services.person_upsert(actor=tree["shop_staff"], data=person_data(ascii_id.translate(table)))
        assert "id_number" in exc.value.fields
    assert Person.objects.count() == 1
    assert Person.objects.get().id_number == ascii_id


@pytest.mark.parametrize("table", FOREIGN_DIGITS)
def test_foreign_digits_in_a_phone_are_refused(tree: dict[str, Any], table: dict[int, str]) -> None:
    data = person_data(make_id_number("19880808"), phone="13912345678".translate(table))
    with pytest.raises(ValidationFailed) as exc:
        services.person_clean(data)
    assert set(exc.value.fields) == {"phone"}
    r = client_for(tree["worker"]).post(
        "/api/v1/members/applications",
        {"person": data, "union_code": tree["shop"].code},
        content_type="application/json",
    )
    assert r.status_code == 422 and "phone" in r.json()["fields"]


def test_full_width_digits_are_still_folded(tree: dict[str, Any]) -> None:
    ascii_id = make_id_number("19880808")
    full_width = ascii_id.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))
    out = services.person_clean(person_data(full_width, phone="１３９１２３４５６７８"))
    assert out["id_number"] == ascii_id and out["phone"] == "13912345678"


@pytest.mark.parametrize("table", FOREIGN_DIGITS)
def test_import_cells_with_foreign_digits_are_refused(table: dict[int, str]) -> None:
    positions = {c.key: i for i, c in enumerate(COLUMNS)}
    row = good_row(
        3,
        **{
            "身份证号": ident(3).translate(table),
            "手机号": "13912345678".translate(table),
            "入会日期": "2020-03-01".translate(table),
        },
    )
    errs = RowErrors()
    parsed = RowParser(positions).parse(2, tuple(row), errs)
    assert {k for k, _r in errs.items} == {"id_number", "phone", "member_since"}
    assert parsed.id_number == "" and parsed.phone == ""


@pytest.mark.parametrize("table", FOREIGN_DIGITS)
def test_search_does_not_read_foreign_digits_as_digits(tree: dict[str, Any], table: dict[int, str]) -> None:
    from yugong.members.selectors import search_condition

    for q in ("1234", "13912345678", make_id_number("19880808")):
        assert str(search_condition(q.translate(table))) != str(search_condition(q))


def test_every_digit_pattern_of_members_and_validators_is_ascii() -> None:
    """The class of the defect: a module-level pattern with \\d but without re.ASCII."""
    import importlib
    import pkgutil

    import yugong.members

    names = ["yugong.core.validators"] + [
        m.name
        for m in pkgutil.walk_packages(yugong.members.__path__, "yugong.members.")
        if ".tests" not in m.name and ".migrations" not in m.name and ".management" not in m.name
    ]
    # Patterns that refuse any digit of any script (a name holds none) may keep the Unicode \d.
    refusing = {"yugong.members.roster.parsing._HAS_DIGIT_RE"}
    offenders = []
    for name in names:
        module = importlib.import_module(name)
        for attr, value in vars(module).items():
            patterns = value if isinstance(value, tuple) else (value,)
            for p in patterns:
                if (
                    isinstance(p, re.Pattern)
                    and isinstance(p.pattern, str)
                    and "\\d" in p.pattern
                    and not p.flags & re.ASCII
                    and f"{name}.{attr}" not in refusing
                ):
                    offenders.append(f"{name}.{attr}")
    assert offenders == []


# --- Joining dates against the birth date -----------------------------------------------------


@pytest.mark.parametrize(
    ("birth", "since", "reason"),
    [
        ("20000301", "1990-05-01", "早于出生日期"),  # the example
        ("20000301", "2010-05-01", "未满16周岁"),  # joined at 10
        ("20000301", "2016-02-29", "未满16周岁"),  # one day before the 16th birthday
        ("19900101", "2999-01-01", "晚于今天"),
        ("19900101", "1920-01-01", "过早"),
    ],
)
def test_import_joining_date_must_be_plausible(
    world: dict[str, Any], birth: str, since: str, reason: str
) -> None:
    ri = run(world, [good_row(1, **{"身份证号": ident(1, birth), "入会日期": since})])
    assert ri.status == "failed" and ri.created == 0
    (row,) = errors_of(ri)
    assert row[0] == 2 and row[1] == "入会日期" and reason in row[3]


def test_import_joining_on_the_16th_birthday_is_fine(world: dict[str, Any]) -> None:
    ri = run(world, [good_row(1, **{"身份证号": ident(1, "20000301"), "入会日期": "2016-03-01"})])
    assert ri.status == "done" and ri.created == 1, errors_of(ri)
    assert Membership.objects.get().member_since == dt.date(2016, 3, 1)
