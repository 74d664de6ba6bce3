"""The .xlsx exports (files, a cycle's list with its payments), written row by row (openpyxl
write-only: flat memory). Names and bank cards are masked unless the page asked for the clear
view and the viewer holds a managing role over the whole export's union; a clear export is
audited as a view of personal data by the caller."""

from __future__ import annotations

import io
import tempfile
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any

from django.http import StreamingHttpResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook

from yugong.core.money import format_fen
from yugong.core.pii import mask_account, mask_name
from yugong.funds import bankfiles
from yugong.funds.models import PayoutBatch
from yugong.funds.services import batch_lines_for_file

from .models import Beneficiary, HardshipFile


def _book(title: str, header: list[str], rows: Iterable[list[Any]]) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def files_xlsx(files: Iterable[HardshipFile], *, clear: bool) -> bytes:
    header = [
        str(_("档案编号")),
        str(_("姓名")),
        str(_("工会")),
        str(_("区县")),
        str(_("困难类别")),
        str(_("边缘户")),
        str(_("家庭人口")),
        str(_("家庭月收入（元）")),
        str(_("银行卡号")),
        str(_("状态")),
        str(_("下次复核日期")),
    ]

    def rows() -> Iterable[list[Any]]:
        for f in files:
            yield [
                f.pk,
                f.applicant.name if clear else mask_name(f.applicant.name),
                f.union.name,
                f.district,
                f.get_tier_display(),
                str(_("是")) if f.near_threshold else "",
                f.household_size,
                format_fen(f.monthly_income_fen, symbol=False) if clear else "",
                f.bank_card if clear else mask_account(f.bank_card),
                f.get_status_display(),
                f.review_due_on.isoformat() if f.review_due_on else "",
            ]

    return _book(str(_("困难职工档案")), header, rows())


def cycle_xlsx(rows_in: Iterable[Beneficiary], *, clear: bool) -> bytes:
    header = [
        str(_("序号")),
        str(_("户主")),
        str(_("工会")),
        str(_("困难类别")),
        str(_("在校学生")),
        str(_("金额（元）")),
        str(_("状态")),
        str(_("银行反馈")),
        str(_("签收人")),
    ]

    def rows() -> Iterable[list[Any]]:
        for n, b in enumerate(rows_in, 1):
            line = b.payout_line
            yield [
                n,
                b.household.name if clear else mask_name(b.household.name),
                b.union.name,
                b.get_tier_display(),
                b.students,
                format_fen(b.amount_fen, symbol=False),
                b.get_status_display(),
                line.result_message if line is not None else "",
                b.receipt_signed_by,
            ]

    return _book(str(_("帮扶名单")), header, rows())


def spooled(write: Callable[[IO[bytes]], None], *, chunk: int = 64 * 1024) -> Iterator[bytes]:
    """Chunks of a file that ``write`` produces into a temporary file on disk (an .xlsx written
    row by row): flat memory however large. Nothing is written until the response is read, and the
    file is closed (and gone) when the response is done or dropped half-way."""
    with tempfile.TemporaryFile(suffix=".xlsx") as spool:
        write(spool)
        spool.seek(0)
        while block := spool.read(chunk):
            yield block


def bank_file_response(batch: PayoutBatch, name: str) -> StreamingHttpResponse:
    """The bank file of an exported batch, streamed with flat memory however many lines it has:
    csv as chunks of 500 lines straight from a server-side cursor; xlsx written row by row
    (openpyxl write-only) to a temporary file, then streamed from it."""
    fmt = bankfiles.get_format(batch.bank_format)
    lines = batch_lines_for_file(batch)
    body: Iterator[bytes]
    if fmt.file == "xlsx":
        body = spooled(lambda out: bankfiles.write_xlsx(fmt, lines, out))
    else:
        body = bankfiles.csv_chunks(fmt, lines)
    response = StreamingHttpResponse(body, content_type=fmt.content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt.file}"'
    return response
