"""The .xlsx exports of one round: its nominations and its laureates (the honours it awarded),
written row by row (openpyxl write-only: flat memory). Names of persons and ID numbers are masked
unless the page asked for the clear copy and the viewer holds a managing role at the organising
union; the view serves only then and audits the clear copy as a view of personal data."""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from openpyxl import Workbook

from yugong.core.pii import mask_name

from .models import Honour, Nomination


def _book(title: str, header: list[str], rows: Iterable[list[Any]]) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _who(name: str, person: Any, *, clear: bool) -> tuple[str, str]:
    """A person's name and ID number (masked unless ``clear``); a collective's name as it is."""
    if person is None:
        return name, ""
    if clear:
        return name, person.id_number or ""
    return mask_name(name), person.id_number_masked  # the stored masked copy: nothing decrypted


def nominations_xlsx(rows_in: Iterable[Nomination], *, clear: bool) -> bytes:
    header = [
        str(_("序号")),
        str(_("推荐对象")),
        str(_("身份证号")),
        str(_("工作单位")),
        str(_("推荐单位")),
        str(_("当前审核单位")),
        str(_("状态")),
        str(_("推荐时间")),
    ]

    def rows() -> Iterable[list[Any]]:
        for i, n in enumerate(rows_in, 1):
            name, idn = _who(n.nominee, n.person, clear=clear)
            yield [
                i,
                name,
                idn,
                n.work_unit,
                n.union.name,
                n.level_union.name,
                n.get_status_display(),
                localtime(n.created_at).strftime("%Y-%m-%d %H:%M"),
            ]

    return _book(str(_("推荐对象")), header, rows())


def laureates_xlsx(rows_in: Iterable[Honour], *, clear: bool) -> bytes:
    header = [
        str(_("序号")),
        str(_("获得者")),
        str(_("身份证号")),
        str(_("工作单位")),
        str(_("工会")),
        str(_("荣誉名称")),
        str(_("级别")),
        str(_("年度")),
        str(_("授予时间")),
    ]

    def rows() -> Iterable[list[Any]]:
        for i, h in enumerate(rows_in, 1):
            name, idn = _who(h.holder, h.person, clear=clear)
            yield [
                i,
                name,
                idn,
                h.work_unit,
                h.union.name,
                h.kind.name,
                h.kind.get_level_display(),
                h.year,
                localtime(h.awarded_at).strftime("%Y-%m-%d"),
            ]

    return _book(str(_("表彰名单")), header, rows())
