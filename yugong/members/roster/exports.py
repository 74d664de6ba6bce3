"""Excel out: the roster import template, an import's error report, and the member export.

Everything large is written with openpyxl ``write_only=True`` (rows go straight to a temporary XML
part on disk) into an anonymous temporary file that the response streams and then deletes; rows
come from ``values_list(...).iterator(chunk_size=2000)`` (a server-side cursor on PostgreSQL), so
memory stays flat whether a district exports 3 members or 300,000.

Personal data is masked in exports (ID number 5001**********1234, phone 138****5678, birth year
only) unless the actor asks for full data AND holds a role allowed to see it (chair or staff) over
every exported row — then the export is audited as a view of personal data with its row count.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Iterator
from typing import IO, Any

from cryptography.exceptions import InvalidTag
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.core.audit import audit_record
from yugong.core.errors import NotFound, PermissionDenied
from yugong.core.pii import decrypt, encrypt, mask_id_number, mask_phone
from yugong.orgs.access import access_union, scope_filter, scope_paths
from yugong.orgs.models import Union

from ..models import Education, EmploymentForm, Membership, Sex
from .models import RosterImport, RosterImportError
from .parsing import COLUMNS, KEY_TO_HEADER, FileRejected, parse_date
from .sheet import open_rows
from .xlsx import XlsxReader

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PII_ROLES = frozenset({"chair", "staff"})
EXPORT_CHUNK = 2000


# --- The import template ---------------------------------------------------------------------


def template_workbook() -> bytes:
    """The roster template: the header row (text-formatted ID and phone columns, drop-downs for
    the choices) and a sheet of instructions."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "会员名册"
    ws.append([c.header for c in COLUMNS])
    bold = Font(bold=True)
    required_fill = PatternFill("solid", fgColor="FFF2CC")
    for idx, col in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=1, column=idx)
        cell.font = bold
        if col.required:
            cell.fill = required_fill
        letter = get_column_letter(idx)
        ws.column_dimensions[letter].width = max(12, len(col.header) * 2 + 4)
        if col.key in {"id_number", "phone", "union_code", "employer_uscc"}:
            # Text format: Excel otherwise turns 18-digit IDs into 5.00101E+17 and loses digits.
            for row in range(2, 2002):
                ws.cell(row=row, column=idx).number_format = "@"
    ws.freeze_panes = "A2"
    choices = {
        "employment_form": [str(label) for value, label in EmploymentForm.choices],
        "migrant": ["是", "否"],
        "education": [str(label) for value, label in Education.choices if value],
    }
    for idx, col in enumerate(COLUMNS, start=1):
        if col.key in choices:
            letter = get_column_letter(idx)
            dv = DataValidation(
                type="list", formula1='"' + ",".join(choices[col.key]) + '"', allow_blank=True
            )
            dv.add(f"{letter}2:{letter}100001")
            ws.add_data_validation(dv)

    help_ws = wb.create_sheet("填写说明")
    help_ws.append(["列", "说明"])
    for col in COLUMNS:
        help_ws.append([col.header, col.note])
    help_ws.append([])
    for line in (
        "1. 第一行为表头，请勿修改；从第二行起每行一名职工，最多100000行。",
        "2. 身份证号、手机号请设为“文本”格式，避免Excel把长数字改成科学计数法而丢失末几位。",
        "3. 全角数字和空格会自动转为半角；日期可写作 2024-03-01、2024/3/1 或 2024年3月1日。",
        "4. 就业形态可选：" + "、".join(choices["employment_form"]) + "。",
        "5. 学历可选：" + "、".join(choices["education"]) + "。",
        "6. 默认“全部有效才导入”：任何一行有误则不导入，请按错误报告修改后重新上传；"
        "也可选择“导入有效行，跳过有误行”。",
        "7. 已是本工会会员的职工会被跳过，不会重复导入；同一文件重复上传不会重复导入。",
        "8. 示例：张三，500101199003071234（请填写真实号码），13800138000，工会编码，外卖骑手，是，高中/中专/技校，配送员。",
    ):
        help_ws.append([line])
    help_ws.column_dimensions["A"].width = 28
    help_ws.column_dimensions["B"].width = 70
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# --- An import's error report ----------------------------------------------------------------


def _errors_by_row(ri: RosterImport) -> Iterator[tuple[int, list[str]]]:
    current, reasons = -1, list[str]()
    for row, column, reason in (
        RosterImportError.objects.filter(roster_import=ri)
        .order_by("row", "id")
        .values_list("row", "column", "reason")
        .iterator(chunk_size=EXPORT_CHUNK)
    ):
        if row != current:
            if reasons:
                yield current, reasons
            current, reasons = row, []
        reasons.append(f"{column}：{reason}" if column else reason)
    if reasons:
        yield current, reasons


def build_error_report(roster_import: RosterImport, *, protect: bool = False) -> tuple[IO[bytes], int]:
    """The rejected rows as uploaded (original columns) plus 错误原因 and 行号, read from the upload.
    Built once when the import ends (the upload is deleted then); returns (file, rows).

    ``protect`` (the copy that is kept): EVERY copied cell is stored encrypted (``core.pii.encrypt``)
    — not only name, ID number and phone: an office roster brings its own columns (紧急联系电话,
    出生日期, 家庭住址…) and any of them may be personal. The kept file holds the header, row numbers
    and reasons in clear and nothing else; :func:`error_report` decrypts it into the file it hands
    out."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("错误报告")
    out = tempfile.TemporaryFile()  # noqa: SIM115 - the caller stores or sends it, and closes it
    count = 0
    with roster_import.file.open("rb") as fileobj:
        sheet = open_rows(fileobj)
        src, positions, header, rows = sheet.reader, sheet.positions, sheet.header, sheet.rows
        since = positions.get("member_since")
        try:
            ws.append([_("原行号"), *header, _("错误原因")])
            errors = _errors_by_row(roster_import)
            pending = next(errors, None)
            for row_no, values in _readable(rows):
                while pending is not None and pending[0] < row_no:
                    pending = next(errors, None)
                if pending is None:
                    break
                if pending[0] == row_no:
                    cells = _plain(values) + [None] * (len(header) - len(values))
                    if since is not None:
                        cells[since] = _as_date(cells[since])
                    if protect:  # every copied cell: any column of an office roster may be personal
                        cells = [_sealed(v) for v in cells]
                    ws.append([row_no, *cells, "；".join(pending[1])])
                    count += 1
        finally:
            src.close()
    wb.save(out)
    out.seek(0)
    return out, count


def _sealed(value: Any) -> Any:
    if value is None or value == "":
        return value
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return encrypt(text)


def _readable(rows: Iterator[tuple[int, tuple[Any, ...]]]) -> Iterator[tuple[int, tuple[Any, ...]]]:
    # A file broken part-way was refused with the errors found before the break: the report holds
    # the rows read up to it.
    try:
        yield from rows
    except FileRejected:
        return


def _as_date(value: Any) -> Any:
    # The reader gives dates as Excel serials (45352); show them as the dates the uploader saw
    # (a kept report holds the date as sealed ISO text: a date again too).
    if isinstance(value, str) and len(value) == 10 and value[4] == "-":
        try:
            return parse_date(value)
        except (ValueError, OverflowError):
            return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return parse_date(value)
        except (ValueError, OverflowError):
            return value
    return value


def _revealed(stored: IO[bytes]) -> IO[bytes]:
    """A copy of a kept report with its encrypted cells decrypted (reports kept before encryption
    hold clear values, which pass through)."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("错误报告")
    out = tempfile.TemporaryFile()  # noqa: SIM115 - the caller sends it, and closes it
    since = -1
    with XlsxReader(stored) as reader:
        for row_no, values in reader.rows():
            cells = [_decrypted(v) for v in values]
            if row_no == 1:
                since = (
                    cells.index(KEY_TO_HEADER["member_since"])
                    if KEY_TO_HEADER["member_since"] in cells
                    else -1
                )
            elif 0 <= since < len(cells):
                cells[since] = _as_date(cells[since])
            ws.append(cells)
    wb.save(out)
    out.seek(0)
    return out


def _decrypted(value: Any) -> Any:
    if isinstance(value, str) and value.startswith("v1$"):
        try:
            return decrypt(value)
        except (ValueError, InvalidTag):
            return value
    return value


def error_report(*, actor: User, roster_import: RosterImport) -> tuple[IO[bytes], int]:
    """The error report kept when the import ended, decrypted (or, for an import still holding its
    upload, built from it now). The file holds the personal data the uploader sent for the
    rejected rows, so handing it out is audited like any view of personal data."""
    if roster_import.report:
        with roster_import.report.open("rb") as stored:
            out = _revealed(stored)
        count = RosterImportError.objects.filter(roster_import=roster_import).values("row").distinct().count()
    elif roster_import.file:
        out, count = build_error_report(roster_import)
    else:
        raise NotFound()
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="pii.view",
            obj=roster_import,
            union_id=roster_import.union_id,
            extra={"fields": ["id_number", "name", "phone"], "count": count, "what": "roster.error_report"},
        )
    return out, count


def _plain(values: tuple[Any, ...]) -> list[Any]:
    # Keep what the uploader typed; only strings, numbers and dates can go back into a cell.
    return [
        v if v is None or isinstance(v, str | int | float) or hasattr(v, "isoformat") else str(v)
        for v in values
    ]


# --- The member export -----------------------------------------------------------------------


def export_queryset(
    user: Any,
    *,
    union_id: int | None = None,
    status: str = "",
    q: str = "",
    employment_form: str = "",
    full: bool = False,
) -> tuple[QuerySet[Membership], Union | None]:
    """The memberships to export: the same filters as the member list (yugong.members.selectors),
    scoped by the access layer. ``full`` narrows the scope to the nodes where the actor holds a role
    allowed to see personal data, and refuses when there is none."""
    from ..selectors import search_condition

    roles = PII_ROLES if full else None
    if full and not scope_paths(user, PII_ROLES):
        raise PermissionDenied(_("导出完整身份证号和手机号需要主席或工作人员岗位。"))
    qs = scope_filter(Membership.objects.all(), user, roles=roles)
    union = None
    if union_id is not None:
        union = access_union(user, union_id, roles=roles)
        qs = qs.filter(union__path__startswith=union.path)
    if status == "all":
        pass
    elif status in Membership.Status.values:
        qs = qs.filter(status=status)
    else:
        qs = qs.filter(status__in=Membership.CURRENT)
    if q:
        qs = qs.filter(search_condition(q))
    if employment_form:
        qs = qs.filter(person__employment_form=employment_form)
    return qs.order_by("id"), union


EXPORT_FIELDS = (
    "person__name",
    "person__id_number",
    "person__phone",
    "union__code",
    "person__employment_form",
    "person__migrant_worker",
    "person__education",
    "person__occupation",
    "person__employer__uscc",
    "member_since",
    "member_no",
    "union__name",
    "person__employer__name",
    "person__employer_name",
    "person__sex",
    "person__birth_date",
    "status",
)


def members_export(
    *,
    actor: User,
    union_id: int | None = None,
    status: str = "",
    q: str = "",
    employment_form: str = "",
    full: bool = False,
) -> tuple[IO[bytes], int]:
    """Write the export to a temporary file; ``(file positioned at 0, rows)``. One audit row: the
    export itself, or — with full data — a view of personal data with the row count."""
    from openpyxl import Workbook

    qs, union = export_queryset(
        actor, union_id=union_id, status=status, q=q, employment_form=employment_form, full=full
    )
    forms = {k: str(v) for k, v in EmploymentForm.choices}
    educations = {k: str(v) for k, v in Education.choices}
    sexes = {k: str(v) for k, v in Sex.choices}
    statuses = {k: str(v) for k, v in Membership.Status.choices}
    yes, no = _("是"), _("否")

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("会员"))
    ws.append(
        [
            *(c.header for c in COLUMNS),
            _("会员编号"),
            _("工会名称"),
            _("用人单位"),
            _("性别"),
            _("出生日期") if full else _("出生年份"),
            _("状态"),
        ]
    )
    count = 0
    for (
        name,
        id_number,
        phone,
        code,
        form,
        migrant,
        education,
        occupation,
        uscc,
        since,
        member_no,
        union_name,
        employer,
        employer_name,
        sex,
        birth,
        st,
    ) in qs.values_list(*EXPORT_FIELDS).iterator(chunk_size=EXPORT_CHUNK):
        ws.append(
            [
                name,
                id_number if full else mask_id_number(id_number),
                phone if full else mask_phone(phone),
                code,
                forms.get(form, form),
                yes if migrant else no,
                educations.get(education, ""),
                occupation,
                uscc or "",
                since,
                member_no,
                union_name,
                employer or employer_name,
                sexes.get(sex, ""),
                (birth if full else birth.year) if birth else None,
                statuses.get(st, st),
            ]
        )
        count += 1
    out = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the response, which closes it
    wb.save(out)
    out.seek(0)
    with transaction.atomic():
        extra = {"count": count, "status": status or "current", "q": bool(q), "full": full}
        if full:
            audit_record(
                actor=actor,
                action="pii.view",
                obj=union,
                union_id=union.pk if union else None,
                extra={**extra, "fields": ["id_number", "phone", "birth_date"], "what": "members.export"},
            )
        else:
            audit_record(
                actor=actor,
                action="members.export",
                obj=union,
                union_id=union.pk if union else None,
                extra=extra,
            )
    return out, count
