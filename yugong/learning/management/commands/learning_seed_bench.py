"""Bulk data for the learning benchmarks (``bench/scenarios/learning.py``): lifelong learning
accounts with a realistic credit ledger, and a pool of signed-in learners watching a video lesson.

    manage.py learning_seed_bench --accounts 5000000 --learners 20000

* ``--accounts N``: tops the database up to N learning accounts. Each new account gets a new
  ``Person`` (a generated name and mobile number, encrypted and blind-indexed with the running
  ``FIELD_ENCRYPTION_KEY`` like the model would), 0–20 ledger rows (3.1 on average) spread over the
  sources with each source's validity — about a third of the course and contest rows have expired
  — the balance buckets those rows add up to (``CreditBalance``, as ``bank._credit`` keeps them),
  and for one account in twenty an outcome waiting for review. Rows go in with PostgreSQL ``COPY``
  (``members.bulk.RowWriter``; one prepared INSERT per batch on SQLite); a big load into smaller
  tables drops and rebuilds the secondary indexes and foreign keys once (``citygen.DeferredIndexes``).
* ``--learners M``: users ``bench_learner_00000``… (no usable password) linked to M of those
  persons spread evenly over the accounts, each enrolled on one of the ten video lessons of the
  course 基准视频课程 with a progress row and a playing session. Their tokens are issued by the
  benchmark setup on every run.

Both are idempotent: only what is missing is added, so a re-run tops up and an interrupted run can
be repeated (a batch is one transaction).
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import itertools
import json
import random
import time
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from psycopg.types.json import Jsonb

from yugong.accounts.models import User
from yugong.core.pii import BlindIndexField, EncryptedTextField, blind_index, encrypt, mask_phone
from yugong.core.timeutil import local_today, now
from yugong.learning.models import (
    NEVER_EXPIRES,
    ConversionRule,
    Course,
    CreditBalance,
    CreditEntry,
    Enrollment,
    LearningAccount,
    Lesson,
    LessonProgress,
    Outcome,
    PlaybackSession,
    Provider,
    Unit,
)
from yugong.members import citygen
from yugong.members.bulk import RowWriter, reserve_ids
from yugong.members.models import MaskedCopyField, Person
from yugong.orgs.models import Union

LEARNER_PREFIX = "bench_learner_"
COURSE_TITLE = "基准视频课程"
VIDEO_LESSONS = 10
LESSON_SECONDS = 1800

# source -> (weight, credit choices, validity in days or None)
SOURCES: dict[str, tuple[int, tuple[str, ...], int | None]] = {
    "course": (62, ("0.5", "1.0", "1.5", "2.0", "3.0"), 365 * 3),
    "contest_certificate": (14, ("1.0", "2.0", "3.0", "5.0"), 365 * 2),
    "skills_certificate": (9, ("4.0", "8.0", "10.0"), None),
    "innovation": (5, ("2.0", "4.0"), 365 * 5),
    "honour": (10, ("3.0", "5.0"), None),
}
# entries per account: (count, weight) — mean ≈ 3.1
ENTRY_COUNTS = ((0, 18), (1, 20), (2, 18), (3, 13), (4, 10), (5, 7), (6, 5), (8, 4), (12, 3), (20, 2))
HISTORY_DAYS = 365 * 6  # ledger rows spread over six years: the older course rows have expired


class Command(BaseCommand):
    help = "Bulk-load learning accounts, a credit ledger and a learner pool for the benchmarks."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--accounts", type=int, default=0, help="top up to this many accounts")
        parser.add_argument("--learners", type=int, default=0, help="top the learner pool up to this")
        parser.add_argument("--batch", type=int, default=50_000, help="accounts per transaction")
        parser.add_argument("--seed", type=int, default=17)

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["accounts"] < 0 or opts["learners"] < 0:
            raise CommandError("--accounts and --learners must not be negative.")
        self.started = time.perf_counter()
        union = _bench_union()
        for source, (_w, _c, days) in SOURCES.items():
            ConversionRule.objects.get_or_create(source=source, defaults={"validity_days": days})
        have = LearningAccount.objects.count()
        if opts["accounts"] > have:
            self._accounts(opts["accounts"] - have, union, opts["batch"], opts["seed"])
        else:
            self.log(f"accounts: {have} already (asked {opts['accounts']})")
        if opts["learners"]:
            self._learners(opts["learners"], union)

    def log(self, msg: str) -> None:
        self.stdout.write(f"[{time.perf_counter() - self.started:7.1f}s] {msg}")

    # --- accounts and their ledger ---------------------------------------------------------------

    def _accounts(self, n: int, union: Union, batch: int, seed: int) -> None:
        pg = connection.vendor == "postgresql"
        tables = [Person, LearningAccount, CreditEntry, CreditBalance, Outcome]
        existing = LearningAccount.objects.count()
        defer = pg and n >= max(200_000, existing)
        if pg:
            with connection.cursor() as cursor:
                cursor.execute("SET synchronous_commit = off")  # this session only; a re-run tops up
        writers = {
            "person": _Writer(Person, ["id", "name", "phone", "phone_index", "phone_tail", "phone_masked"]),
            "account": _Writer(LearningAccount, ["id", "person_id", "opened_at"]),
            "entry": _Writer(
                CreditEntry, ["account_id", "source", "evidence", "credits", "expires_on", "created_at"]
            ),
            "balance": _Writer(CreditBalance, ["account_id", "source", "expires_on", "credits", "entries"]),
            "outcome": _Writer(
                Outcome,
                [
                    "account_id",
                    "source",
                    "source_ref",
                    "title",
                    "evidence",
                    "credits_claimed",
                    "union_id",
                    "status",
                ],
            ),
        }
        counts: dict[str, int] = defaultdict(int)
        started = time.perf_counter()
        deferred = citygen.DeferredIndexes(tables, self.log) if defer else None
        if deferred:
            deferred.__enter__()
        try:
            done = 0
            while done < n:
                size = min(batch, n - done)
                rows = _account_rows(
                    size=size,
                    person_ids=_ids(Person, size),
                    account_ids=_ids(LearningAccount, size),
                    union_id=union.pk,
                    rng=random.Random(seed * 1_000_003 + existing + done),  # noqa: S311 - synthetic
                )
                with transaction.atomic():
                    for name, writer in writers.items():
                        counts[name] += writer.write(rows[name])
                done += size
                rate = done / max(time.perf_counter() - started, 1e-9)
                self.log(f"accounts: {done}/{n} ({rate:,.0f}/s), ledger rows {counts['entry']}")
        finally:
            if deferred:
                deferred.__exit__(None, None, None)
        if not pg:
            return
        for model in tables:
            table = connection.ops.quote_name(model._meta.db_table)
            with connection.cursor() as cursor:
                sql = f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}"  # noqa: S608
                cursor.execute(sql)
                self.log(f"vacuum analyze {table}…")
                # VACUUM sets the visibility map: index-only scans, as on a table autovacuum keeps up
                cursor.execute(f"VACUUM ANALYZE {table}")
        self.log(
            f"accounts: {n} added ({existing + n} in total), ledger rows {counts['entry']}, "
            f"balance buckets {counts['balance']}, outcomes waiting {counts['outcome']}"
        )

    # --- the learner pool ------------------------------------------------------------------------

    def _learners(self, n: int, union: Union) -> None:
        lessons = _bench_lessons(union)
        have = User.objects.filter(username__startswith=LEARNER_PREFIX).count()
        if have < n:
            writer = RowWriter(User, exclude=("id",))
            with transaction.atomic():
                writer.write(
                    {
                        "username": f"{LEARNER_PREFIX}{j:05d}",
                        "password": "!bench",  # unusable: these users only hold API tokens
                        "is_active": True,
                        "display_name": "基准学员",
                    }
                    for j in range(have, n)
                )
            self.log(f"learners: {n - have} users added")
        users = list(
            User.objects.filter(username__startswith=LEARNER_PREFIX)
            .order_by("username")
            .values_list("pk", flat=True)[:n]
        )
        linked = set(Person.objects.filter(user_id__in=users).values_list("user_id", flat=True))
        unlinked = [u for u in users if u not in linked]
        if unlinked:
            total = LearningAccount.objects.count()
            if total < len(users):
                raise CommandError("fewer accounts than learners: seed --accounts first")
            step = max(1, total // len(users))
            free = _persons_spread(step=step, limit=len(unlinked))
            if len(free) < len(unlinked):
                raise CommandError("not enough accounts without a user for the learner pool")
            _link(list(zip(free, unlinked, strict=False)))
            self.log(f"learners: {len(unlinked)} users linked to persons (every {step}th account)")
        people = dict(Person.objects.filter(user_id__in=users).values_list("user_id", "pk"))
        pairs = [(people[u], lessons[j % len(lessons)]) for j, u in enumerate(users)]
        course_id = lessons[0].course_id
        enrolled = set(Enrollment.objects.filter(course_id=course_id).values_list("person_id", flat=True))
        moment = now()
        with transaction.atomic():
            RowWriter(Enrollment, exclude=("id", "completed_at")).write(
                {"course_id": course_id, "person_id": p} for p, _l in pairs if p not in enrolled
            )
            progressing = set(
                LessonProgress.objects.filter(lesson__course_id=course_id).values_list(
                    "person_id", "lesson_id"
                )
            )
            RowWriter(LessonProgress, exclude=("id", "last_beat_at", "completed_at")).write(
                {"lesson_id": lesson.pk, "person_id": p}
                for p, lesson in pairs
                if (p, lesson.pk) not in progressing
            )
            playing = set(
                PlaybackSession.objects.filter(person_id__in=people.values()).values_list(
                    "person_id", flat=True
                )
            )
            RowWriter(PlaybackSession, exclude=("id",)).write(
                {"person_id": p, "session_key": f"bench-{p}", "last_beat_at": moment - dt.timedelta(hours=1)}
                for p, _l in pairs
                if p not in playing
            )
        self.log(f"learners: {len(pairs)} enrolled on {COURSE_TITLE} ({len(lessons)} video lessons)")


def _ids(model: type[Any], count: int) -> list[int]:
    if connection.vendor == "postgresql":
        return reserve_ids(model, count)
    start = (model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    return list(range(start, start + count))


def _account_rows(
    *, size: int, person_ids: list[int], account_ids: list[int], union_id: int, rng: random.Random
) -> dict[str, list[tuple[Any, ...]]]:
    """One batch, as the stored values in the writers' column order: persons (the phone encrypted,
    blind-indexed and masked as the model fields would), accounts, their ledger rows, the balance
    buckets of those rows and the outcomes waiting for review. The buckets are summed exactly as
    ``bank._credit`` adds to them, so ``bank.balance_check`` finds nothing to correct."""
    moment = now()
    today = local_today().isoformat()
    opened = moment - dt.timedelta(days=HISTORY_DAYS + 30)
    counts, count_weights = zip(*ENTRY_COUNTS, strict=True)
    count_cum = list(itertools.accumulate(count_weights))
    sources = list(SOURCES)
    source_cum = list(itertools.accumulate(SOURCES[s][0] for s in sources))
    credit_choices = {s: [Decimal(c) for c in SOURCES[s][1]] for s in sources}
    validity = {s: dt.timedelta(days=SOURCES[s][2] or 0) for s in sources}
    evidence_years = {
        (s, y): {"seed": "bench", "title": f"{SOURCE_TITLES[s]}（{y}）"}
        for s in sources
        for y in range(2015, 2035)
    }
    minutes = 60 * 24 * HISTORY_DAYS
    out: dict[str, list[tuple[Any, ...]]] = {
        k: [] for k in ("person", "account", "entry", "balance", "outcome")
    }
    person_rows, account_rows, entry_rows = out["person"], out["account"], out["entry"]
    balance_rows = out["balance"]
    for person_id, account_id in zip(person_ids, account_ids, strict=True):
        name = rng.choice(citygen.SURNAMES) + rng.choice(citygen.GIVEN) + rng.choice(citygen.GIVEN)
        phone = citygen.phone_for(person_id)
        person_rows.append(
            (person_id, name, encrypt(phone), blind_index("phone", phone), phone[-4:], mask_phone(phone))
        )
        account_rows.append((account_id, person_id, opened))
        buckets: dict[tuple[str, dt.date], list[Any]] = {}
        for _ in range(counts[bisect.bisect_right(count_cum, rng.random() * count_cum[-1])]):
            source = sources[bisect.bisect_right(source_cum, rng.random() * source_cum[-1])]
            created = moment - dt.timedelta(minutes=rng.randrange(minutes))
            expires = (created.date() + validity[source]) if SOURCES[source][2] else None
            credits = rng.choice(credit_choices[source])
            entry_rows.append(
                (account_id, source, evidence_years[source, created.year], credits, expires, created)
            )
            bucket = buckets.setdefault((source, expires or NEVER_EXPIRES), [Decimal(0), 0])
            bucket[0] += credits
            bucket[1] += 1
        for (source, expires_on), (credits, entries) in buckets.items():
            balance_rows.append((account_id, source, expires_on, credits, entries))
        if rng.random() < 0.05:
            out["outcome"].append(
                (
                    account_id,
                    "course",
                    f"bench:{account_id}",
                    "基准课程结业",
                    {"seed": "bench", "on": today},
                    Decimal("1.0"),
                    union_id,
                    Outcome.Status.DEPOSITED.value,
                )
            )
    return out


class _Writer:
    """Rows of a model's table given as tuples of stored values for ``columns``; every other column
    (but ``id``, left to its sequence when not given) gets what the ORM would store for a missing
    value (``members.bulk.RowWriter``'s makers: defaults, ``auto_now`` times, empty encrypted
    fields). PostgreSQL: one text-format ``COPY`` per batch; elsewhere one prepared INSERT run over
    the rows."""

    def __init__(self, model: type[Any], columns: list[str]) -> None:
        self.model = model
        fields = {f.attname: f for f in model._meta.concrete_fields}
        self.given = [fields[c] for c in columns]
        rest = RowWriter(model, exclude=[*columns, "id"])
        self.pg = connection.vendor == "postgresql"
        self.columns = [f.column for f in self.given] + rest.columns
        fixed = [make({}) for make in rest.makers]
        if self.pg:
            self.fixed_text = "".join("\t" + _text(v) for v in fixed)
        else:
            self.fixed = fixed
            pii = (EncryptedTextField, BlindIndexField, MaskedCopyField)
            self.preps = [
                (lambda v: v) if isinstance(f, pii) else functools.partial(_sqlite_value, f)
                for f in self.given
            ]

    def write(self, rows: list[tuple[Any, ...]]) -> int:
        table = connection.ops.quote_name(self.model._meta.db_table)
        cols = ", ".join(connection.ops.quote_name(c) for c in self.columns)
        if not rows:
            return 0
        if self.pg:
            fixed = self.fixed_text
            with (
                connection.cursor() as cursor,
                cursor.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy,
            ):
                for start in range(0, len(rows), 5000):
                    copy.write(
                        "".join(
                            "\t".join(map(_text, row)) + fixed + "\n" for row in rows[start : start + 5000]
                        )
                    )
            return len(rows)
        marks = ", ".join(["%s"] * len(self.columns))
        values = [[prep(v) for prep, v in zip(self.preps, row, strict=True)] + self.fixed for row in rows]
        with connection.cursor() as cursor:
            cursor.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", values)  # noqa: S608
        return len(rows)


def _sqlite_value(field: Any, value: Any) -> Any:
    return field.get_db_prep_save(value, connection)


def _text(value: Any) -> str:
    """A value in COPY's text format (the seeded strings hold no tab, newline or backslash)."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, dt.date):  # datetimes too: ISO 8601 with the offset
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, Jsonb):
        return json.dumps(value.obj, ensure_ascii=False)
    return str(value)


SOURCE_TITLES = {
    "course": "课程结业",
    "contest_certificate": "竞赛证书",
    "skills_certificate": "职业技能等级证书",
    "innovation": "创新成果",
    "honour": "荣誉",
}


def _bench_union() -> Union:
    root = Union.objects.filter(parent__isnull=True, status="active").order_by("id").first()
    if root is not None:
        return root
    from yugong.accounts.system import system_actor
    from yugong.orgs.services import union_create

    return union_create(
        actor=system_actor(), parent=None, name="基准测试市总工会", code="BENCH-ROOT", kind="city"
    )


def _bench_lessons(union: Union) -> list[Lesson]:
    """The course the learner pool watches: ten published video lessons of 30 minutes."""
    course = Course.objects.filter(title=COURSE_TITLE, union=union).first()
    if course is None:
        provider, _c = Provider.objects.get_or_create(
            name="基准课程提供方", union=union, defaults={"kind": Provider.Kind.FEDERATION}
        )
        course = Course.objects.create(
            provider=provider,
            union=union,
            title=COURSE_TITLE,
            credits=Decimal("2.0"),
            status=Course.Status.PUBLISHED,
        )
    unit, _c = Unit.objects.get_or_create(course=course, title="第一单元")
    for j in range(VIDEO_LESSONS - course.lessons.count()):
        Lesson.objects.create(
            unit=unit,
            course=course,
            title=f"基准视频第{j + 1}讲",
            kind=Lesson.Kind.VIDEO,
            duration_seconds=LESSON_SECONDS,
            media_url=f"/media/bench/{j + 1}.mp4",
            media_bytes=180_000_000,
            order=j,
        )
    return list(course.lessons.order_by("pk"))


def _persons_spread(*, step: int, limit: int) -> list[int]:
    """Persons without a user whose accounts are every ``step``-th by id: learners spread over the
    whole table (and the whole ledger), not bunched at one end."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT person_id FROM (SELECT a.person_id, row_number() OVER (ORDER BY a.id) AS n "
            "FROM learning_learningaccount a JOIN members_person p ON p.id = a.person_id "
            "WHERE p.user_id IS NULL) t WHERE n %% %s = 0 LIMIT %s",
            [step, limit],
        )
        return [row[0] for row in cursor.fetchall()]


def _link(pairs: list[tuple[int, int]]) -> None:
    """Person ``p`` gets user ``u`` for each pair, in one statement per 5,000."""
    with transaction.atomic(), connection.cursor() as cursor:
        for start in range(0, len(pairs), 5000):
            chunk = pairs[start : start + 5000]
            cases = " ".join(["WHEN %s THEN %s"] * len(chunk))
            params: list[int] = [v for pair in chunk for v in pair]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"UPDATE members_person SET user_id = CASE id {cases} END WHERE id IN ({marks})",  # noqa: S608
                [*params, *(p for p, _u in chunk)],
            )
