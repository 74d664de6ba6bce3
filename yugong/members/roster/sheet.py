"""Reading a roster as union offices keep it, not only as our template has it.

An office's workbook usually has a title row or two above the header ("XX工会会员名册", cells merged
across the sheet), headers in its own words (身份证号码, 手机号码, 文化程度…), the union code typed
once and merged down over the rows of that union, and a 合计 / 小计 row or a 填表人 line at the end.
:func:`open_rows`:

* **finds the header row**: the first of the first ``HEADER_SCAN_ROWS`` rows that names every
  required column (rows above it are titles, left out);
* **accepts the usual header words** (``HEADER_SYNONYMS``; full-width forms, spaces, line breaks,
  ``*`` marks and bracketed notes such as "（必填）" do not matter); where two columns mean the same
  thing, the more specific word wins (身份证号码 before 证件号码);
* **carries merged cells down**: a cell merged over several rows counts on each of them (what the
  person who made the sheet sees), for every column;
* **leaves out summary and signature rows**: a row with no ID number whose text starts with
  合计 / 小计 / 总计 / 填表人 … (``FOOTER_MARKERS``);
* and says what it recognised (:class:`Layout`, kept on the import and shown with its result).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.utils.translation import gettext as _

from yugong.core.validators import clean_text

from .parsing import COLUMNS, KEY_TO_HEADER, FileRejected
from .xlsx import XlsxReader, XlsxRejected

HEADER_SCAN_ROWS = 30

# Header words per column, most specific first (the template's own header is always accepted).
HEADER_SYNONYMS: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "职工姓名", "会员姓名", "员工姓名", "名字"),
    "id_number": (
        "身份证号",
        "身份证号码",
        "公民身份号码",
        "公民身份证号码",
        "居民身份证号码",
        "居民身份证号",
        "身份证件号码",
        "身份证",
        "证件号码",
    ),
    "phone": (
        "手机号",
        "手机号码",
        "手机",
        "移动电话",
        "联系手机",
        "手机联系电话",
        "联系电话",
        "电话号码",
        "联系方式",
    ),
    "union_code": ("工会编码", "工会代码", "所属工会编码", "所在工会编码", "基层工会编码", "工会组织编码"),
    "employment_form": ("就业形态", "用工形式", "就业类型"),
    "migrant": ("是否农民工", "是否为农民工", "农民工"),
    "education": ("学历", "文化程度", "最高学历"),
    "occupation": ("职业", "工种", "岗位"),
    "employer_uscc": (
        "用人单位统一社会信用代码",
        "单位统一社会信用代码",
        "统一社会信用代码",
        "社会信用代码",
        "信用代码",
    ),
    "member_since": ("入会日期", "入会时间", "入会年月"),
}
assert set(HEADER_SYNONYMS) == {c.key for c in COLUMNS}
assert all(HEADER_SYNONYMS[c.key][0] == c.header for c in COLUMNS)
# word → (column key, rank: lower is more specific)
_WORDS = {word: (key, rank) for key, words in HEADER_SYNONYMS.items() for rank, word in enumerate(words)}

FOOTER_MARKERS = (
    "合计",
    "小计",
    "总计",
    "共计",
    "总数",
    "填表人",
    "制表人",
    "审核人",
    "负责人",
    "填报日期",
    "制表日期",
    "填表日期",
)
_BRACKETS_RE = re.compile(r"\([^)]*\)|\[[^\]]*\]|【[^】]*】")


def header_word(title: Any) -> str:
    """A header cell reduced to its word: half-width, no spaces or line breaks, no ``*`` marks,
    no bracketed note, no trailing colon."""
    text = clean_text(title).replace(" ", "")
    text = _BRACKETS_RE.sub("", text).strip("*:：")
    return text


def header_positions(values: tuple[Any, ...]) -> dict[str, int]:
    """Column key → position for a candidate header row (the most specific word per key)."""
    best: dict[str, tuple[int, int]] = {}
    for idx, title in enumerate(values):
        hit = _WORDS.get(header_word(title))
        if hit is None:
            continue
        key, rank = hit
        if key not in best or rank < best[key][0]:
            best[key] = (rank, idx)
    return {key: idx for key, (_rank, idx) in best.items()}


@dataclass
class Layout:
    """What was recognised in the sheet (kept as ``RosterImport.layout``)."""

    header_row: int = 1
    columns: list[tuple[str, str]] = field(default_factory=list)  # (template header, header found)
    unused: list[str] = field(default_factory=list)  # headers of columns not imported
    title_rows: int = 0
    merged: Counter[str] = field(default_factory=Counter)  # template header → cells carried down
    footer_rows: list[int] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "header_row": self.header_row,
            "columns": [list(c) for c in self.columns],
            "unused": self.unused,
            "title_rows": self.title_rows,
            "merged": dict(self.merged),
            "footer_rows": self.footer_rows[:50],
            "footer_count": len(self.footer_rows),
        }


@dataclass
class OpenedSheet:
    reader: XlsxReader
    positions: dict[str, int]
    header: tuple[Any, ...]
    rows: Iterator[tuple[int, tuple[Any, ...]]]
    layout: Layout


def _non_empty(values: tuple[Any, ...]) -> bool:
    return any(v is not None and (not isinstance(v, str) or v.strip()) for v in values)


class _MergeFill:
    """Carries the top cell of each range merged over several rows down to the rows below it."""

    def __init__(self, ranges: list[tuple[int, int, int, int]]) -> None:
        self.starts: dict[int, list[tuple[int, int, int]]] = {}
        for r1, c1, r2, _c2 in ranges:
            if r2 > r1:
                self.starts.setdefault(r1, []).append((c1, r2, r1))
        self.active: dict[int, tuple[int, Any]] = {}  # column → (last row, value)
        self.filled: Counter[int] = Counter()

    def __bool__(self) -> bool:
        return bool(self.starts or self.active)

    def apply(self, row_no: int, values: tuple[Any, ...], width: int | None) -> tuple[Any, ...]:
        if self.active:
            cells: list[Any] | None = None
            for col, (last, value) in list(self.active.items()):
                if row_no > last:
                    del self.active[col]
                    continue
                if width is not None and col >= width:
                    continue
                current = values[col] if col < len(values) else None
                if current is None or current == "":
                    if cells is None:
                        cells = list(values)
                    if col >= len(cells):
                        cells.extend([None] * (col + 1 - len(cells)))
                    cells[col] = value
                    self.filled[col] += 1
            if cells is not None:
                values = tuple(cells)
        for col, last, _first in self.starts.pop(row_no, ()):
            value = values[col] if col < len(values) else None
            if value is not None and value != "":
                self.active[col] = (last, value)
        return values


def _is_footer(values: tuple[Any, ...], id_pos: int) -> bool:
    if id_pos < len(values) and values[id_pos] not in (None, ""):
        return False
    for v in values:
        if isinstance(v, str) and v:
            text = clean_text(v).replace(" ", "")
            if text.startswith(FOOTER_MARKERS):
                return True
    return False


def open_rows(fileobj: IO[bytes]) -> OpenedSheet:
    """Open the first sheet (our streaming reader); find the header; return the reader, the column
    positions, the header row, an iterator of (row number, values) over the data rows (non-empty,
    merged cells carried down, summary rows left out, cut to the header's width) and the
    :class:`Layout`. The caller closes the reader."""
    try:
        reader = XlsxReader(fileobj)
    except XlsxRejected as exc:
        raise FileRejected(exc.message) from exc
    layout = Layout()
    try:
        merges = _MergeFill(reader.merged_ranges())
        rows = reader.rows()
        header: tuple[Any, ...] = ()
        positions: dict[str, int] = {}
        best: dict[str, int] = {}
        seen = 0
        for row_no, values in rows:
            if merges:
                values = merges.apply(row_no, values, None)
            if not _non_empty(values):
                continue
            found = header_positions(values)
            if all(c.key in found for c in COLUMNS if c.required):
                header, positions, layout.header_row = values, found, row_no
                break
            if len(found) > len(best):
                best = found
            layout.title_rows += 1
            seen += 1
            if seen >= HEADER_SCAN_ROWS:
                break
    except XlsxRejected as exc:
        reader.close()
        raise FileRejected(exc.message) from exc
    if not header:
        reader.close()
        missing = [c.header for c in COLUMNS if c.required and c.key not in best]
        raise FileRejected(
            _(
                "前%(n)d行中没有找到表头：表头须包含%(columns)s等列（可用“身份证号码”“手机号码”等常用写法）。请使用导入模板。"
            )
            % {
                "n": HEADER_SCAN_ROWS,
                "columns": "、".join(missing or [c.header for c in COLUMNS if c.required]),
            }
        )
    reader.width = len(header)
    used = set(positions.values())
    layout.columns = [
        (KEY_TO_HEADER[c.key], clean_text(header[positions[c.key]])) for c in COLUMNS if c.key in positions
    ]
    layout.unused = [clean_text(t) for i, t in enumerate(header) if i not in used and clean_text(t)]
    id_pos = positions["id_number"]
    by_position = {pos: KEY_TO_HEADER[key] for key, pos in positions.items()}

    def gen() -> Iterator[tuple[int, tuple[Any, ...]]]:
        width = len(header)
        try:
            for row_no, values in rows:
                if merges:
                    values = merges.apply(row_no, values, width)
                if not _non_empty(values):
                    continue
                if _is_footer(values, id_pos):
                    layout.footer_rows.append(row_no)
                    continue
                yield row_no, values
        except XlsxRejected as exc:
            raise FileRejected(exc.message) from exc
        finally:
            layout.merged = Counter(
                {
                    by_position.get(col) or clean_text(header[col]) or f"#{col + 1}": n
                    for col, n in merges.filled.items()
                    if n and col < width
                }
            )

    return OpenedSheet(reader, positions, header, gen(), layout)
