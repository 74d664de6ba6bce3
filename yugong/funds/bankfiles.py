"""Bank batch files (代发文件) in a configurable format, written and read as streams.

A format names the file type (csv or xlsx), the text encoding (Chinese banks often want GBK), the
columns of the payout file and the columns of the result file the bank sends back. Built-in
formats below; a deployment adds its bank's in ``settings.FUNDS_BANK_FORMATS`` (same keys).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext as _

from yugong.core.errors import ValidationFailed

from .payments.wechatpay_bill import fen_to_yuan, yuan_to_fen

# Fields a payout column can show.
LINE_FIELDS = ("number", "account_no", "payee_name", "bank_name", "amount_yuan", "purpose")


@dataclass(frozen=True)
class BankFormat:
    name: str
    label: str
    file: str  # "csv" | "xlsx"
    encoding: str = "utf-8"
    columns: tuple[tuple[str, str], ...] = ()
    # Result file: which header holds the line number, the outcome, the message, the amount.
    result_columns: dict[str, str] = field(default_factory=dict)
    success_values: tuple[str, ...] = ("成功", "SUCCESS", "S")

    @property
    def content_type(self) -> str:
        if self.file == "xlsx":
            return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        return f"text/csv; charset={self.encoding}"


_COLUMNS = (
    ("客户流水号", "number"),
    ("收款账号", "account_no"),
    ("收款户名", "payee_name"),
    ("开户行", "bank_name"),
    ("金额", "amount_yuan"),
    ("用途", "purpose"),
)
_RESULTS = {"number": "客户流水号", "status": "处理结果", "message": "失败原因", "amount": "金额"}

BUILTIN = {
    "csv_gbk": BankFormat("csv_gbk", "CSV（GBK）", "csv", "gbk", _COLUMNS, _RESULTS),
    "csv_utf8": BankFormat("csv_utf8", "CSV（UTF-8）", "csv", "utf-8-sig", _COLUMNS, _RESULTS),
    "xlsx": BankFormat("xlsx", "Excel（.xlsx）", "xlsx", "utf-8", _COLUMNS, _RESULTS),
}


def formats() -> dict[str, BankFormat]:
    out = dict(BUILTIN)
    for name, spec in (getattr(settings, "FUNDS_BANK_FORMATS", None) or {}).items():
        spec = dict(spec)
        out[name] = BankFormat(
            name=name,
            label=str(spec.get("label", name)),
            file=str(spec.get("file", "csv")),
            encoding=str(spec.get("encoding", "utf-8")),
            columns=tuple((str(h), str(f)) for h, f in spec.get("columns", _COLUMNS)),
            result_columns=dict(spec.get("result_columns", _RESULTS)),
            success_values=tuple(spec.get("success_values", ("成功", "SUCCESS", "S"))),
        )
    return out


def get_format(name: str) -> BankFormat:
    found = formats().get(name)
    if found is None:
        raise ValidationFailed(fields={"bank_format": _("不支持的银行文件格式。")})
    return found


def _value(line: Any, name: str) -> str:
    if name == "amount_yuan":
        return fen_to_yuan(line.amount_fen)
    return str(getattr(line, name) or "")


def csv_chunks(fmt: BankFormat, lines: Iterable[Any]) -> Iterator[bytes]:
    """The payout file as CSV, a chunk per 500 lines (for a streaming response)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([header for header, _f in fmt.columns])
    for i, line in enumerate(lines, 1):
        writer.writerow([_value(line, f) for _h, f in fmt.columns])
        if i % 500 == 0:
            yield buffer.getvalue().encode(fmt.encoding, errors="replace")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode(fmt.encoding, errors="replace")


def write_xlsx(fmt: BankFormat, lines: Iterable[Any], out: IO[bytes]) -> None:
    """The payout file as .xlsx, written row by row (openpyxl write-only mode: flat memory)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("代发")
    sheet.append([header for header, _f in fmt.columns])
    for line in lines:
        sheet.append([_value(line, f) for _h, f in fmt.columns])
    book.save(out)


MAX_ROW_ERRORS = 200


@dataclass(frozen=True)
class ResultRow:
    row: int
    number: str
    success: bool
    message: str
    amount_fen: int | None


def read_results(fmt: BankFormat, data: IO[bytes]) -> Iterator[ResultRow]:
    """Rows of the bank's result file (csv or xlsx per the format), streamed."""
    rows: Iterable[list[Any]]
    if fmt.file == "xlsx":
        from openpyxl import load_workbook

        book = load_workbook(data, read_only=True, data_only=True)
        sheet = book.worksheets[0]
        rows = ([("" if v is None else str(v)) for v in row] for row in sheet.iter_rows(values_only=True))
    else:
        rows = csv.reader(io.TextIOWrapper(data, encoding=fmt.encoding, newline=""))
    it = iter(rows)
    header = [str(h).strip().lstrip("\ufeff") for h in next(it, [])]
    cols = fmt.result_columns
    try:
        at = {key: header.index(cols[key]) for key in ("number", "status")}
    except ValueError:
        raise ValidationFailed(
            fields={"file": _("回执文件缺少列：%(cols)s") % {"cols": f"{cols['number']}、{cols['status']}"}}
        ) from None
    msg_at = header.index(cols["message"]) if cols.get("message") in header else None
    amount_at = header.index(cols["amount"]) if cols.get("amount") in header else None
    # Every bad row is reported (up to MAX_ROW_ERRORS), by row number and column, after the whole
    # file was read; the caller's transaction then rolls back: a file with errors imports nothing.
    errors: dict[str, str] = {}

    def bad(n: int, column: str, message: str) -> None:
        if len(errors) < MAX_ROW_ERRORS:
            errors[_("第%(row)s行 / %(col)s") % {"row": n, "col": column}] = message

    for n, row in enumerate(it, 2):
        if not any(str(v).strip() for v in row):
            continue
        cell = [str(v).strip() for v in row] + [""] * len(header)
        number, status = cell[at["number"]], cell[at["status"]]
        amount: int | None = None
        if not number:
            bad(n, cols["number"], _("此项为必填项。"))
        if not status:
            bad(n, cols["status"], _("此项为必填项。"))
        if amount_at is not None and cell[amount_at]:
            try:
                amount = yuan_to_fen(cell[amount_at])
            except ValueError:
                bad(n, cols["amount"], _("金额格式不正确。"))
        if errors:
            continue
        yield ResultRow(
            row=n,
            number=number,
            success=status in fmt.success_values,
            message=cell[msg_at][:200] if msg_at is not None else "",
            amount_fen=amount,
        )
    if errors:
        raise ValidationFailed(
            _("回执文件有错误，未导入任何结果，请修改后重新上传。"),
            fields=errors,
        )
