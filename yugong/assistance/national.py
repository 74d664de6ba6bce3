"""The export for the national system (全国级困难职工帮扶管理系统): one row per household in the
column layout that system's import takes (listed in the README), written row by row to a
temporary file (openpyxl write-only) and streamed, so a district's 3,000 files or a city's
100,000 keep memory flat.

Masked by default: the name as 张*, the ID number and phone as their masked copies (kept on the
person, nothing is decrypted), the bank card by its tail; household income figures and the
reason for closing (which may name an illness) are left blank. The clear copy is for a managing
role over the whole union and is audited by the caller as a view of personal data."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import IO, Any

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import StreamingHttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import override
from openpyxl import Workbook

from yugong.core.money import format_fen
from yugong.core.pii import mask_account, mask_name

from .exports import spooled
from .models import Cause, FileStep, HardshipFile, HouseholdMember

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# The headers, in order (the README says what each holds). Not translated: they are the national
# system's import format, and so is every value (the file is written in Chinese whatever the
# viewer's language).
COLUMNS = (
    "档案编号",
    "姓名",
    "身份证号",
    "性别",
    "联系电话",
    "所在单位",
    "所属工会",
    "所在区县",
    "困难类别",
    "边缘户",
    "致困原因",
    "家庭人口",
    "在校子女数",
    "家庭月总收入(元)",
    "家庭月人均收入(元)",
    "月刚性支出(元)",
    "适用低保标准(元/人·月)",
    "是否农民工",
    "建档时间",
    "上次复核时间",
    "状态",
    "结档时间",
    "结档原因",
    "银行卡号",
)


def national_rows(files: QuerySet[HardshipFile]) -> QuerySet[HardshipFile]:
    """What one row needs, in one query streamed in chunks (no per-row queries): the person and
    union joined, the 建档 time and the children in school as subqueries."""
    activated = FileStep.objects.filter(file=OuterRef("pk"), kind=FileStep.Kind.ACTIVATED).order_by("-at")
    in_school = (
        HouseholdMember.objects.filter(file=OuterRef("pk"), in_school=True)
        .order_by()
        .values("file")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        files.select_related("union", "applicant")
        .annotate(
            activated_at=Subquery(activated.values("at")[:1]),
            students=Coalesce(Subquery(in_school, output_field=IntegerField()), 0),
        )
        .order_by("pk")
    )


def _yuan(fen: int | None) -> str:
    return "" if fen is None else format_fen(fen, symbol=False)


def _row(f: Any, *, clear: bool) -> list[Any]:
    p = f.applicant
    labels = dict(Cause.choices)
    size = f.household_size or 1
    when = getattr(f, "activated_at", None)
    return [
        f"{f.pk:08d}",
        p.name if clear else mask_name(p.name),
        p.id_number if clear else p.id_number_masked,
        p.get_sex_display() if p.sex else "",
        p.phone if clear else p.phone_masked,
        p.employer_name or f.union.name,
        f.union.name,
        f.district,
        f.get_tier_display() if f.tier else "",
        str(_("是")) if f.near_threshold else str(_("否")),
        "、".join(str(labels.get(c, c)) for c in f.causes),
        size,
        f.students,
        _yuan(f.monthly_income_fen) if clear else "",
        _yuan(f.monthly_income_fen // size) if clear else "",
        _yuan(f.monthly_rigid_cost_fen) if clear else "",
        _yuan(f.line_fen),
        str(_("是")) if f.migrant else str(_("否")),
        when.date().isoformat() if when else "",
        f.reviewed_at.date().isoformat() if f.reviewed_at else "",
        f.get_status_display(),
        f.closed_at.date().isoformat() if f.closed_at else "",
        f.close_reason if clear else "",
        f.bank_card if clear else mask_account(f.bank_card),
    ]


def _rows(files: Iterable[Any], *, clear: bool) -> Iterator[list[Any]]:
    for f in files:
        yield _row(f, clear=clear)


def national_response(files: QuerySet[HardshipFile], *, clear: bool, name: str) -> StreamingHttpResponse:
    qs = national_rows(files)

    def write(out: IO[bytes]) -> None:
        book = Workbook(write_only=True)
        with override("zh-hans"):
            sheet = book.create_sheet("困难职工档案")
            sheet.append(list(COLUMNS))
            for row in _rows(qs.iterator(chunk_size=2000), clear=clear):
                sheet.append(row)
        book.save(out)

    response = StreamingHttpResponse(spooled(write), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
