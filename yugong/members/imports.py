"""Roster import (名册导入) of .xlsx files of up to 100,000 rows.

How it runs (``roster_import_run``, from a background task):

* **Pass 1 — validate everything, write nothing.** The sheet is streamed by our own reader
  (:mod:`.import_xlsx`, standard library) in chunks of ``CHUNK`` rows. Each row is parsed and
  checked (ID check character, phone, dates, choices, union code inside the uploader's subtree,
  employer, duplicates inside the file and against existing members). Rejected rows go to
  :class:`RosterImportError` chunk by chunk; rows that passed are spooled to a temporary file as
  JSON lines. What stays in memory is the compact duplicate map (one int → int per row) and the set
  of rejected row numbers — never a list of row dicts.
* **Pass 2 — write.** ``all_or_nothing`` (the default) writes only when pass 1 found no error, and
  then in ONE transaction; ``skip_invalid`` writes the rows that passed. The spool is read back chunk
  by chunk; each chunk is a ``bulk_create`` of ``Person`` (encryption happens in ``get_prep_value``,
  the blind indexes in ``pre_save``, both of which ``bulk_create`` calls) and of active
  ``Membership`` rows with member numbers from one block taken beforehand.
* **Progress** goes to the cache (the row cannot be updated from outside the big transaction on
  the same connection); the final counters go to the row, with one audit row and the facts.

A person who is already an active member of the union the row names is *skipped*, not an error:
re-importing a roster changes nothing. A person who is a member elsewhere, or has an application
pending, is an error (a transfer or the approvals inbox is the way).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import IO, Any

from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _

from yugong.core.audit import audit_record
from yugong.core.errors import ValidationFailed
from yugong.core.facts import fact_record
from yugong.core.pii import blind_index
from yugong.core.timeutil import local_today, now
from yugong.core.validators import clean_text, id_birth_date, id_sex
from yugong.orgs.models import Employer, Union

from .bulk import RowWriter, reserve_ids
from .import_models import RosterImport, RosterImportError
from .import_parsing import (
    CHUNK,
    KEY_TO_HEADER,
    MAX_ROWS,
    PII_KEYS,
    FileRejected,
    ParsedRow,
    RowErrors,
    RowParser,
    chunked,
    open_rows,
)
from .models import (
    PERSON_SEARCH_KEYS,
    MemberNumberBlock,
    MemberNumbersExhausted,
    Membership,
    Person,
    member_numbers_reserve,
    membership_keys_of,
)

# Kinds of union a member can belong to directly (members of district federations and industry
# unions are members of one of their grassroots unions or federations).
MEMBER_UNION_KINDS = frozenset({"grassroots", "joint", "branch", "federation"})
PROGRESS_TTL = 6 * 3600


# --- Look-ups shared by both passes -----------------------------------------------------------


class Lookups:
    """Caches of union codes and employers (bounded by the number of distinct codes in the file)."""

    def __init__(self, scope_path: str) -> None:
        self.scope_path = scope_path
        self.unions: dict[str, tuple[int, str, str, str] | None] = {}
        self.employers: dict[str, tuple[int, str] | None] = {}

    def load_unions(self, codes: set[str], numeric: set[str]) -> None:
        wanted = [c for c in codes if c and c not in self.unions]
        for code in wanted:
            self.unions[code] = None
        for pk, code, path, kind, status in Union.objects.filter(code__in=wanted).values_list(
            "pk", "code", "path", "kind", "status"
        ):
            self.unions[code] = (pk, path, kind, status)
        # Codes with leading zeros typed into a number cell arrive as 123 for "000123".
        for code in numeric:
            if self.unions.get(code) is None and code.isdigit():
                hit = (
                    Union.objects.filter(code__regex=rf"^0+{code}$")
                    .values_list("pk", "path", "kind", "status")
                    .first()
                )
                if hit:
                    self.unions[code] = hit

    def load_employers(self, usccs: set[str]) -> None:
        wanted = [u for u in usccs if u and u not in self.employers]
        for uscc in wanted:
            self.employers[uscc] = None
        for pk, uscc, name in Employer.objects.filter(uscc__in=wanted).values_list("pk", "uscc", "name"):
            self.employers[uscc] = (pk, name)

    def union_error(self, code: str) -> str | None:
        hit = self.unions.get(code)
        if hit is None or not hit[1].startswith(self.scope_path):
            # Missing and outside the subtree read the same (the access rule: never confirm
            # that another part of the tree has a union with this code).
            return _("工会编码“%(code)s”不存在，或不在本工会范围内。") % {"code": code}
        if hit[3] != "active":
            return _("工会“%(code)s”已撤销或合并，不能接收会员。") % {"code": code}
        if hit[2] not in MEMBER_UNION_KINDS:
            return _("会员须加入基层工会、联合基层工会、分工会或工会联合会，不能直接加入“%(code)s”。") % {
                "code": code
            }
        return None


def existing_people(indexes: Iterable[str]) -> dict[str, tuple[int, list[tuple[int, str]]]]:
    """Blind indexes of ID numbers → (person id, [(union id, status) of current or pending
    memberships]): one query for the people of a whole chunk and one for their memberships."""
    wanted = [i for i in indexes if i]
    if not wanted:
        return {}
    if connection.vendor == "postgresql":  # one array parameter instead of 2,000 placeholders
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id, id_number_index FROM members_person WHERE id_number_index = ANY(%s)", [wanted]
            )
            people = dict(cursor.fetchall())
    else:
        people = dict(Person.objects.filter(id_number_index__in=wanted).values_list("pk", "id_number_index"))
    out: dict[str, tuple[int, list[tuple[int, str]]]] = {idx: (pk, []) for pk, idx in people.items()}
    if people:
        for person_id, union_id, status in Membership.objects.filter(
            person_id__in=list(people), status__in=["active", "suspended", "pending"]
        ).values_list("person_id", "union_id", "status"):
            out[people[person_id]][1].append((union_id, status))
    return out


def membership_problem(union_id: int, memberships: list[tuple[int, str]]) -> str | None:
    """None: can join; "skip": already a current member of this very union; else the reason."""
    for m_union, status in memberships:
        if status in ("active", "suspended"):
            if m_union == union_id:
                return "skip"
            return _("该职工已是其他工会的会员，不能重复入会；如需转会请办理转会。")
    if memberships:
        return _("该职工有待审核的入会申请，请先在审批中处理。")
    return None


# --- The run ----------------------------------------------------------------------------------


def progress_key(import_id: int) -> str:
    return f"members:roster-import:{import_id}:progress"


def progress_get(ri: RosterImport) -> dict[str, Any]:
    data = cache.get(progress_key(ri.pk))
    if ri.is_finished or not data:
        return {"percent": 100 if ri.is_finished else ri.progress, "status": ri.status, "done": ri.total}
    return dict(data)


def _progress(ri: RosterImport, percent: int, status: str, done: int) -> None:
    cache.set(progress_key(ri.pk), {"percent": percent, "status": status, "done": done}, PROGRESS_TTL)


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
    reader, positions, _header, rows = open_rows(fileobj)
    parser = RowParser(positions)
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
    if result.total == 0:
        raise FileRejected(_("名册中没有数据行。"), code="empty")
    return result


class RowsChanged(Exception):
    """Members changed between validation and writing (an application approved meanwhile)."""


@dataclass
class WriteStats:
    created: int = 0
    skipped: int = 0
    per_union: Counter[tuple[int, str]] = field(default_factory=Counter)  # (union, employment form)
    migrants: Counter[int] = field(default_factory=Counter)
    late_errors: list[tuple[int, str, Any, str]] = field(default_factory=list)


# (spooled row, existing person: (id, search keys) or None)
Plan = list[tuple[list[Any], "tuple[int, dict[str, Any]] | None"]]


def _spool_chunks(spool: IO[str], invalid_rows: set[int]) -> Iterator[list[list[Any]]]:
    spool.seek(0)
    for chunk in chunked((json.loads(line) for line in spool), CHUNK):
        yield [r for r in chunk if r[0] not in invalid_rows]


def _plan(rows: list[list[Any]], stats: WriteStats, *, strict: bool) -> Plan:
    """Which rows to create (with the existing person, if any); counts skips and late problems.
    Three queries for the chunk: the people by blind index, their memberships, their search keys."""
    people = existing_people(r[12] for r in rows)
    plan: list[tuple[list[Any], int | None]] = []
    for r in rows:
        hit = people.get(r[12])
        if hit is None:
            plan.append((r, None))
            continue
        problem = membership_problem(r[4], hit[1])
        if problem == "skip":
            stats.skipped += 1
        elif problem:
            if strict:
                raise RowsChanged()
            stats.late_errors.append((r[0], "id_number", r[2], problem))
        else:
            plan.append((r, hit[0]))
    known = {pk for _r, pk in plan if pk is not None}
    keys = (
        {
            p.pk: membership_keys_of(p)
            for p in Person.objects.filter(pk__in=known).only("pk", *PERSON_SEARCH_KEYS)
        }
        if known
        else {}
    )
    return [(r, None if pk is None else (pk, keys[pk])) for r, pk in plan]


PERSON_COPY_EXCLUDE = ("user",)
MEMBERSHIP_COPY_EXCLUDE = ("id",)


def _write(
    ri: RosterImport, plan: Plan, numbers: MemberNumberBlock | None, stats: WriteStats, actor: Any
) -> None:
    """One chunk in one transaction (a savepoint inside the all-or-nothing transaction): the new
    people and their memberships, written with COPY on PostgreSQL (bulk_create elsewhere).
    ``numbers`` None: reserve this chunk's block inside the chunk's transaction."""
    moment, today = now(), local_today()
    paths = dict(Union.objects.filter(pk__in={r[4] for r, _w in plan}).values_list("pk", "path"))
    new_people: list[dict[str, Any]] = []
    for r, known in plan:
        if known is None:
            new_people.append(
                {
                    "name": r[1],
                    "id_number": r[2],
                    "id_number_index": r[12],
                    "phone": r[3],
                    "phone_tail": r[3][-4:],
                    "birth_date": id_birth_date(r[2]),
                    "sex": id_sex(r[2]),
                    "employment_form": r[5],
                    "migrant_worker": r[6],
                    "education": r[7],
                    "occupation": r[8],
                    "employer_id": r[9],
                    "employer_name": r[11],
                }
            )
    with transaction.atomic():
        block = numbers if numbers is not None else member_numbers_reserve(count=len(plan))
        if connection.vendor == "postgresql":
            for person, pk in zip(new_people, reserve_ids(Person, len(new_people)), strict=True):
                person["id"] = pk
            RowWriter(Person, exclude=PERSON_COPY_EXCLUDE).write(new_people)
            new_ids = [p["id"] for p in new_people]
        else:
            objs = [Person(**person) for person in new_people]
            Person.objects.bulk_create(objs, batch_size=500)
            new_ids = [o.pk for o in objs]
        fresh = iter(zip(new_ids, new_people, strict=True))
        memberships: list[dict[str, Any]] = []
        note = _("名册导入 #%(id)d 第%(row)d行")  # translated once, not once per row
        for r, known in plan:
            if known is None:
                person_id, person = next(fresh)
                keys = {
                    "person_name": person["name"],
                    "employment_form": person["employment_form"],
                    "migrant_worker": person["migrant_worker"],
                    "employer_name": person["employer_name"],
                }
            else:
                person_id, keys = known
            memberships.append(
                {
                    "person_id": person_id,
                    "union_id": r[4],
                    "status": Membership.Status.ACTIVE,
                    "channel": Membership.Channel.IMPORT,
                    "member_no": block.take(),
                    "applied_at": moment,
                    "decided_at": moment,
                    "decided_by_id": getattr(actor, "pk", None),
                    "member_since": dt.date.fromisoformat(r[10]) if r[10] else today,
                    "started_on": today,
                    "note": note % {"id": ri.pk, "row": r[0]},
                    "union_path": paths[r[4]],
                    **keys,
                }
            )
            stats.per_union[(r[4], keys["employment_form"])] += 1
            if keys["migrant_worker"]:
                stats.migrants[r[4]] += 1
        RowWriter(Membership, exclude=MEMBERSHIP_COPY_EXCLUDE).write(memberships)
    stats.created += len(memberships)


def write_pass(
    ri: RosterImport, spool: IO[str], *, invalid_rows: set[int], to_create: int, actor: Any
) -> WriteStats:
    """Pass 2. ``all_or_nothing``: the caller holds one transaction around this, and one block of
    ``to_create`` numbers (what pass 1 counted) is reserved in it before any write; should more
    rows need creating than pass 1 saw, members changed meanwhile and the import stops
    (RowsChanged). ``skip_invalid``: each chunk is its own transaction with its own block."""
    strict = ri.mode == RosterImport.Mode.ALL_OR_NOTHING
    stats = WriteStats()
    numbers = member_numbers_reserve(count=to_create) if strict else None
    todo = max(to_create if strict else ri.valid, 1)
    done = 0
    for rows in _spool_chunks(spool, invalid_rows):
        plan = _plan(rows, stats, strict=strict)
        try:
            _write(ri, plan, numbers, stats, actor)
        except MemberNumbersExhausted:
            raise RowsChanged() from None
        done += len(rows)
        _progress(ri, 50 + min(49, done * 50 // todo), RosterImport.Status.IMPORTING, done)
    return stats


def sha256_of(fileobj: IO[bytes]) -> str:
    digest = hashlib.sha256()
    for block in iter(lambda: fileobj.read(1 << 20), b""):
        digest.update(block)
    fileobj.seek(0)
    return digest.hexdigest()


def roster_import_run(*, import_id: int) -> RosterImport:
    """Run one import (the background task's body). A claimed or finished import is left alone."""
    claimed = RosterImport.objects.filter(pk=import_id, status=RosterImport.Status.QUEUED).update(
        status=RosterImport.Status.VALIDATING, started_at=now()
    )
    ri = RosterImport.objects.select_related("union", "uploaded_by").get(pk=import_id)
    if not claimed:
        return ri
    _progress(ri, 0, RosterImport.Status.VALIDATING, 0)
    with tempfile.TemporaryFile("w+", encoding="utf-8") as spool:
        try:
            with ri.file.open("rb") as fileobj:
                p1 = validate_pass(ri, fileobj, spool)
        except FileRejected as exc:
            return _finish(ri, status=RosterImport.Status.FAILED, message=str(exc.message))
        invalid_rows = p1.invalid_rows or set()
        ri.total, ri.invalid = p1.total, len(invalid_rows)
        ri.valid = ri.total - ri.invalid
        strict = ri.mode == RosterImport.Mode.ALL_OR_NOTHING
        if strict and invalid_rows:
            return _finish(
                ri,
                status=RosterImport.Status.FAILED,
                message=_("有%(n)d行有误，按“全部有效才导入”的方式，本次没有导入任何数据。")
                % {"n": ri.invalid},
            )
        RosterImport.objects.filter(pk=ri.pk).update(
            status=RosterImport.Status.IMPORTING,
            progress=50,
            total=ri.total,
            valid=ri.valid,
            invalid=ri.invalid,
        )
        ri.status = RosterImport.Status.IMPORTING
        stats = WriteStats()
        try:
            if strict:
                with transaction.atomic():
                    stats = write_pass(
                        ri,
                        spool,
                        invalid_rows=invalid_rows,
                        to_create=ri.valid - p1.skipped,
                        actor=ri.uploaded_by,
                    )
                    _facts(stats)
                    ri.created, ri.skipped = stats.created, stats.skipped
                    _audit(ri, RosterImport.Status.DONE)
            else:
                stats = write_pass(
                    ri, spool, invalid_rows=invalid_rows, to_create=ri.valid, actor=ri.uploaded_by
                )
                with transaction.atomic():
                    _facts(stats)
        except (RowsChanged, IntegrityError):
            ri.created = ri.skipped = 0
            if strict:
                message = _(
                    "导入期间会员数据发生了变化（例如有人同时审批了入会申请），本次没有导入任何数据，请重新上传。"
                )
            else:
                message = _(
                    "导入期间会员数据发生了变化，部分行可能已导入；请重新上传同一文件，已导入的会员会被跳过。"
                )
            return _finish(ri, status=RosterImport.Status.FAILED, message=message)
    late = stats.late_errors
    if late:
        _save_errors(ri, late)
        ri.invalid += len(late)
        ri.valid -= len(late)
    ri.created, ri.skipped = stats.created, stats.skipped
    message = _(
        "导入完成：新增会员%(created)d人，已是本工会会员跳过%(skipped)d人，有误未导入%(invalid)d行。"
    ) % {
        "created": ri.created,
        "skipped": ri.skipped,
        "invalid": ri.invalid,
    }
    return _finish(ri, status=RosterImport.Status.DONE, message=message, audited=strict)


def _facts(stats: WriteStats) -> None:
    # The same shape as the approvals' facts (members.approved by employment form), so the cockpit
    # can add imported members to approved ones.
    for (union_id, form), n in sorted(stats.per_union.items()):
        fact_record(metric="members.imported", union_id=union_id, value=n, dim=form)
    for union_id, n in sorted(stats.migrants.items()):
        fact_record(metric="members.migrant_joined", union_id=union_id, value=n)


def _audit(ri: RosterImport, status: str) -> None:
    audit_record(
        actor=ri.uploaded_by,
        action="roster.import",
        obj=ri,
        union_id=ri.union_id,
        extra={
            "status": status,
            "mode": ri.mode,
            "total": ri.total,
            "valid": ri.valid,
            "invalid": ri.invalid,
            "created": ri.created,
            "skipped": ri.skipped,
            "sha256": ri.sha256,
        },
    )


def _finish(ri: RosterImport, *, status: str, message: str, audited: bool = False) -> RosterImport:
    """Persist the final counters and write the import's one audit row (unless already written in
    the import's own transaction)."""
    ri.status = status
    ri.message = message
    ri.progress = 100
    ri.finished_at = now()
    # The upload holds personal data in clear: it is not kept once read (the error report, the
    # counters and the SHA-256 that makes a second upload of the same file a no-op stay).
    if ri.file:
        if RosterImportError.objects.filter(roster_import=ri).exists():
            from django.core.files import File

            from .exports import build_error_report

            report, _rows = build_error_report(ri, protect=True)
            with report:
                ri.report.save(f"{ri.sha256[:16]}-errors.xlsx", File(report), save=False)
        ri.file.delete(save=False)
    with transaction.atomic():
        ri.save(
            update_fields=[
                "file",
                "report",
                "status",
                "message",
                "progress",
                "finished_at",
                "total",
                "valid",
                "invalid",
                "created",
                "skipped",
            ]
        )
        if not audited:
            _audit(ri, status)
    cache.delete(progress_key(ri.pk))
    return ri


# --- Upload -------------------------------------------------------------------------------------

MAX_UPLOAD_BYTES = 40 * 1024 * 1024  # 100,000 rows of the template take ~8 MB
IMPORT_ROLES = frozenset({"chair", "vice_chair", "staff"})


def roster_import_create(*, actor: Any, union: Union, uploaded: Any, mode: str) -> tuple[RosterImport, bool]:
    """Store the file and queue the import; ``(import, created)``. The same file from the same
    person for the same union returns the earlier import (unless it failed), so uploading twice
    changes nothing."""
    from django.core.files.base import File

    from yugong.orgs.access import require_role

    from .tasks_import import roster_import_task

    require_role(actor, union, IMPORT_ROLES)
    if mode not in RosterImport.Mode.values:
        raise ValidationFailed(fields={"mode": _("请选择导入方式。")})
    name = str(getattr(uploaded, "name", "") or "")
    if not name.lower().endswith(".xlsx"):
        raise ValidationFailed(fields={"file": _("请上传 .xlsx 格式的名册（可下载导入模板）。")})
    size = getattr(uploaded, "size", None)
    if size is not None and size > MAX_UPLOAD_BYTES:
        raise ValidationFailed(fields={"file": _("文件超过40MB，请拆分后分批导入。")})
    digest = sha256_of(uploaded)

    def earlier() -> RosterImport | None:
        return (
            RosterImport.objects.filter(uploaded_by=actor, union=union, sha256=digest)
            .exclude(status=RosterImport.Status.FAILED)
            .first()
        )

    found = earlier()
    if found is not None:
        return found, False
    try:
        with transaction.atomic():
            ri = RosterImport(
                uploaded_by=actor, union=union, sha256=digest, mode=mode, original_name=name[-200:]
            )
            ri.file.save(f"{digest[:16]}.xlsx", File(uploaded), save=False)
            ri.save()
            transaction.on_commit(partial(roster_import_task.delay, ri.pk))
    except IntegrityError:
        found = earlier()  # the same file raced in from a double click
        if found is None:
            raise
        return found, False
    return ri, True
