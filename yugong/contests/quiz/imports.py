"""Question banks from Excel (.xlsx): every row validated, all or nothing.

Columns (first row is the header, names as below; order free): 题型, 题干, 选项A … 选项F, 答案,
分类, 解析. 题型: 单选 / 多选 / 判断 (or 单选题…). 答案: letters for choice questions ("A",
"ACD", also "A,C,D"); 正确/错误 (对/错, √/×, T/F) for true/false. Any error names the row and the
column in Chinese; nothing is written unless every row is right.
"""

from __future__ import annotations

import io
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from yugong.accounts.models import User
from yugong.core.audit import audit_record
from yugong.core.errors import ValidationFailed
from yugong.core.validators import clean_text
from yugong.orgs.access import MANAGE_ROLES, require_role
from yugong.orgs.models import Union

from ..models import Question, QuestionBank

MAX_ROWS = 5000
OPTION_COLS = [f"选项{ch}" for ch in "ABCDEF"]
KINDS = {
    "单选": Question.Kind.SINGLE,
    "单选题": Question.Kind.SINGLE,
    "多选": Question.Kind.MULTIPLE,
    "多选题": Question.Kind.MULTIPLE,
    "判断": Question.Kind.TRUE_FALSE,
    "判断题": Question.Kind.TRUE_FALSE,
}
TRUE_WORDS = {"正确", "对", "是", "√", "T", "TRUE", "A"}
FALSE_WORDS = {"错误", "错", "否", "×", "F", "FALSE", "B"}
REQUIRED = ("题型", "题干", "答案")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return clean_text(str(value)).replace("\x00", "").strip()


def parse_rows(rows: list[tuple[Any, ...]]) -> tuple[list[Question], dict[str, list[str]]]:
    """Questions (unsaved, without bank) and errors keyed "第N行 / 列名"."""
    errors: dict[str, list[str]] = {}
    if not rows:
        return [], {_("文件"): [_("文件是空的。")]}
    header = [_text(h) for h in rows[0]]
    cols = {name: i for i, name in enumerate(header) if name}
    missing = [c for c in REQUIRED if c not in cols]
    if missing:
        return [], {_("表头"): [_("缺少列：%(c)s。") % {"c": "、".join(missing)}]}
    if len(rows) - 1 > MAX_ROWS:
        return [], {_("文件"): [_("一次最多导入 %(n)s 道题。") % {"n": MAX_ROWS}]}

    def cell(row: tuple[Any, ...], name: str) -> str:
        i = cols.get(name)
        return _text(row[i]) if i is not None and i < len(row) else ""

    out: list[Question] = []
    seen: dict[str, int] = {}
    for n, row in enumerate(rows[1:], start=2):
        if not any(_text(v) for v in row):
            continue

        def err(col: str, msg: str, n: int = n) -> None:
            errors.setdefault(f"第{n}行 / {col}", []).append(msg)

        kind = KINDS.get(cell(row, "题型"))
        if kind is None:
            err("题型", _("应为“单选”“多选”或“判断”。"))
        stem = cell(row, "题干")
        if not stem:
            err("题干", _("题干不能为空。"))
        elif len(stem) > 2000:
            err("题干", _("题干不能超过 2000 字。"))
        elif stem in seen:
            err("题干", _("与第 %(m)s 行重复。") % {"m": seen[stem]})
        else:
            seen[stem] = n
        options = [cell(row, c) for c in OPTION_COLS]
        while options and not options[-1]:
            options.pop()
        raw = cell(row, "答案").upper().replace(",", "").replace("，", "").replace(" ", "").replace("、", "")
        answer = ""
        if kind == Question.Kind.TRUE_FALSE:
            options = [_("正确"), _("错误")]
            if raw in TRUE_WORDS or cell(row, "答案") in TRUE_WORDS:
                answer = "A"
            elif raw in FALSE_WORDS or cell(row, "答案") in FALSE_WORDS:
                answer = "B"
            else:
                err("答案", _("判断题答案应为“正确”或“错误”。"))
        elif kind is not None:
            if len(options) < 2:
                err("选项A", _("选择题至少需要两个选项。"))
            elif any(not o for o in options):
                err(OPTION_COLS[options.index("")], _("选项不能跳空。"))
            letters = sorted(set(raw))
            valid = "ABCDEF"[: len(options)]
            if not raw:
                err("答案", _("答案不能为空。"))
            elif any(ch not in valid for ch in letters):
                err("答案", _("答案只能是 %(v)s 中的字母。") % {"v": "、".join(valid) or "A"})
            elif kind == Question.Kind.SINGLE and len(letters) != 1:
                err("答案", _("单选题只能有一个答案。"))
            elif kind == Question.Kind.MULTIPLE and len(letters) < 2:
                err("答案", _("多选题至少有两个正确选项。"))
            answer = "".join(letters)
        category = cell(row, "分类")[:40]
        explanation = cell(row, "解析")[:2000]
        if kind is not None:
            out.append(
                Question(
                    kind=kind,
                    stem=stem,
                    options=options,
                    answer=answer,
                    category=category,
                    explanation=explanation,
                    position=n - 1,
                )
            )
    if not out and not errors:
        errors[_("文件")] = [_("没有找到任何试题。")]
    return out, errors


def read_xlsx(data: bytes) -> list[tuple[Any, ...]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - any unreadable upload is the same user error
        raise ValidationFailed(
            fields={"file": _("无法读取该文件，请上传 .xlsx 格式的 Excel 文件。")}
        ) from None
    ws = wb.active
    rows = [tuple(r) for _i, r in zip(range(MAX_ROWS + 2), ws.iter_rows(values_only=True), strict=False)]
    wb.close()
    return rows


@transaction.atomic
def question_bank_import(
    *, actor: User, union: Union, name: str, data: bytes, bank: QuestionBank | None = None
) -> QuestionBank:
    """A new bank (or more questions for ``bank``) from an .xlsx upload."""
    require_role(actor, union if bank is None else bank.union, MANAGE_ROLES)
    name = _text(name)[:120]
    if bank is None and not name:
        raise ValidationFailed(fields={"name": _("请填写题库名称。")})
    if bank is not None and bank.contests.exclude(status="draft").exists():
        raise ValidationFailed(fields={"bank": _("题库已被发布的竞赛使用，不能再修改。")})
    questions, errors = parse_rows(read_xlsx(data))
    if errors:
        raise ValidationFailed(message=_("导入失败：表格中有错误，未导入任何试题。"), fields=errors)
    if bank is None:
        bank = QuestionBank.objects.create(
            name=name, union=union, created_by=actor if getattr(actor, "pk", None) else None
        )
    for q in questions:
        q.bank = bank
    Question.objects.bulk_create(questions, batch_size=500)
    audit_record(
        actor=actor,
        action="contest.bank_import",
        obj=bank,
        union_id=bank.union_id,
        extra={"rows": len(questions)},
    )
    return bank


def template_xlsx() -> bytes:
    """An empty template with the header row and one example of each kind."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "题库"
    ws.append(["题型", "题干", *OPTION_COLS, "答案", "分类", "解析"])
    ws.append(
        [
            "单选",
            "发现有人触电，首先应当？",
            "切断电源",
            "直接用手拉开",
            "泼水",
            "",
            "",
            "",
            "A",
            "安全用电",
            "",
        ]
    )
    ws.append(
        [
            "多选",
            "进入有限空间作业前应当？",
            "通风",
            "检测气体",
            "办理审批",
            "单人进入",
            "",
            "",
            "ABC",
            "有限空间",
            "",
        ]
    )
    ws.append(["判断", "安全帽可以代替安全带使用。", "", "", "", "", "", "", "错误", "个体防护", ""])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
