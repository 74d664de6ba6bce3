"""Issue 12 items 3 and 5: a roster as union offices keep it (title rows, merged title cells, their
own header words, union codes merged down, 合计 / 填表人 rows) imports, the result says what was
recognised, and the kept error report holds no personal value in clear, whatever the columns."""

from __future__ import annotations

import datetime as dt
import html
import io
import zipfile
from typing import Any

import pytest
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from yugong.members.models import Membership
from yugong.members.roster.exports import error_report
from yugong.members.roster.parsing import FileRejected
from yugong.members.roster.sheet import HEADER_SYNONYMS, header_positions, open_rows

from .test_import import errors_of, ident, run

pytestmark = pytest.mark.django_db

OFFICE_HEADER = [
    "序号",
    "职工姓名",
    "身份证号码\n（必填）",
    "手机号码",
    "工会编码",
    "文化程度",
    "紧急联系电话",
    "出生日期",
    "家庭住址",
    "入会时间",
]


def office_workbook(people: list[dict[str, Any]], *, code: str = "YZ0001") -> bytes:
    """Two title rows (merged across), the header in row 3, the union code typed once and merged
    down over every member, then a 合计 row and a 填表人 line."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    width = len(OFFICE_HEADER)
    ws.append(["解放碑百货有限公司工会会员名册"] + [None] * (width - 1))
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws.append(["填报单位（盖章）：解放碑百货有限公司工会", None, None, None, None, "填报日期：2026年12月1日"])
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=5)
    ws.append(OFFICE_HEADER)
    first = 4
    for i, p in enumerate(people):
        ws.append(
            [
                i + 1,
                p["name"],
                p["id"],
                p["phone"],
                code if i == 0 else None,
                p.get("education", "大专"),
                p.get("emergency", "13700000000"),
                p.get("birth", dt.datetime(1990, 3, 7)),  # noqa: DTZ001 - an Excel date cell
                p.get("address", "重庆市渝中区解放碑街道八一路1号"),
                p.get("since", "2020-05-01"),
            ]
        )
    last = first + len(people) - 1
    if last > first:
        ws.merge_cells(start_row=first, start_column=5, end_row=last, end_column=5)
    ws.append(["合计", None, None, None, None, f"{len(people)}人"])
    ws.append(["填表人：王会计", None, None, "联系电话：023-12345678"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def people(n: int, start: int = 1) -> list[dict[str, Any]]:
    return [
        {"name": f"张{'一二三四五六七八九'[i % 9]}", "id": ident(start + i), "phone": f"139{start + i:08d}"}
        for i in range(n)
    ]


def test_the_reader_finds_header_synonyms_merges_and_footers() -> None:
    sheet = open_rows(io.BytesIO(office_workbook(people(5))))
    try:
        rows = list(sheet.rows)
    finally:
        sheet.reader.close()
    layout = sheet.layout
    assert layout.header_row == 3 and layout.title_rows == 2
    assert [r for r, _v in rows] == [4, 5, 6, 7, 8]
    assert all(v[sheet.positions["union_code"]] == "YZ0001" for _r, v in rows)  # carried down
    assert dict(layout.merged) == {"工会编码": 4}
    assert layout.footer_rows == [9, 10]
    recognised = dict(layout.columns)
    assert recognised["身份证号"].startswith("身份证号码") and recognised["手机号"] == "手机号码"
    assert recognised["姓名"] == "职工姓名" and recognised["学历"] == "文化程度"
    assert recognised["入会日期"] == "入会时间"
    assert set(layout.unused) == {"序号", "紧急联系电话", "出生日期", "家庭住址"}


def test_an_office_workbook_imports_and_the_page_says_what_was_recognised(world: dict[str, Any]) -> None:
    ri = run(world, [], data=office_workbook(people(5)))
    assert ri.status == "done" and ri.created == 5, (ri.message, errors_of(ri))
    assert Membership.objects.filter(union=world["shop"], status="active").count() == 5
    assert ri.layout["header_row"] == 3 and ri.layout["footer_count"] == 2
    assert ri.layout["merged"] == {"工会编码": 4}

    from django.test import Client

    c = Client()
    c.force_login(world["staff"])
    page = c.get(reverse("roster:import_detail", args=[ri.pk])).content.decode()
    assert 'data-testid="import-layout"' in page
    for text in (
        "表头在第3行",
        "表头上方2行标题已略过",
        "身份证号码",
        "紧急联系电话",
        "工会编码 4格",
        "2行不是会员",
    ):
        assert text in page, text


def test_the_emergency_phone_column_is_not_taken_for_the_phone() -> None:
    positions = header_positions(("姓名", "紧急联系电话", "身份证号码", "手机号码", "工会编码"))
    assert positions["phone"] == 3
    # the more specific word wins wherever the columns stand
    assert header_positions(("联系电话", "手机号码", "姓名", "身份证", "身份证号码"))["phone"] == 1
    assert header_positions(("联系电话", "手机号码", "姓名", "身份证", "身份证号码"))["id_number"] == 4


@pytest.mark.parametrize("key", list(HEADER_SYNONYMS))
def test_every_header_word_is_read_with_full_width_forms_spaces_and_marks(key: str) -> None:
    for word in HEADER_SYNONYMS[key]:
        assert header_positions((f"＊{word[0]} {word[1:]}（必填）",)) == {key: 0}


def test_a_sheet_without_a_header_in_the_first_rows_is_refused_in_chinese() -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    for i in range(40):
        ws.append([f"说明{i}", "无关内容"])
    ws.append(["姓名", "身份证号", "手机号", "工会编码"])
    out = io.BytesIO()
    wb.save(out)
    with pytest.raises(FileRejected) as exc:
        open_rows(io.BytesIO(out.getvalue()))
    assert "没有找到表头" in str(exc.value.message)


def test_a_real_member_row_is_never_taken_for_a_footer(world: dict[str, Any]) -> None:
    crowd = people(2)
    crowd[1]["name"] = "合计"  # a surname-like 合 is still a member: the ID number decides
    ri = run(world, [], data=office_workbook(crowd))
    assert ri.status == "done" and ri.created == 2, errors_of(ri)


# --- The kept error report ------------------------------------------------------------------------


def cells_text(raw: bytes) -> str:
    # The cells' text: the sheets and the shared strings (styles hold colours like 00333333).
    with zipfile.ZipFile(io.BytesIO(raw)) as z:
        parts = [n for n in z.namelist() if n.startswith("xl/worksheets/") or n == "xl/sharedStrings.xml"]
        # numeric character references (&#24352;) decoded: a writer may escape every non-ASCII char
        return html.unescape("".join(z.read(name).decode("utf-8", "replace") for name in parts))


def test_the_kept_error_report_holds_no_personal_value_in_clear(world: dict[str, Any]) -> None:
    from django.core.files.storage import default_storage

    crowd = people(3, start=60)
    bad = crowd[1]
    bad.update(
        {
            "phone": "12345",  # the row's error
            "emergency": "13611112222",
            "birth": dt.datetime(1991, 4, 5),  # noqa: DTZ001
            "address": "重庆市江北区观音桥步行街99号",
        }
    )
    ri = run(world, [], data=office_workbook(crowd), mode="skip_invalid")
    assert ri.status == "done" and ri.invalid == 1 and ri.created == 2
    with default_storage.open(ri.report.name, "rb") as stored:
        text = cells_text(stored.read())
    serial = (dt.date(1991, 4, 5) - dt.date(1899, 12, 30)).days
    for clear in (
        bad["name"],
        bad["id"],
        "12345",
        "13611112222",
        "观音桥",
        str(serial),
        "1991-04-05",
        "大专",
    ):
        assert clear not in text, clear
    assert "紧急联系电话" in text and "手机号" in text  # headers and reasons stay readable

    out, count = error_report(actor=world["staff"], roster_import=ri)
    with out:
        rows = list(load_workbook(out).worksheets[0].values)
    header, row = rows[0], rows[1]
    assert count == 1 and row[0] == 5
    got = dict(zip(header, row, strict=True))
    assert got["职工姓名"] == bad["name"] and got["紧急联系电话"] == "13611112222"
    assert "观音桥" in got["家庭住址"]
