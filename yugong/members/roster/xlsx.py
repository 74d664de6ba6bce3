"""A streaming .xlsx row reader on the standard library (the roster import's input).

Why not openpyxl here: in ``read_only`` mode openpyxl builds a Python object per cell and, when the
sheet has no ``<dimension>`` (files written by many generators, ours included), parses the whole
sheet once more at open to find its size. That was about half of the import's validation pass.
openpyxl stays for writing (the template, the error report) — only reading is ours.

What it reads (ECMA-376 SpreadsheetML, transitional and strict namespaces):

* ``_rels/.rels`` → the workbook part; its rels → the first *worksheet* in ``<sheets>`` order (what
  ``openpyxl.load_workbook(...).worksheets[0]`` is) and the shared string table.
* The shared strings (``xl/sharedStrings.xml``), streamed: plain ``<t>`` and rich text runs
  (``<r><t>``) joined, phonetic runs (``<rPh>``) left out, ``_xHHHH_`` escapes decoded. They are kept
  as one UTF-8 ``bytearray`` plus an ``array`` of offsets — about the text's own size plus 4 bytes a
  string, not a Python ``str`` per string (~55 bytes of overhead each). **Bound:** at most
  ``SHARED_STRINGS_MAX`` strings and ``SHARED_TEXT_MAX_BYTES`` of text (4 MB + 64 MB at worst); a
  100,000-row roster saved by Excel (IDs and phones as text) holds ~300,000 strings, ~6 MB. Larger
  tables are refused with a Chinese message, so a zip bomb cannot grow the importer's memory.
* The sheet, streamed through expat (C) with a small state machine: one ``<row>`` at a time, no
  element tree, so memory does not grow with the number of rows. Cells: shared
  strings (``t="s"``), inline strings (``t="inlineStr"``, rich text too), formula results
  (``t="str"``, cached values only), booleans (``t="b"``), errors (``t="e"``, the text ``#N/A``),
  ISO dates (``t="d"``, as text) and numbers (``int`` when written without ``.``/exponent, else
  ``float``, like openpyxl). Dates in the 1900 system are numbers in the file (Excel serials); they
  are returned as such and ``parsing.parse_date`` turns them into dates. Cell references with
  gaps (``r="D5"``) put the value in its column with ``None`` before it; rows without ``r`` follow
  the previous one; missing rows are simply not yielded (row numbers always come from the file).

The XML parser is expat (C). A part that declares a DTD is refused (no entity expansion, no
external entities — what defusedxml would do; SpreadsheetML never has one).
"""

from __future__ import annotations

import re
import zipfile
import zlib
from array import array
from collections.abc import Iterator
from posixpath import dirname, join, normpath
from typing import IO, Any
from xml.parsers import expat as pyexpat

from django.utils.translation import gettext as _

from yugong.core.errors import ApplicationError

SHARED_STRINGS_MAX = 1_000_000 * 4  # strings in the shared table (4 bytes of offset each)
SHARED_TEXT_MAX_BYTES = 64 * 1024 * 1024  # UTF-8 text of the shared table
SMALL_PART_MAX_BYTES = 8 * 1024 * 1024  # rels, workbook.xml: tiny in any real file
MAX_COLUMN = 16_384  # XFD, Excel's last column
MAX_ROW = 1_048_576  # Excel's last row: a sheet of empty rows cannot keep the reader busy forever
READ_BYTES = 1 << 16

_MAIN_NAMESPACES = (
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "http://purl.oclc.org/ooxml/spreadsheetml/main",  # strict OOXML
)
_PKG_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, and encrypted .xlsx (an OLE container)
_ESCAPE_RE = re.compile(r"_x([0-9A-Fa-f]{4})_")
_DIGITS = "0123456789"
# <mergeCell ref="A3:A7"/> (any namespace prefix). They follow <sheetData>, so they are read by a
# separate scan of the sheet's bytes before its rows (``merged_ranges``).
_MERGE_RE = re.compile(
    rb'<(?:[A-Za-z_][\w.-]*:)?mergeCell\b[^>]*?\sref="([A-Z]{1,3})([0-9]+)(?::([A-Z]{1,3})([0-9]+))?"'
)
MERGES_MAX = 100_000  # more merged ranges than that is no roster; the rest are ignored


class XlsxRejected(ApplicationError):
    """The file cannot be read as an .xlsx workbook (the message says why, in Chinese)."""


def _unreadable() -> XlsxRejected:
    return XlsxRejected(_("文件无法读取，请上传 .xlsx 格式的名册（可下载导入模板）。"))


def _unescape(text: str) -> str:
    # OOXML writes control characters as _xHHHH_ (and a literal "_x" as _x005F_x).
    return _ESCAPE_RE.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text


_COLUMNS: dict[str, int] = {}


def column_index(letters: str) -> int:
    """0-based column of ``"A"``, ``"AB"``…; raises ValueError past Excel's last column."""
    hit = _COLUMNS.get(letters)
    if hit is not None:
        return hit
    n = 0
    for ch in letters.upper():
        if not "A" <= ch <= "Z":
            raise ValueError(letters)
        n = n * 26 + ord(ch) - 64
    if not 1 <= n <= MAX_COLUMN:
        raise ValueError(letters)
    _COLUMNS[letters] = n - 1
    return n - 1


class SharedStrings:
    """The shared string table, compact: one UTF-8 blob and the end offset of each string."""

    __slots__ = ("blob", "ends")

    def __init__(self) -> None:
        self.blob = bytearray()
        self.ends = array("I", [0])

    def append(self, text: str) -> None:
        self.blob += text.encode()
        if len(self.blob) > SHARED_TEXT_MAX_BYTES or len(self.ends) > SHARED_STRINGS_MAX:
            raise XlsxRejected(
                _("文件中的文字内容过多（共享字符串超过%(mb)dMB或%(n)d条），请拆分后分批导入。")
                % {"mb": SHARED_TEXT_MAX_BYTES >> 20, "n": SHARED_STRINGS_MAX}
            )
        self.ends.append(len(self.blob))

    def __len__(self) -> int:
        return len(self.ends) - 1

    def __getitem__(self, i: int) -> str:
        if not 0 <= i < len(self.ends) - 1:
            raise IndexError(i)
        return self.blob[self.ends[i] : self.ends[i + 1]].decode()


class _Counted:
    """A read-only stream that counts what was read (the progress of the sheet)."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw, self.done = raw, 0

    def read(self, n: int) -> bytes:
        data = self.raw.read(n)
        self.done += len(data)
        return data


# Element codes by qualified name (expat reports "namespace}local"; both namespaces map alike).
_ROOT, _ROW, _C, _V, _IS, _T, _RPH, _SI = range(1, 9)
_CODES = {
    f"{ns}}}{local}": code
    for ns in _MAIN_NAMESPACES
    for local, code in (
        ("worksheet", _ROOT),
        ("sst", _ROOT),
        ("row", _ROW),
        ("c", _C),
        ("v", _V),
        ("is", _IS),
        ("t", _T),
        ("rPh", _RPH),
        ("si", _SI),
    )
}


def _no_dtd(*_args: Any) -> None:
    # SpreadsheetML never declares a DTD: refusing one rules out entity expansion (billion laughs)
    # and external entities whatever the expat version (what defusedxml does).
    raise ValueError("DTD in a spreadsheet part")


def _expat() -> Any:
    parser = pyexpat.ParserCreate(namespace_separator="}")
    parser.buffer_text = True  # one text callback per text node, not one per buffer piece
    parser.StartDoctypeDeclHandler = _no_dtd
    parser.EntityDeclHandler = _no_dtd
    return parser


def _parse_shared_strings(stream: Any) -> SharedStrings:
    """``<si>`` texts: the ``<t>`` or the runs' ``<t>`` joined, phonetic runs (``<rPh>``) left out."""
    table = SharedStrings()
    buf: list[str] = []
    collect = in_rph = False
    seen_root = False

    def start(tag: str, attrs: dict[str, str]) -> None:
        nonlocal collect, in_rph, seen_root
        k = _CODES.get(tag)
        if k == _T:
            collect = not in_rph
        elif k == _SI:
            buf.clear()
        elif k == _RPH:
            in_rph = True
        elif k == _ROOT:
            seen_root = True

    def end(tag: str) -> None:
        nonlocal collect, in_rph
        k = _CODES.get(tag)
        if k == _T:
            collect = False
        elif k == _SI:
            table.append(_unescape("".join(buf)))
        elif k == _RPH:
            in_rph = False

    def chars(data: str) -> None:
        if collect:
            buf.append(data)

    parser = _expat()
    parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, chars
    while data := stream.read(READ_BYTES):
        parser.Parse(data, False)
    parser.Parse(b"", True)
    if not seen_root:
        raise _unreadable()
    return table


def _parse_rows(reader: XlsxReader, stream: Any) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """The sheet's rows, parsed by expat with the state machine below (one Python call per tag and
    text node: no element objects, so nothing grows with the sheet and no garbage collector work —
    building an ElementTree per row cost twice as much, most of it in the collector). Expat is fed
    ``READ_BYTES`` at a time; the rows completed by each piece are yielded before the next read."""
    strings = reader.strings
    codes = _CODES
    done: list[tuple[int, tuple[Any, ...]]] = []
    buf: list[str] = []
    values: list[Any] = []
    row_no = col = 0
    kind: str | None = None
    limit = MAX_COLUMN
    collect = in_is = in_rph = has_value = skip = seen_root = False

    def start(tag: str, attrs: dict[str, str]) -> None:
        nonlocal row_no, col, kind, limit, values, collect, in_is, in_rph, has_value, skip, seen_root
        k = codes.get(tag)
        if k == _C:
            ref = attrs.get("r")
            col = column_index(ref.rstrip(_DIGITS)) if ref else len(values)
            skip = col >= limit
            kind = attrs.get("t")
            has_value = False
            buf.clear()
        elif k == _V:
            collect = True
        elif k == _IS:
            in_is = True
        elif k == _T:
            collect = in_is and not in_rph
        elif k == _ROW:
            ref = attrs.get("r")
            row_no = int(ref) if ref else row_no + 1
            if row_no > MAX_ROW:
                raise ValueError(row_no)
            values = []
            limit = reader.width or MAX_COLUMN
        elif k == _RPH:
            in_rph = True
        elif k == _ROOT:
            seen_root = True

    def end(tag: str) -> None:
        nonlocal collect, in_is, in_rph, has_value
        k = codes.get(tag)
        if k == _C:
            if skip:
                return
            value: Any = None
            if has_value:
                text = buf[0] if len(buf) == 1 else "".join(buf)
                if kind is None or kind == "n":
                    value = float(text) if ("." in text or "E" in text or "e" in text) else int(text)
                elif kind == "s":
                    value = strings[int(text)]
                elif kind == "b":
                    value = text.strip() in ("1", "true")
                else:  # inlineStr, "str" (a formula's text), "e" (#N/A…), "d" (ISO 8601 text)
                    value = _unescape(text)
            n = len(values)
            if col == n:
                values.append(value)
            elif col > n:
                values.extend([None] * (col - n))
                values.append(value)
            else:  # a cell out of order: the later one wins
                values[col] = value
        elif k in (_V, _T):
            has_value = has_value or collect
            collect = False
        elif k == _ROW:
            done.append((row_no, tuple(values)))
        elif k == _IS:
            in_is = False
            has_value = True  # an inline string with no text is ""
        elif k == _RPH:
            in_rph = False

    def chars(data: str) -> None:
        if collect:
            buf.append(data)

    parser = _expat()
    parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, chars
    try:
        while True:
            data = stream.read(READ_BYTES)
            parser.Parse(data, not data)
            if done:
                for item in done:  # rows parsed before ``width`` was set (the header's buffer)
                    width = reader.width  # are cut here
                    yield item if width is None or len(item[1]) <= width else (item[0], item[1][:width])
                done.clear()
            if not data:
                break
    except (pyexpat.ExpatError, zipfile.BadZipFile, zlib.error, EOFError, ValueError, IndexError) as exc:
        raise XlsxRejected(
            _("文件内容已损坏（第%(row)d行附近），请用Excel打开后另存为 .xlsx 再上传。")
            % {"row": max(row_no, 1)}
        ) from exc
    if not seen_root:
        raise _unreadable()


def _merges_in(data: bytes) -> Iterator[tuple[int, int, int, int]]:
    for m in _MERGE_RE.finditer(data):
        c1, r1 = column_index(m.group(1).decode()), int(m.group(2))
        c2 = column_index(m.group(3).decode()) if m.group(3) else c1
        r2 = int(m.group(4)) if m.group(4) else r1
        yield min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)


class XlsxReader:
    """Rows of the first worksheet of an .xlsx file: ``rows()`` yields ``(row number, values)``.
    ``close()`` when done (or use it as a context manager)."""

    def __init__(self, fileobj: IO[bytes]) -> None:
        head = fileobj.read(8)
        fileobj.seek(0)
        if head.startswith(_OLE_MAGIC):
            raise XlsxRejected(
                _("文件是旧版 .xls 格式或已设置密码，无法读取；请在Excel中另存为不加密的 .xlsx 文件后上传。")
            )
        try:
            self.zip = zipfile.ZipFile(fileobj)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            raise _unreadable() from exc
        try:
            self.sheet_part, strings_part = self._locate()
            self.strings = self._shared_strings(strings_part) if strings_part else SharedStrings()
            self.sheet_size = max(self.zip.getinfo(self.sheet_part).file_size, 1)
        except BaseException:
            self.zip.close()
            raise
        self._stream: _Counted | None = None
        self.width: int | None = None

    # --- package structure ------------------------------------------------------------------

    def _elements(self, name: str, local: str) -> list[dict[str, str]] | None:
        """The attributes of every ``local`` element of a small part (rels, workbook.xml), in
        document order; None when the part is missing."""
        try:
            info = self.zip.getinfo(name)
        except KeyError:
            return None
        if info.file_size > SMALL_PART_MAX_BYTES:
            raise _unreadable()
        found: list[dict[str, str]] = []
        suffix = "}" + local

        def start(tag: str, attrs: dict[str, str]) -> None:
            if tag.endswith(suffix):
                found.append(attrs)

        parser = _expat()
        parser.StartElementHandler = start
        with self.zip.open(info) as raw:
            parser.Parse(raw.read(SMALL_PART_MAX_BYTES + 1), True)
        return found

    def _rels(self, part: str) -> dict[str, tuple[str, str]]:
        """Relationships of ``part``: id → (type's last word, target part name)."""
        folder, base = dirname(part), part.rsplit("/", 1)[-1]
        out: dict[str, tuple[str, str]] = {}
        for rel in self._elements(join(folder, "_rels", base + ".rels"), "Relationship") or ():
            target = rel.get("Target") or ""
            if rel.get("TargetMode") == "External":
                continue
            name = target.lstrip("/") if target.startswith("/") else normpath(join(folder, target))
            out[rel.get("Id") or ""] = ((rel.get("Type") or "").rsplit("/", 1)[-1], name)
        return out

    def _locate(self) -> tuple[str, str | None]:
        """(first worksheet part, shared strings part or None)."""
        try:
            package = self._rels("")
            workbook = next(
                (t for kind, t in package.values() if kind == "officeDocument"), "xl/workbook.xml"
            )
            rels = self._rels(workbook)
            sheets = self._elements(workbook, "sheet")
        except (pyexpat.ExpatError, zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as exc:
            raise _unreadable() from exc
        strings = next((t for kind, t in rels.values() if kind == "sharedStrings"), None)
        for sheet in sheets or ():
            rid = next((v for k, v in sheet.items() if k.endswith("}id")), "")
            kind, target = rels.get(rid, ("", ""))
            if kind == "worksheet" and target in self.zip.NameToInfo:
                return target, strings if strings in self.zip.NameToInfo else None
        raise XlsxRejected(_("文件不是有效的 .xlsx 工作簿（找不到工作表），请用Excel另存为 .xlsx 后上传。"))

    def _shared_strings(self, part: str) -> SharedStrings:
        try:
            with self.zip.open(part) as raw:
                return _parse_shared_strings(raw)
        except (pyexpat.ExpatError, zipfile.BadZipFile, zlib.error, EOFError, ValueError) as exc:
            raise _unreadable() from exc

    # --- rows ---------------------------------------------------------------------------------

    @property
    def fraction_read(self) -> float:
        """How much of the sheet's XML has been read, 0…1 (progress without counting rows first)."""
        return min(self._stream.done / self.sheet_size, 1.0) if self._stream else 0.0

    def merged_ranges(self) -> list[tuple[int, int, int, int]]:
        """The sheet's merged ranges as (first row, first column, last row, last column): rows
        1-based as in ``rows()``, columns 0-based. One pass over the sheet's bytes looking for
        ``mergeCell`` (a byte search; the regular expression runs only where it is found)."""
        found: list[tuple[int, int, int, int]] = []
        tail = b""
        try:
            with self.zip.open(self.sheet_part) as raw:
                while block := raw.read(1 << 20):
                    data = tail + block
                    cut = data.rfind(b"<")  # a tag cut by the block boundary is completed next time
                    if cut < 0 or len(data) - cut > 512:
                        cut = len(data)
                    piece, tail = data[:cut], data[cut:]
                    if b"mergeCell" not in piece:
                        continue
                    found.extend(_merges_in(piece))
                    if len(found) >= MERGES_MAX:
                        return found[:MERGES_MAX]
                found.extend(_merges_in(tail))
        except (zipfile.BadZipFile, zlib.error, EOFError, ValueError) as exc:
            raise _unreadable() from exc
        return found

    def rows(self) -> Iterator[tuple[int, tuple[Any, ...]]]:
        """``(row number, values)`` of every ``<row>`` in the file, in file order. Set ``width``
        (any time, e.g. after the header) to keep only the first ``width`` columns of later rows."""
        with self.zip.open(self.sheet_part) as raw:
            self._stream = _Counted(raw)
            yield from _parse_rows(self, self._stream)

    def close(self) -> None:
        self.zip.close()

    def __enter__(self) -> XlsxReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
