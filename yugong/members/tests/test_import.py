"""Roster import: every validation rule names the row, the column and a Chinese reason; the two
modes; the same file twice; the subtree rule; the pages."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from tests.helpers import UserFactory, grant
from yugong.core.errors import NotFound
from yugong.core.models import AuditEvent, DailyFact, PersonFact
from yugong.core.pii import blind_index
from yugong.core.validators import clean_text, id_check_char, uscc_check_char
from yugong.members.models import Membership, Person
from yugong.members.roster.exports import error_report
from yugong.members.roster.models import RosterImport, RosterImportError
from yugong.members.roster.parsing import CACHE_LIMIT, COLUMNS, RowErrors, RowParser, fast_clean, parse_date
from yugong.members.roster.run import roster_import_create
from yugong.members.tests.factories import make_member, make_person
from yugong.orgs.models import Employer

HEADERS = [c.header for c in COLUMNS]


def ident(n: int, birth: str = "19900307", region: str = "500103") -> str:
    first17 = f"{region}{birth}{n % 1000:03d}"
    return first17 + id_check_char(first17)


def xlsx(rows: list[list[Any]], headers: list[str] | None = None) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(headers or HEADERS)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def upload(data: bytes, name: str = "名册.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def run(
    world: dict[str, Any], rows: list[list[Any]], mode: str = "all_or_nothing", **kw: Any
) -> RosterImport:
    data = kw.pop("data", None) or xlsx(rows)
    with world["capture"](execute=True):
        ri, _created = roster_import_create(
            actor=world["staff"], union=world["district"], uploaded=upload(data), mode=mode
        )
    ri.refresh_from_db()
    return ri


def errors_of(ri: RosterImport) -> list[tuple[int, str, str, str]]:
    return list(ri.errors.order_by("row", "id").values_list("row", "column", "value", "reason"))


def good_row(n: int, code: str = "YZ0001", **over: Any) -> list[Any]:
    row = {
        "姓名": f"张{'三四五六七八九'[n % 7]}",
        "身份证号": ident(n),
        "手机号": f"139{n:08d}",
        "工会编码": code,
        "就业形态": "单位职工",
        "是否农民工": "否",
        "学历": "本科",
        "职业": "营业员",
        "用人单位统一社会信用代码": None,
        "入会日期": None,
    }
    row.update(over)
    return [row[h] for h in HEADERS]


# --- Cell parsing ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (45123, dt.date(2023, 7, 16)),
        (45123.0, dt.date(2023, 7, 16)),
        ("45123", dt.date(2023, 7, 16)),
        ("2024-03-01", dt.date(2024, 3, 1)),
        ("2024/3/1", dt.date(2024, 3, 1)),
        ("2024.3.1", dt.date(2024, 3, 1)),
        ("2024年3月1日", dt.date(2024, 3, 1)),
        ("２０２４年３月１日", dt.date(2024, 3, 1)),
        ("20240301", dt.date(2024, 3, 1)),
        (dt.datetime(2024, 3, 1, 0, 0), dt.date(2024, 3, 1)),  # noqa: DTZ001 - what openpyxl returns
    ],
)
def test_dates_in_every_shape(value: Any, expected: dt.date) -> None:
    assert parse_date(value) == expected


# --- Happy path --------------------------------------------------------------------------------


def test_valid_file_creates_people_and_active_memberships(world: dict[str, Any]) -> None:
    uscc = "91500103MA5U0K3B4" + uscc_check_char("91500103MA5U0K3B4")
    employer = Employer.objects.create(name="解放碑百货", uscc=uscc, union=world["shop"])
    ri = run(
        world,
        [
            good_row(1),
            good_row(2, 就业形态="外卖骑手", 工会编码="0000123", 是否农民工="是", 入会日期="2024/3/1"),
            good_row(3, 用人单位统一社会信用代码=uscc.lower()),
        ],
    )
    assert ri.status == RosterImport.Status.DONE, ri.message
    assert (ri.total, ri.valid, ri.invalid, ri.created, ri.skipped) == (3, 3, 0, 3, 0)
    people = Person.objects.order_by("id")
    assert people.count() == 3
    p = people[0]
    # bulk_create ran the encrypted field's get_prep_value and the blind index's pre_save
    assert p.id_number == ident(1) and p.id_number_index == blind_index("id_number", ident(1))
    assert p.phone_index == blind_index("phone", "13900000001") and p.phone_tail == "0001"
    assert p.birth_date == dt.date(1990, 3, 7)
    ms = Membership.objects.filter(status="active").order_by("id")
    assert [m.union_id for m in ms] == [world["shop"].pk, world["riders"].pk, world["shop"].pk]
    assert len({m.member_no for m in ms}) == 3 and all(m.member_no for m in ms)
    assert ms[1].member_since == dt.date(2024, 3, 1) and ms[1].channel == "import"
    assert Person.objects.get(pk=ms[1].person_id).migrant_worker is True
    assert Person.objects.get(pk=ms[2].person_id).employer_id == employer.pk
    assert AuditEvent.objects.filter(action="roster.import").count() == 1
    fact = DailyFact.objects.get(metric="members.imported", union_id=world["shop"].pk)
    assert fact.value == 2
    # the distinct people who joined, per union, in the same transaction as their memberships
    joined = sorted(
        PersonFact.objects.filter(metric="members.people_joined").values_list("union_id", "person_id")
    )
    assert joined == sorted((m.union_id, m.person_id) for m in ms)


def test_messy_but_valid_cells_are_cleaned(world: dict[str, Any]) -> None:
    id15 = "500103900307123"  # first-generation 15 digits: upgraded with "19" and a check character
    rows = [
        good_row(1, 手机号=13900000001),  # a number cell
        good_row(2, 手机号=13900000002.0),  # a float cell
        good_row(3, 手机号="13900000003.0"),  # the float's text
        good_row(4, 手机号="１３９ ０００ ０００ ０４", 姓名="李　四"),  # full-width digits and spaces
        good_row(5, 身份证号=id15),
        good_row(6, 身份证号=f"  {ident(6)}  ", 入会日期=45123),  # padding, an Excel serial
        good_row(7, 工会编码=123),  # "0000123" whose leading zeros Excel dropped
        good_row(8, 手机号="+86 139-0000-0008"),
    ]
    ri = run(world, rows)
    assert ri.status == "done", (ri.message, errors_of(ri))
    assert ri.created == 8
    assert Person.objects.filter(name="李四").exists()
    upgraded = "50010319900307123" + id_check_char("50010319900307123")
    assert Person.objects.filter(id_number_index=blind_index("id_number", upgraded)).exists()
    assert Membership.objects.filter(union=world["riders"]).count() == 1


# --- Every rule, named ------------------------------------------------------------------------


def test_bad_rows_are_named_by_row_column_and_reason(world: dict[str, Any]) -> None:
    make_member(world["far"], make_person(id_number=ident(90), name="王五"))
    make_member(world["shop"], make_person(id_number=ident(91), name="赵六"))
    ok = ident(1)
    bad_check = ok[:17] + ("0" if ok[17] != "0" else "1")
    rows = [
        good_row(1),  # row 2: valid
        good_row(2, 身份证号=bad_check),  # row 3: check character
        good_row(3, 手机号="1380013800"),  # row 4: phone too short
        good_row(4, 身份证号=ident(2)),  # row 5: same ID as row 3? no: as row 3's ident(2)? see below
        good_row(5, 工会编码="NOPE"),  # row 6: unknown union
        good_row(6, 工会编码="JB0001"),  # row 7: outside the uploader's subtree
        good_row(7, 姓名=None, 手机号=None),  # row 8: required fields
        good_row(8, 身份证号=5.00103199003071e17),  # row 9: an 18-digit ID stored as a number
        good_row(9, 入会日期="2024-13-45"),  # row 10: no such date
        good_row(10, 就业形态="宇航员"),  # row 11: unknown employment form
        good_row(11, 身份证号=ident(90)),  # row 12: a member of another union
        good_row(12, 身份证号=ok),  # row 13: duplicates row 2
        good_row(13, 用人单位统一社会信用代码="91500000MA5U0K3B4A"),  # row 14: bad USCC check
        good_row(14, 身份证号=ident(14, birth="20150101")),  # row 15: under 16
        good_row(15, 工会编码=""),  # row 16: required union code
    ]
    ri = run(world, rows)
    assert ri.status == "failed"
    assert ri.total == 15
    assert Person.objects.count() == 2 and Membership.objects.count() == 2  # nothing written
    errs = errors_of(ri)
    by_row: dict[int, list[tuple[str, str]]] = {}
    for row, column, _value, reason in errs:
        by_row.setdefault(row, []).append((column, reason))
    assert by_row[3] == [("身份证号", "身份证号码校验位不正确。")]
    assert by_row[4][0][0] == "手机号" and "11位" in by_row[4][0][1]
    assert by_row[6][0][0] == "工会编码" and "不存在" in by_row[6][0][1]
    # outside the subtree reads exactly like missing
    assert by_row[7] == [("工会编码", "工会编码“JB0001”不存在，或不在本工会范围内。")]
    assert {c for c, _r in by_row[8]} == {"姓名", "手机号"}
    assert all("必填" in r for _c, r in by_row[8])
    assert by_row[9][0][0] == "身份证号" and "数字" in by_row[9][0][1]
    assert by_row[10][0][0] == "入会日期"
    assert by_row[11][0][0] == "就业形态"
    assert by_row[12] == [("身份证号", "该职工已是其他工会的会员，不能重复入会；如需转会请办理转会。")]
    # a duplicate inside the file: both rows named
    assert ("身份证号", "身份证号与第13行重复。") in by_row[2]
    assert ("身份证号", "身份证号与第2行重复。") in by_row[13]
    assert by_row[14][0][0] == "用人单位统一社会信用代码"
    assert by_row[15] == [("身份证号", "未满16周岁，不能入会。")]
    assert by_row[16][0][0] == "工会编码"
    assert 5 not in by_row  # row 5 is valid (ident(2) only appears once: row 3 had a bad check char)
    # personal data in the error table is masked
    values = [v for _r, c, v, _x in errs if c == "身份证号"]
    assert values and all("*" in v for v in values if v)
    assert ri.invalid == len(by_row)
    assert AuditEvent.objects.filter(action="roster.import").count() == 1


def test_existing_member_of_the_same_union_is_skipped_not_duplicated(world: dict[str, Any]) -> None:
    make_member(world["shop"], make_person(id_number=ident(1), name="张三"))
    ri = run(world, [good_row(1), good_row(2)])
    assert ri.status == "done"
    assert (ri.created, ri.skipped, ri.invalid) == (1, 1, 0)
    assert Membership.objects.filter(person__id_number_index=blind_index("id_number", ident(1))).count() == 1


def test_person_without_a_current_membership_is_not_created_twice(world: dict[str, Any]) -> None:
    person = make_person(id_number=ident(1), name="张三")
    make_member(world["shop"], person, status="left", member_no=None)
    ri = run(world, [good_row(1)])
    assert ri.status == "done" and ri.created == 1
    assert Person.objects.count() == 1
    assert Membership.objects.get(person=person, status="active").union_id == world["shop"].pk


def test_all_or_nothing_writes_nothing_on_one_bad_row(world: dict[str, Any]) -> None:
    rows = [good_row(i) for i in range(1, 50)] + [good_row(60, 手机号="12345")]
    ri = run(world, rows)
    assert ri.status == "failed" and ri.invalid == 1 and ri.created == 0
    assert errors_of(ri)[0][:2] == (51, "手机号")
    assert Person.objects.count() == 0 and Membership.objects.count() == 0
    assert not DailyFact.objects.filter(metric="members.imported").exists()
    assert not PersonFact.objects.exists()


def test_skip_invalid_writes_only_valid_rows(world: dict[str, Any]) -> None:
    rows = [good_row(1), good_row(2, 手机号="12345"), good_row(3), good_row(4, 身份证号=ident(1))]
    ri = run(world, rows, mode="skip_invalid")
    assert ri.status == "done"
    # row 5 repeats row 2's ID: both are rejected, only row 4 is written
    assert (ri.total, ri.valid, ri.invalid, ri.created) == (4, 1, 3, 1)
    assert list(Person.objects.values_list("name", flat=True)) == [good_row(3)[0]]


def test_the_same_file_twice_changes_nothing(world: dict[str, Any]) -> None:
    data = xlsx([good_row(1), good_row(2)])
    first = run(world, [], data=data)
    assert first.status == "done" and first.created == 2
    with world["capture"](execute=True) as callbacks:
        again, created = roster_import_create(
            actor=world["staff"], union=world["district"], uploaded=upload(data), mode="all_or_nothing"
        )
    assert not created and again.pk == first.pk and callbacks == []
    assert RosterImport.objects.count() == 1 and Membership.objects.count() == 2
    # a re-saved copy (different bytes, same people) is a new import that skips everyone
    resaved = run(world, [good_row(2), good_row(1)])
    assert resaved.pk != first.pk and (resaved.created, resaved.skipped) == (0, 2)
    assert Membership.objects.count() == 2


def test_a_failed_import_can_be_retried_with_the_other_mode(world: dict[str, Any]) -> None:
    data = xlsx([good_row(1), good_row(2, 手机号="1")])
    assert run(world, [], data=data).status == "failed"
    retry = run(world, [], data=data, mode="skip_invalid")
    assert retry.status == "done" and retry.created == 1


def test_file_level_problems(world: dict[str, Any]) -> None:
    assert "无法读取" in run(world, [], data=b"not a workbook at all").message
    ri = run(world, [], data=xlsx([["张三", ident(1)]], headers=["姓名", "身份证号"]))
    assert ri.status == "failed" and "手机号" in ri.message and "工会编码" in ri.message
    assert "没有数据" in run(world, [], data=xlsx([])).message


def test_upload_needs_a_managing_role_over_the_union(world: dict[str, Any]) -> None:
    viewer = UserFactory()
    grant(viewer, world["district"], "viewer")
    with pytest.raises(Exception):  # noqa: B017,PT011 - PermissionDenied (403)
        roster_import_create(
            actor=viewer, union=world["district"], uploaded=upload(xlsx([])), mode="all_or_nothing"
        )
    with pytest.raises(NotFound):
        roster_import_create(
            actor=world["staff"], union=world["far"], uploaded=upload(xlsx([])), mode="all_or_nothing"
        )


# --- Pages ----------------------------------------------------------------------------------


def test_pages_template_upload_result_and_error_report(world: dict[str, Any], client: Any) -> None:
    client.force_login(world["staff"])
    r = client.get(reverse("roster:template"))
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(r.content))
    assert [c.value for c in wb.worksheets[0][1]] == HEADERS
    assert wb.sheetnames[1] == "填写说明"

    assert client.get(reverse("roster:import")).status_code == 200
    data = xlsx([good_row(1), good_row(2, 手机号="1390000000")])
    with world["capture"](execute=True):
        r = client.post(
            reverse("roster:import"),
            {"union": world["district"].pk, "mode": "skip_invalid", "file": upload(data)},
        )
    assert r.status_code == 302
    ri = RosterImport.objects.get()
    page = client.get(r["Location"]).content.decode()
    assert "手机号码格式不正确" in page and "139****0000" in page and "1390000000" not in page
    progress = client.get(reverse("roster:import_progress", args=[ri.pk]), HTTP_HX_REQUEST="true")
    assert progress["HX-Refresh"] == "true"
    report = client.get(reverse("roster:import_errors", args=[ri.pk]))
    assert report.status_code == 200
    rows = list(load_workbook(io.BytesIO(b"".join(report.streaming_content))).worksheets[0].values)
    assert rows[0][-1] == "错误原因" and rows[1][0] == 3 and "手机号" in rows[1][-1]
    assert AuditEvent.objects.filter(action="pii.view", extra__what="roster.error_report").count() == 1

    # the same file again: the earlier result, nothing new
    with world["capture"](execute=True):
        r = client.post(
            reverse("roster:import"),
            {"union": world["district"].pk, "mode": "skip_invalid", "file": upload(data)},
        )
    assert r["Location"].endswith("?again=1") and RosterImport.objects.count() == 1


def test_another_districts_staff_cannot_see_the_import(world: dict[str, Any], client: Any) -> None:
    ri = run(world, [good_row(1)])
    outsider = UserFactory(is_staff=True)
    grant(outsider, world["far"].parent, "staff")
    client.force_login(outsider)
    for name in ("roster:import_detail", "roster:import_progress", "roster:import_errors"):
        assert client.get(reverse(name, args=[ri.pk])).status_code == 404
    assert RosterImportError.objects.count() == 0


# --- The upload is not kept; the error report is ------------------------------------------------


def test_the_upload_is_deleted_when_the_import_ends_and_only_the_rejected_rows_stay(
    world: dict[str, Any],
) -> None:
    from django.core.files.storage import default_storage

    clean = run(world, [good_row(1), good_row(2)])
    assert clean.status == "done" and not clean.file and not clean.report

    ri = run(world, [good_row(3), good_row(4, 手机号="123")], mode="skip_invalid")
    assert ri.status == "done" and ri.created == 1
    assert not ri.file  # the whole roster in clear is gone
    assert ri.report and default_storage.exists(ri.report.name)
    out, count = error_report(actor=world["staff"], roster_import=ri)
    with out:
        rows = list(load_workbook(out).worksheets[0].values)
    assert count == 1 and len(rows) == 2 and rows[1][0] == 3 and "手机号" in rows[1][-1]

    failed = run(world, [good_row(5, 工会编码="NOPE")])
    assert failed.status == "failed" and not failed.file and failed.report


def test_the_kept_error_report_holds_every_copied_cell_encrypted(world: dict[str, Any]) -> None:
    from django.core.files.storage import default_storage

    bad = good_row(6, 手机号="13900000006", 工会编码="NOPE", 入会日期=dt.datetime(2024, 3, 1))  # noqa: DTZ001
    ri = run(world, [good_row(7), bad], mode="skip_invalid")
    assert ri.status == "done" and ri.invalid == 1
    with default_storage.open(ri.report.name, "rb") as stored:
        raw = stored.read()
        stored_rows = list(load_workbook(io.BytesIO(raw)).worksheets[0].values)
    from .test_office_roster import cells_text

    text = cells_text(raw)
    for clear in (ident(6), "13900000006", bad[0]):
        assert clear not in text
    id_col = HEADERS.index("身份证号") + 1
    copied = [v for v in stored_rows[1][1:-1] if v not in (None, "")]
    assert copied and all(str(v).startswith("v1$") for v in copied)  # every copied cell, not only PII
    assert stored_rows[1][0] == 3 and "工会编码" in stored_rows[1][-1]  # row number, reason: clear

    before = AuditEvent.objects.filter(action="pii.view", extra__what="roster.error_report").count()
    out, count = error_report(actor=world["staff"], roster_import=ri)
    with out:
        rows = list(load_workbook(out).worksheets[0].values)
    assert count == 1 and rows[0][-1] == "错误原因"
    assert rows[1][0] == 3 and rows[1][id_col] == ident(6) and rows[1][id_col + 1] == "13900000006"
    assert rows[1][1] == bad[0] and "工会编码" in rows[1][-1]
    assert rows[1][HEADERS.index("入会日期") + 1] == dt.datetime(2024, 3, 1)  # noqa: DTZ001 - a date again
    assert rows[1][HEADERS.index("工会编码") + 1] == "NOPE"
    assert (
        AuditEvent.objects.filter(action="pii.view", extra__what="roster.error_report").count() == before + 1
    )


def test_imported_members_carry_the_search_keys(world: dict[str, Any]) -> None:
    from yugong.members import selectors

    code = "91500103MA5U0K3C7" + uscc_check_char("91500103MA5U0K3C7")
    employer = Employer.objects.create(name="解放碑百货有限公司", uscc=code, union=world["shop"])
    known = make_person(id_number=ident(40), name="钱老", employment_form="courier")
    ri = run(
        world,
        [
            good_row(41, 姓名="钱新", 是否农民工="是", 用人单位统一社会信用代码=employer.uscc),
            good_row(40, 姓名="钱改名"),  # the existing person keeps their own data
        ],
    )
    assert ri.status == "done" and ri.created == 2
    new = Membership.objects.get(person__name="钱新")
    assert (new.union_path, new.person_name, new.migrant_worker, new.employer_name) == (
        world["shop"].path,
        "钱新",
        True,
        "解放碑百货有限公司",
    )
    assert new.person.employer_name == "解放碑百货有限公司" and new.person.employer_id == employer.pk
    old = Membership.objects.get(person=known)
    assert (old.person_name, old.employment_form) == ("钱老", "courier")
    found = selectors.member_search(world["staff"], q="钱")
    assert {m.pk for m in found.rows} == {new.pk, old.pk}
    assert [m.pk for m in selectors.member_search(world["staff"], employer="解放碑").rows] == [new.pk]


# --- The parser's shortcuts give the same answers ------------------------------------------------


_TEXT = st.text(
    alphabet=st.sampled_from(list(" \t\n\r\u3000\u00a0\x1cａ１－ab1张-_.,") + ["\u2003"]), max_size=12
)


@given(st.one_of(st.none(), _TEXT, st.integers(), st.floats(allow_nan=False), st.booleans()))
def test_fast_clean_is_clean_text(value: Any) -> None:
    assert fast_clean(value) == clean_text(value)


def test_repeating_columns_are_parsed_once_per_value_and_still_report_every_row(db: Any) -> None:
    positions = {c.key: i for i, c in enumerate(COLUMNS)}
    parser = RowParser(positions)
    bad = good_row(1, 就业形态="宇航员", 是否农民工="也许", 入会日期="2999-01-01")
    outcomes = []
    for row_no in (2, 3):
        errs = RowErrors()
        parser.parse(row_no, tuple(bad), errs)
        outcomes.append([k for k, _r in errs.items])
    assert outcomes[0] == outcomes[1] == ["employment_form", "migrant", "member_since"]
    # a cell's type matters: 1 (a serial: 1899-12-31, too early) and True (not a date) differ
    one, true = RowErrors(), RowErrors()
    parser.parse(4, tuple(good_row(1, 入会日期=1)), one)
    parser.parse(5, tuple(good_row(1, 入会日期=True)), true)
    assert one.items != true.items and {k for k, _r in one.items} == {k for k, _r in true.items} == {
        "member_since"
    }
    for i in range(CACHE_LIMIT + 10):  # the cache stays bounded
        parser.parse(6, tuple(good_row(i, 职业=f"工种{i}")), RowErrors())
    assert len(parser.caches["occupation"]) <= CACHE_LIMIT


def test_clear_or_odd_cells_of_older_reports_pass_through() -> None:
    from yugong.core.pii import encrypt
    from yugong.members.roster.exports import _decrypted

    assert _decrypted(encrypt("13900000006")) == "13900000006"
    assert [_decrypted(v) for v in ("13900000006", "v1$nope$!!", 3, None)] == [
        "13900000006",
        "v1$nope$!!",
        3,
        None,
    ]


def test_a_file_broken_part_way_fails_cleanly(world: dict[str, Any]) -> None:
    import zipfile

    data = xlsx([good_row(1), good_row(2, 手机号="123"), good_row(3)])
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                body = body[: body.index(b'<row r="4"') + 40]  # cut inside row 4
            dst.writestr(info, body)
    ri = run(world, [], data=out.getvalue(), mode="skip_invalid")
    assert ri.status == "failed" and "损坏" in ri.message and ri.created == 0 and not ri.file
    assert not Person.objects.exists()

    from yugong.members.roster.exports import _readable
    from yugong.members.roster.parsing import FileRejected

    def broken() -> Any:
        yield 2, ("a",)
        raise FileRejected("损坏")

    # the error report of such a file holds the rows read before the break
    assert list(_readable(broken())) == [(2, ("a",))]
