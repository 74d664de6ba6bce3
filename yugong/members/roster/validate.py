"""Pass 1 of the roster import: validate every row, write no member."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import IO, Any

from django.utils.translation import gettext as _

from yugong.core.pii import blind_index
from yugong.core.validators import clean_text

from .lookups import Lookups, existing_people, membership_problem
from .models import RosterImport, RosterImportError
from .parsing import (
    CHUNK,
    KEY_TO_HEADER,
    MAX_ROWS,
    PII_KEYS,
    FileRejected,
    ParsedRow,
    RowErrors,
    RowParser,
    chunked,
)
from .progress import _progress
from .sheet import open_rows


def _id_key(id_number: str) -> int:
    # 17 digits decide the 18th: a compact int key for the duplicate map (~100 bytes a row).
    return int(id_number[:17])


@dataclass
class Pass1Result:
    total: int = 0
    invalid_rows: set[int] | None = None
    skipped: int = 0


def _save_errors(ri: RosterImport, batch: list[tuple[int, str, Any, str]]) -> None:
    if not batch:
        return
    RosterImportError.objects.bulk_create(
        [
            RosterImportError(
                roster_import=ri,
                row=row,
                column=KEY_TO_HEADER.get(key, key),
                value=_masked(key, value),
                reason=reason[:300],
            )
            for row, key, value, reason in batch
        ],
        batch_size=1000,
    )


def _masked(key: str, value: Any) -> str:
    text = clean_text(value)[:64] if value is not None else ""
    mask = PII_KEYS.get(key)
    return mask(text) if mask else text


def validate_pass(ri: RosterImport, fileobj: IO[bytes], spool: IO[str]) -> Pass1Result:
    """Pass 1. Spool rows that passed (JSON lines) and save the errors; write no members."""
    sheet = open_rows(fileobj)
    reader, rows = sheet.reader, sheet.rows
    ri.layout = sheet.layout.as_json()  # what was recognised; the footer count is final below
    parser = RowParser(sheet.positions)
    lookups = Lookups(ri.union.path)
    seen: dict[int, int] = {}  # ID key → first row number
    flagged_first: set[int] = set()
    result = Pass1Result(invalid_rows=set())
    invalid = result.invalid_rows
    assert invalid is not None
    try:
        for chunk in chunked(rows, CHUNK):
            if result.total + len(chunk) > MAX_ROWS:
                raise FileRejected(
                    _("名册超过%(max)d行，请拆分后分批导入。") % {"max": MAX_ROWS}, code="too_many_rows"
                )
            result.total += len(chunk)
            parsed: list[tuple[ParsedRow, RowErrors, tuple[Any, ...]]] = []
            for row_no, values in chunk:
                errs = RowErrors()
                parsed.append((parser.parse(row_no, values, errs), errs, values))
            lookups.load_unions(
                {p.union_code for p, _e, _v in parsed},
                {p.union_code for p, _e, _v in parsed if p.union_code_numeric},
            )
            lookups.load_employers({p.employer_uscc for p, _e, _v in parsed})
            id_indexes = {p.row: blind_index("id_number", p.id_number) for p, _e, _v in parsed}
            people = existing_people(id_indexes.values())
            error_batch: list[tuple[int, str, Any, str]] = []
            for p, errs, values in parsed:
                union_id = None
                if p.union_code:
                    reason = lookups.union_error(p.union_code)
                    if reason:
                        errs.add("union_code", reason)
                    else:
                        hit = lookups.unions[p.union_code]
                        assert hit is not None
                        union_id = hit[0]
                employer = lookups.employers.get(p.employer_uscc) if p.employer_uscc else None
                if p.employer_uscc and employer is None:
                    errs.add(
                        "employer_uscc",
                        _("系统中没有统一社会信用代码为“%(uscc)s”的用人单位，请先登记用人单位或留空。")
                        % {"uscc": p.employer_uscc},
                    )
                skip = False
                if p.id_number:
                    key = _id_key(p.id_number)
                    first = seen.get(key)
                    if first is not None:
                        errs.add("id_number", _("身份证号与第%(row)d行重复。") % {"row": first})
                        if first not in flagged_first:
                            flagged_first.add(first)
                            invalid.add(first)
                            error_batch.append(
                                (
                                    first,
                                    "id_number",
                                    p.id_number,
                                    _("身份证号与第%(row)d行重复。") % {"row": p.row},
                                )
                            )
                    else:
                        seen[key] = p.row
                    hit_person = people.get(id_indexes[p.row])
                    if hit_person is not None and union_id is not None:
                        problem = membership_problem(union_id, hit_person[1])
                        if problem == "skip":
                            skip = True
                        elif problem:
                            errs.add("id_number", problem)
                if errs:
                    invalid.add(p.row)
                    for key_, reason in errs.items:
                        error_batch.append((p.row, key_, parser.cell(values, key_), reason))
                    continue
                if skip:
                    result.skipped += 1
                # The spooled row: [0] row number, [1] name, [2] ID number, [3] phone, [4] union id,
                # [5] employment form, [6] migrant, [7] education, [8] occupation, [9] employer id,
                # [10] member since, [11] employer name, [12] blind index of the ID number.
                spool.write(
                    json.dumps(
                        [
                            p.row,
                            p.name,
                            p.id_number,
                            p.phone,
                            union_id,
                            p.employment_form,
                            p.migrant,
                            p.education,
                            p.occupation,
                            employer[0] if employer else None,
                            p.member_since.isoformat() if p.member_since else None,
                            employer[1] if employer else "",
                            id_indexes[p.row],
                        ],
                        ensure_ascii=False,
                    )
                    + "\n"
                )
            _save_errors(ri, error_batch)
            # how far into the sheet's XML we are: no counting pass over the file beforehand
            _progress(
                ri, min(49, int(reader.fraction_read * 50)), RosterImport.Status.VALIDATING, result.total
            )
    finally:
        reader.close()
        ri.layout = sheet.layout.as_json()
    if result.total == 0:
        raise FileRejected(_("名册中没有数据行。"), code="empty")
    return result
