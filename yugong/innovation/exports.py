"""The 五小 export (.xlsx, openpyxl write-only: flat memory). Proposers' names are masked unless
the view asked for the clear copy (role-limited and audited there)."""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from openpyxl import Workbook

from yugong.core.money import format_fen
from yugong.core.pii import mask_name

from .models import Proposal


def proposals_xlsx(rows_in: Iterable[Proposal], *, clear: bool) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(str(_("五小项目"))[:31])
    sheet.append(
        [
            str(_("编号")),
            str(_("项目名称")),
            str(_("类别")),
            str(_("提出人")),
            str(_("所在工会")),
            str(_("状态")),
            str(_("等级")),
            str(_("年经济效益（元）")),
            str(_("奖励金额（元）")),
            str(_("提交时间")),
        ]
    )
    for p in rows_in:
        row: list[Any] = [
            p.pk,
            p.title,
            p.get_category_display(),
            p.proposer_name if clear else mask_name(p.proposer_name),
            p.union.name,
            p.get_status_display(),
            p.get_grade_display(),
            format_fen(p.benefit_fen, symbol=False),
            format_fen(p.reward_fen, symbol=False),
            localtime(p.created_at).strftime("%Y-%m-%d %H:%M"),
        ]
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
