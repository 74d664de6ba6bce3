"""Statement and reconciliation exports: .xlsx (openpyxl, write-only) and PDF (reportlab with the
CJK font from yugong.core.pdf)."""

from __future__ import annotations

import io
from typing import Any

from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _

from yugong.core.money import format_fen
from yugong.core.pdf import cjk_font_name

from .models import Statement
from .services.settlement import Reconciliation

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
KIND_LABELS = {"payment": "支付", "refund": "退款", "pass_entry": "年票入园", "payout": "付款"}


def _statement_rows(statement: Statement) -> tuple[list[str], list[list[Any]], list[list[Any]]]:
    head = [_("凭证号"), _("类型"), _("时间"), _("订单/摘要"), _("交易额"), _("佣金"), _("应付商户")]
    rows = [
        [
            line["entry"],
            KIND_LABELS.get(line["kind"], line["kind"]),
            line["at"],
            line["ref"],
            format_fen(line["gross"], symbol=False),
            format_fen(line["commission"], symbol=False),
            format_fen(line["payable"], symbol=False),
        ]
        for line in statement.lines
    ]
    summary: list[list[Any]] = [
        [_("商户"), statement.merchant.name],
        [_("结算期间"), f"{statement.period_start} — {statement.period_end}"],
        [_("销售额"), format_fen(statement.gross_fen)],
        [_("退款"), format_fen(statement.refunds_fen)],
        [_("佣金"), format_fen(statement.commission_fen)],
        [_("年票入园结算"), format_fen(statement.entries_fen)],
        [_("应付商户"), format_fen(statement.net_fen)],
        [_("银行账号"), statement.merchant.bank_account_masked],
    ]
    return head, rows, summary


def _xlsx(sheets: list[tuple[str, list[list[Any]]]]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    for title, rows in sheets:
        ws = wb.create_sheet(title=title[:31])
        for row in rows:
            ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _pdf(title: str, blocks: list[list[list[Any]]]) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = cjk_font_name()
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=landscape(A4), title=title)
    story: list[Any] = [
        Paragraph(title, ParagraphStyle("t", fontName=font, fontSize=16, leading=22)),
        Spacer(1, 8),
    ]
    for rows in blocks:
        if not rows:
            continue
        table = Table([[str(c) for c in row] for row in rows], repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("FONTNAME", (0, 0), (-1, -1), font),
                    ("FONTSIZE", (0, 0), (-1, -1), 9),
                    ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ]
            )
        )
        story += [table, Spacer(1, 10)]
    doc.build(story)
    return out.getvalue()


def _response(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
    return response


def statement_bytes(statement: Statement, fmt: str) -> bytes:
    head, rows, summary = _statement_rows(statement)
    if fmt == "xlsx":
        return _xlsx([(_("汇总"), summary), (_("明细"), [head, *rows])])
    return _pdf(_("商户结算单"), [summary, [head, *rows]])


def statement_response(statement: Statement, fmt: str) -> HttpResponse:
    if fmt not in ("xlsx", "pdf"):
        raise Http404
    name = f"statement-{statement.merchant_id}-{statement.period_start}-{statement.period_end}.{fmt}"
    return _response(statement_bytes(statement, fmt), name, XLSX if fmt == "xlsx" else "application/pdf")


def reconciliation_bytes(report: Reconciliation, fmt: str) -> bytes:
    summary: list[list[Any]] = [
        [_("期间"), f"{report.start} — {report.end}"],
        [_("订单数"), report.orders],
        [_("支付净额"), format_fen(report.payments_fen)],
        [_("账簿净额"), format_fen(report.ledger_fen)],
        [_("总账试算"), format_fen(report.trial_balance)],
        [_("差异条数"), len(report.differences)],
    ]
    head = [_("差异类型"), _("对象"), _("应为"), _("实为"), _("差额"), _("说明")]
    rows = [
        [
            d.kind,
            d.ref,
            format_fen(d.expected, symbol=False),
            format_fen(d.actual, symbol=False),
            format_fen(d.delta, symbol=False),
            d.note,
        ]
        for d in report.differences
    ]
    if fmt == "xlsx":
        return _xlsx([(_("汇总"), summary), (_("差异"), [head, *rows])])
    return _pdf(_("对账报告"), [summary, [head, *rows]])


def reconciliation_response(report: Reconciliation, fmt: str) -> HttpResponse:
    if fmt not in ("xlsx", "pdf"):
        raise Http404
    return _response(
        reconciliation_bytes(report, fmt),
        f"reconciliation-{report.start}-{report.end}.{fmt}",
        XLSX if fmt == "xlsx" else "application/pdf",
    )
