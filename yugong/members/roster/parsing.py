"""Parsing roster rows (名册导入): the template's columns and what each cell may hold.

Excel rosters arrive in every shape: full-width digits and spaces typed on Chinese IMEs, IDs and
phones stored as numbers (``1.38e10``, ``"13800138000.0"``; an 18-digit ID stored as a number has
lost its last digits and is rejected as such), dates as Excel serials (45123) or as text
(2024-03-01, 2024/3/1, 2024年3月1日), lower-case ``x`` check characters, union codes whose
leading zeros Excel dropped. Each problem becomes (column, Chinese reason) on the row.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from yugong.core.errors import ApplicationError, ValidationFailed
from yugong.core.pii import mask_id_number, mask_name, mask_phone
from yugong.core.timeutil import local_today
from yugong.core.validators import (
    clean_text,
    id_birth_date,
    is_ascii_digits,
    normalize_id_number,
    normalize_phone,
    normalize_uscc,
)

from ..models import Education, EmploymentForm
from ..rules import member_age_problem, member_since_birth_problem, member_since_problem

MAX_ROWS = 100_000
CHUNK = 2_000
MAX_ERRORS_PER_ROW = 8


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # the file format: fixed Chinese headers, the same whatever the UI language
    required: bool = False
    note: str = ""


# The template's columns, in order. Headers are a file-format contract, so they are not translated.
COLUMNS: tuple[Column, ...] = (
    Column("name", "姓名", True, "必填。"),
    Column("id_number", "身份证号", True, "必填。18位（末位可为X）或15位旧号码；请把该列设为文本格式。"),
    Column("phone", "手机号", True, "必填。11位大陆手机号。"),
    Column("union_code", "工会编码", True, "必填。会员所在工会的编码，须在本工会范围内。"),
    Column("employment_form", "就业形态", False, "可选，默认“单位职工”。"),
    Column("migrant", "是否农民工", False, "可选，填“是”或“否”，默认“否”。"),
    Column("education", "学历", False, "可选。"),
    Column("occupation", "职业", False, "可选，不超过64字。"),
    Column("employer_uscc", "用人单位统一社会信用代码", False, "可选，须为已登记的用人单位。"),
    Column("member_since", "入会日期", False, "可选，如 2024-03-01，默认导入当天。"),
)
# RowParser.parse unpacks the cells in this order.
assert [c.key for c in COLUMNS] == [
    "name",
    "id_number",
    "phone",
    "union_code",
    "employment_form",
    "migrant",
    "education",
    "occupation",
    "employer_uscc",
    "member_since",
]
HEADER_TO_KEY = {c.header: c.key for c in COLUMNS}
KEY_TO_HEADER = {c.key: c.header for c in COLUMNS}
PII_KEYS = {"id_number": mask_id_number, "phone": mask_phone, "name": mask_name}

_YES = {"是", "y", "yes", "true", "1", "√", "✓", "农民工"}
_NO = {"否", "n", "no", "false", "0", "×", "✗", "不是", ""}
_FORM_ALIASES = {
    "职工": "regular",
    "正式职工": "regular",
    "合同制": "regular",
    "在职职工": "regular",
    "快递": "courier",
    "快递小哥": "courier",
    "骑手": "rider",
    "外卖员": "rider",
    "外卖送餐员": "rider",
    "网约车": "ride_hailing",
    "网约车驾驶员": "ride_hailing",
    "货车": "truck_driver",
    "货车驾驶员": "truck_driver",
    "家政": "domestic",
    "家政员": "domestic",
    "灵活": "flexible",
}
_EDU_ALIASES = {
    "小学": "primary",
    "文盲": "primary",
    "初中": "junior",
    "高中": "senior",
    "中专": "senior",
    "技校": "senior",
    "职高": "senior",
    "中职": "senior",
    "专科": "college",
    "高职": "college",
    "大学": "bachelor",
    "大学本科": "bachelor",
    "学士": "bachelor",
    "研究生": "master",
    "硕士": "master",
    "博士": "doctor",
}


def _choice_map(choices: type[Any], aliases: dict[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    with translation.override("zh-hans"):
        for value, label in choices.choices:
            if value:
                out[str(value).lower()] = value
                out[str(label)] = value
    out.update(aliases)
    return out


class RowErrors:
    """The problems of one row: (column key, reason)."""

    __slots__ = ("items",)

    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []

    def add(self, key: str, reason: str) -> None:
        if len(self.items) < MAX_ERRORS_PER_ROW:
            self.items.append((key, reason))

    def __bool__(self) -> bool:
        return bool(self.items)


# --- Cell parsing -----------------------------------------------------------------------------

_SCI_RE = re.compile(r"^\d(\.\d+)?[eE]\+?\d+$", re.ASCII)


def _digits_text(value: Any) -> tuple[str, bool]:
    """Text of a cell meant to hold digits; ``(text, precise)``. Excel stores numbers as doubles:
    ``13800138000`` arrives as ``1.38e10`` or ``13800138000.0``; beyond 15 significant digits the
    tail is lost (an 18-digit ID typed as a number cannot be recovered)."""
    if isinstance(value, bool):
        return str(value), True
    if isinstance(value, int):
        return str(value), len(str(abs(value))) <= 15
    if isinstance(value, float):
        if value.is_integer():
            text = str(int(value))
            return text, len(text) <= 15
        return clean_text(value), True
    text = clean_text(value).replace(" ", "")
    if _SCI_RE.match(text):
        try:
            number = Decimal(text)
        except InvalidOperation:
            return text, True
        digits = text.split("e")[0].split("E")[0].replace(".", "")
        return str(int(number)), len(digits) >= len(str(int(number)))
    if text.endswith(".0") and is_ascii_digits(text[:-2]):
        text = text[:-2]
    return text, True


_EXCEL_EPOCH = dt.date(1899, 12, 30)
_DATE_RES = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$", re.ASCII),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$", re.ASCII),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$", re.ASCII),
)


def parse_date(value: Any) -> dt.date:
    """A date from an Excel cell: a real date, an Excel serial (45123), or text (2024-03-01,
    2024/3/1, 2024.3.1, 2024年3月1日, 20240301). Raises ValueError."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _from_serial(float(value))
    text = clean_text(value).replace(" ", "")
    if re.fullmatch(r"\d{5}(\.\d+)?", text, re.ASCII):
        return _from_serial(float(text))
    text = text.split("T")[0]
    for regex in _DATE_RES:
        m = regex.match(text)
        if m:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    raise ValueError(text)


def _from_serial(serial: float) -> dt.date:
    # The 1900 date system, epoch 1899-12-30 (Excel's phantom 1900-02-29 sits before every serial
    # that can be a membership date, so this is exact from 1900-03-01 on).
    if not 1 <= serial < 2_958_466:
        raise ValueError(serial)
    return _EXCEL_EPOCH + dt.timedelta(days=int(serial))


# --- Parsing one row ------------------------------------------------------------------------


@dataclass(slots=True)
class ParsedRow:
    row: int
    name: str
    id_number: str
    phone: str
    union_code: str
    union_code_numeric: bool
    employment_form: str
    migrant: bool
    education: str
    occupation: str
    employer_uscc: str
    member_since: dt.date | None


# clean_text is a no-op on text without full-width forms, runs of white space, white space other
# than a single space, or a space at either end: the common case, tested with one search.
_NEEDS_CLEAN = re.compile(r"[\u3000\uff01-\uff5e]|\s(?=\s)|[^\S ]|^ | $")
_NAME_CJK_RE = re.compile(r"[\u4e00-\u9fff ]+")
_HAS_DIGIT_RE = re.compile(r"\d")  # any script's digits: a name holds none (refusing, not reading)
CACHE_LIMIT = 4096  # distinct values remembered per repeating column (emptied when full)


def fast_clean(value: Any) -> str:
    """The same text as ``clean_text(value)``, without its work when there is nothing to clean."""
    if value is None:
        return ""
    text = value if type(value) is str else str(value)
    return text if _NEEDS_CLEAN.search(text) is None else clean_text(text)


# What a repeating column's cell parses to: (value, [(column key, reason)]).
Parsed = tuple[Any, tuple[tuple[str, str], ...]]


class RowParser:
    """Parses rows against the header's column positions. Columns whose values repeat from row to
    row (union code, form, migrant, education, occupation, employer, member since, and names) are
    parsed once per distinct cell value: each keeps a bounded cache of (value, problems), keyed by
    the cell's type and value (``1``, ``1.0`` and ``True`` parse differently)."""

    def __init__(self, positions: dict[str, int]) -> None:
        self.positions = positions
        self.forms = _choice_map(EmploymentForm, _FORM_ALIASES)
        self.educations = _choice_map(Education, _EDU_ALIASES)
        self.today = local_today()
        self.slots = [positions.get(c.key) for c in COLUMNS]
        self.required = [
            (i, c.key, _("“%(column)s”为必填项。") % {"column": c.header})
            for i, c in enumerate(COLUMNS)
            if c.required
        ]
        self.caches: dict[str, dict[tuple[type, Any], Parsed]] = {c.key: {} for c in COLUMNS}
        self.parsers: dict[str, Any] = {
            "name": self._name,
            "union_code": self._union_code,
            "employment_form": self._form,
            "migrant": self._migrant,
            "education": self._education,
            "occupation": self._occupation,
            "employer_uscc": self._uscc,
            "member_since": self._since,
        }

    def cell(self, values: tuple[Any, ...], key: str) -> Any:
        pos = self.positions.get(key)
        if pos is None or pos >= len(values):
            return None
        return values[pos]

    def _cached(self, key: str, raw: Any, text: str, errors: RowErrors) -> Any:
        cache = self.caches[key]
        ck = (raw.__class__, raw)
        hit = cache.get(ck)
        if hit is None:
            if len(cache) >= CACHE_LIMIT:
                cache.clear()
            problems: list[tuple[str, str]] = []
            hit = cache[ck] = (self.parsers[key](raw, text, problems), tuple(problems))
        value: Any = hit[0]
        problems_: tuple[tuple[str, str], ...] = hit[1]
        for column, reason in problems_:
            errors.add(column, reason)
        return value

    # --- one column each: (raw cell, its clean text, problems to fill) -> value ---------------

    def _name(self, raw: Any, name: str, problems: list[tuple[str, str]]) -> str:
        if name and _NAME_CJK_RE.fullmatch(name):
            name = name.replace(" ", "")  # 张 三 → 张三 (spaces typed for alignment)
        if name and (len(name) > 64 or _HAS_DIGIT_RE.search(name)):
            problems.append(("name", _("姓名不应包含数字，且不超过64个字。")))
        return name

    def _union_code(self, raw: Any, text: str, problems: list[tuple[str, str]]) -> tuple[str, bool]:
        numeric = isinstance(raw, int | float) and not isinstance(raw, bool)
        return (_digits_text(raw)[0] if raw is not None else "").upper(), numeric

    def _form(self, raw: Any, text: str, problems: list[tuple[str, str]]) -> str:
        if not text:
            return EmploymentForm.REGULAR.value
        form = self.forms.get(text, self.forms.get(text.lower(), ""))
        if not form:
            problems.append(("employment_form", _("就业形态无法识别，请从模板的下拉选项中选择。")))
        return form

    def _migrant(self, raw: Any, text: str, problems: list[tuple[str, str]]) -> bool:
        text = text.lower()
        migrant = text in _YES
        if not migrant and text not in _NO:
            problems.append(("migrant", _("“是否农民工”请填“是”或“否”。")))
        return migrant

    def _education(self, raw: Any, text: str, problems: list[tuple[str, str]]) -> str:
        if not text:
            return ""
        education = self.educations.get(text, self.educations.get(text.lower(), ""))
        if not education:
            problems.append(("education", _("学历无法识别，请从模板的下拉选项中选择。")))
        return education

    def _occupation(self, raw: Any, text: str, problems: list[tuple[str, str]]) -> str:
        if len(text) > 64:
            problems.append(("occupation", _("职业不超过64个字。")))
        return text

    def _uscc(self, raw: Any, text: str, problems: list[tuple[str, str]]) -> str:
        if not text:
            return ""
        try:
            return normalize_uscc(raw)
        except ValidationFailed as exc:
            problems.append(("employer_uscc", _first(exc)))
            return ""

    def _since(self, raw: Any, text: str, problems: list[tuple[str, str]]) -> dt.date | None:
        if not text:
            return None
        try:
            member_since = parse_date(raw)
        except (ValueError, OverflowError):
            problems.append(("member_since", _("入会日期无法识别，请填写如 2024-03-01 的日期。")))
            return None
        problem = member_since_problem(member_since, today=self.today)
        if problem:
            problems.append(("member_since", problem))
            return None  # the row is refused; no second reason against the birth date
        return member_since

    # --- the row ------------------------------------------------------------------------------

    def parse(self, row_no: int, values: tuple[Any, ...], errors: RowErrors) -> ParsedRow:
        n = len(values)
        raws = [values[p] if p is not None and p < n else None for p in self.slots]
        texts = [fast_clean(v) for v in raws]
        for i, key, message in self.required:
            if texts[i] == "":
                errors.add(key, message)
        (
            raw_name,
            raw_id,
            raw_phone,
            raw_code,
            raw_form,
            raw_migrant,
            raw_edu,
            raw_occ,
            raw_uscc,
            raw_since,
        ) = raws
        cached = self._cached
        name = cached("name", raw_name, texts[0], errors)

        id_number = ""
        birth: dt.date | None = None
        if texts[1]:
            text, precise = _digits_text(raw_id)
            if not precise:
                errors.add(
                    "id_number",
                    _("身份证号被存成了数字，后几位已丢失；请把该列设为文本格式后重新填写。"),
                )
            else:
                try:
                    id_number = normalize_id_number(text)
                except ValidationFailed as exc:
                    errors.add("id_number", _first(exc))
                else:
                    birth = id_birth_date(id_number)
                    too_young = member_age_problem(birth, on=self.today)
                    if too_young:
                        errors.add("id_number", too_young)

        phone = ""
        if texts[2]:
            text, _precise = _digits_text(raw_phone)
            try:
                phone = normalize_phone(text)
            except ValidationFailed as exc:
                errors.add("phone", _first(exc))

        union_code, union_code_numeric = cached("union_code", raw_code, texts[3], errors)
        employment_form = cached("employment_form", raw_form, texts[4], errors)
        migrant = cached("migrant", raw_migrant, texts[5], errors)
        education = cached("education", raw_edu, texts[6], errors)
        occupation = cached("occupation", raw_occ, texts[7], errors)
        employer_uscc = cached("employer_uscc", raw_uscc, texts[8], errors)
        member_since = cached("member_since", raw_since, texts[9], errors)
        if member_since is not None and birth is not None:
            implausible = member_since_birth_problem(member_since, birth=birth)
            if implausible:
                errors.add("member_since", implausible)
        return ParsedRow(
            row=row_no,
            name=name,
            id_number=id_number,
            phone=phone,
            union_code=union_code,
            union_code_numeric=union_code_numeric,
            employment_form=employment_form,
            migrant=migrant,
            education=education,
            occupation=occupation,
            employer_uscc=employer_uscc,
            member_since=member_since,
        )


def _first(exc: ApplicationError) -> str:
    for messages in exc.fields.values():
        if messages:
            return str(messages[0])
    return str(exc.message)


# --- Reading the workbook (roster/sheet.py opens it) ---------------------------------------


class FileRejected(ApplicationError):
    """The file as a whole cannot be imported (not an .xlsx, headers missing, too many rows)."""


def chunked(it: Iterable[Any], size: int) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for item in it:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
