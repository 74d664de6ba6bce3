"""The .xlsx exports (files, a cycle's list with its payments), written row by row (openpyxl
write-only: flat memory). Names and bank cards are masked unless the page asked for the clear
view and the viewer holds a managing role over the whole export's union; a clear export is
audited as a view of personal data by the caller."""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook

from yugong.core.money import format_fen
from yugong.core.pii import mask_account, mask_name

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
