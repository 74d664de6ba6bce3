"""The streaming .xlsx reader: every cell kind as openpyxl writes it, hand-made parts for what
openpyxl never writes (gaps, rows without ``r``, phonetic runs, strict namespaces…), the template,
and the files it refuses with a Chinese reason."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont

from yugong.members.roster import xlsx as import_xlsx
from yugong.members.roster.exports import template_workbook
from yugong.members.roster.parsing import COLUMNS, FileRejected, parse_date
from yugong.members.roster.sheet import open_rows
from yugong.members.roster.xlsx import XlsxReader, XlsxRejected, column_index

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def rows_of(data: bytes) -> list[tuple[int, tuple[Any, ...]]]:
    with XlsxReader(io.BytesIO(data)) as reader:
        return list(reader.rows())


def saved(wb: Workbook) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def package(
    sheet_xml: str, *, strings_xml: str | None = None, ns: str = MAIN, extra_sheet: bool = False
) -> bytes:
    """A minimal workbook from parts written by hand."""
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(
            "_rels/.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>",
        )
        sheets = '<sheet name="名册" sheetId="2" r:id="rId7"/>'
        if extra_sheet:
            sheets += '<sheet name="说明" sheetId="1" r:id="rId8"/>'
        z.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{ns}" xmlns:r="{rel}"><sheets>{sheets}</sheets></workbook>',
        )
        rels = (
            f'<Relationship Id="rId7" Type="{rel}/worksheet" Target="/xl/worksheets/data.xml"/>'
            f'<Relationship Id="rId8" Type="{rel}/worksheet" Target="worksheets/help.xml"/>'
        )
        if strings_xml is not None:
            rels += f'<Relationship Id="rId9" Type="{rel}/sharedStrings" Target="strings.xml"/>'
            z.writestr("xl/strings.xml", f'<sst xmlns="{ns}">{strings_xml}</sst>')
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>',
        )
        z.writestr(
            "xl/worksheets/data.xml",
            f'<worksheet xmlns="{ns}"><sheetData>{sheet_xml}</sheetData></worksheet>',
        )
        z.writestr("xl/worksheets/help.xml", f'<worksheet xmlns="{ns}"><sheetData/></worksheet>')
    return out.getvalue()


# --- Files written by openpyxl ---------------------------------------------------------------

CELLS: list[Any] = [
    "张三",
    "５００１０３",  # full-width stays as typed: the parser folds it
    13800138000,
    3.25,
    True,
    False,
    dt.datetime(2024, 3, 1),  # noqa: DTZ001 - a naive Excel date
    None,
    "  spaced  ",
    "line\nbreak",
]


@pytest.mark.parametrize("write_only", [False, True], ids=["shared-strings", "inline-strings"])
def test_every_cell_kind_matches_openpyxl(write_only: bool) -> None:
    wb = Workbook(write_only=write_only)
    ws = wb.create_sheet("名册") if write_only else wb.active
    assert ws is not None
    ws.append(["a", "b"])
    ws.append(CELLS)
    ws.append([])  # an empty row
    ws.append([None, None, "third"])
    data = saved(wb)

    got = rows_of(data)
    theirs = list(load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0].values)
    assert got[0] == (1, ("a", "b"))
    row_no, values = got[1]
    assert row_no == 2
    for mine, expected in zip(values, theirs[1], strict=False):
        if isinstance(expected, dt.datetime):
            # dates stay Excel serials (45352); the parser makes them dates
            assert isinstance(mine, int | float) and parse_date(mine) == expected.date()
        else:
            assert mine == expected and type(mine) is type(expected)
    assert [r for r, _v in got] == [1, 2, 4] or [r for r, _v in got] == [1, 2, 3, 4]
    assert got[-1] == (4, (None, None, "third"))


def test_rich_text_in_shared_strings() -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws["A1"] = CellRichText(["王", TextBlock(InlineFont(b=True), "小"), "明"])
    assert rows_of(saved(wb)) == [(1, ("王小明",))]


def test_the_template_gives_its_header_and_no_data_rows() -> None:
    sheet = open_rows(io.BytesIO(template_workbook()))
    reader, positions, header, rows = sheet.reader, sheet.positions, sheet.header, sheet.rows
    with reader:
        assert list(header) == [c.header for c in COLUMNS]
        assert positions["name"] == 0 and positions["member_since"] == len(COLUMNS) - 1
        assert list(rows) == []  # 2,000 formatted but empty rows are not data


# --- Parts written by hand: what openpyxl never writes ---------------------------------------


def test_gaps_rows_without_numbers_and_every_type_attribute() -> None:
    sheet = (
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="D1" t="s"><v>1</v></c></row>'
        '<row r="5"><c r="B5"><v>42</v></c><c r="C5"><v>1.5E3</v></c><c r="AA5" t="b"><v>1</v></c></row>'
        '<row><c><v>7</v></c><c/><c t="str"><v>formula text</v></c></row>'  # row 6, cells A, B, C
        '<row r="8"><c r="A8" t="e"><v>#N/A</v></c><c r="B8" t="d"><v>2024-03-01T00:00:00</v></c>'
        '<c r="C8" t="inlineStr"><is><r><t>重</t></r><r><rPr><b/></rPr><t>庆</t></r>'
        '<rPh sb="0" eb="1"><t>chongqing</t></rPh></is></c>'
        '<c r="D8" t="inlineStr"><is><t xml:space="preserve"> a_x000D_b_x005F_x000D_ </t></is></c>'
        '<c r="E8"><f>SUM(A1:A2)</f></c></row>'
    )
    strings = "<si><t>姓名</t></si><si><r><t>身份</t></r><r><t>证号</t></r><rPh><t>x</t></rPh></si>"
    data = package(sheet, strings_xml=strings, extra_sheet=True)
    got = rows_of(data)
    assert got[0] == (1, ("姓名", None, None, "身份证号"))
    assert got[1][0] == 5 and got[1][1][:3] == (None, 42, 1500.0) and got[1][1][26] is True
    assert len(got[1][1]) == 27 and set(got[1][1][3:26]) == {None}
    assert got[2] == (6, (7, None, "formula text"))
    assert got[3] == (8, ("#N/A", "2024-03-01T00:00:00", "重庆", " a\rb_x000D_ ", None))
    assert parse_date(got[3][1][1]) == dt.date(2024, 3, 1)


def test_strict_namespace_and_width() -> None:
    strict = "http://purl.oclc.org/ooxml/spreadsheetml/main"
    data = package(
        '<row r="1"><c r="A1"><v>1</v></c><c r="C1"><v>3</v></c></row>'
        '<row r="2"><c r="A2"><v>4</v></c><c r="XFD2"><v>5</v></c></row>',
        ns=strict,
    )
    with XlsxReader(io.BytesIO(data)) as reader:
        rows = reader.rows()
        assert next(rows) == (1, (1, None, 3))
        reader.width = 3  # after the header: later rows keep only the header's columns
        row_no, values = next(rows)
        assert row_no == 2 and values[0] == 4 and len(values) <= 3 and set(values[1:]) <= {None}
        assert reader.fraction_read == 1.0


def test_column_letters() -> None:
    assert [column_index(x) for x in ("A", "Z", "AA", "XFD", "b")] == [0, 25, 26, 16383, 1]
    with pytest.raises(ValueError):
        column_index("XFE")


def test_rows_stream_while_the_sheet_is_read() -> None:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("名册")
    for i in range(30_000):
        ws.append([f"张{i}", i, "否"])
    with XlsxReader(io.BytesIO(saved(wb))) as reader:
        rows = reader.rows()
        assert next(rows) == (1, ("张0", 0, "否"))
        assert 0 < reader.fraction_read < 0.2  # the first row came before the rest was read
        last = None
        for last in rows:  # noqa: B007
            pass
        assert last == (30_000, ("张29999", 29_999, "否")) and reader.fraction_read == 1.0


# --- Refused files ---------------------------------------------------------------------------


def test_refused_files_say_why_in_chinese() -> None:
    with pytest.raises(XlsxRejected, match=r"\.xls"):
        XlsxReader(io.BytesIO(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600))
    with pytest.raises(XlsxRejected, match="无法读取"):
        XlsxReader(io.BytesIO(b"name,id\n"))
    empty_zip = io.BytesIO()
    with zipfile.ZipFile(empty_zip, "w") as z:
        z.writestr("hello.txt", "hi")
    with pytest.raises(XlsxRejected, match="找不到工作表"):
        XlsxReader(io.BytesIO(empty_zip.getvalue()))
    broken = package('<row r="1"><c r="A1"><v>1</v></c></row><row r="2"><c r="A2"><v>2</v>')
    with pytest.raises(XlsxRejected, match="第2行附近"):
        rows_of(broken)
    with pytest.raises(XlsxRejected, match="损坏"):
        rows_of(package('<row r="1"><c r="A1" t="s"><v>3</v></c></row>', strings_xml="<si><t>a</t></si>"))
    with pytest.raises(FileRejected, match="无法读取"):
        open_rows(io.BytesIO(b"not a workbook"))


def test_a_dtd_is_refused() -> None:
    bomb = '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
    data = package('<row r="1"><c r="A1" t="s"><v>0</v></c></row>', strings_xml="<si><t>&b;</t></si>")
    data = data.replace(b"<sst ", bomb.encode() + b"<sst ")
    with pytest.raises(XlsxRejected, match="无法读取"):
        rows_of(data)


def test_a_huge_shared_string_table_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(import_xlsx, "SHARED_TEXT_MAX_BYTES", 100)
    data = package(
        '<row r="1"><c r="A1" t="s"><v>0</v></c></row>', strings_xml="<si><t>0123456789</t></si>" * 11
    )
    with pytest.raises(XlsxRejected, match="文字内容过多"):
        rows_of(data)
