"""Bulk data for the rights benchmarks: appeals spread over the union tree (COPY on PostgreSQL,
bulk_create elsewhere) and a synthetic policy library.

    manage.py rights_seed_bench --appeals 1000000 --policies 10000

Appeals: 88 % closed (no running clock), 8 % open and on time, 4 % overdue — the queue has a
realistic few percent to find among a million. On PostgreSQL the rows are anonymous (no caller name
or phone): the benchmark harness gives every run a fresh throwaway FIELD_ENCRYPTION_KEY, so data
encrypted by one run could not be read by the next one reusing the database. Rows are appended.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from yugong.core.pii import blind_index, encrypt
from yugong.core.timeutil import now
from yugong.orgs import tree
from yugong.orgs.models import Union
from yugong.rights.models import Appeal, Category, Policy, PolicySection
from yugong.rights.search import fts_rebuild, index_tokens

COLUMNS = (
    "number channel category complexity anonymous caller_name caller_phone caller_phone_index employer_name "
    "district industry subject facts demand status union_id due_at due_kind warn_at outcome amount_recovered_fen "
    "concluded_at closed_at rating rating_comment reopen_count created_at updated_at"
).split()


class Command(BaseCommand):
    help = "Bulk-load appeals and policies for the rights benchmarks."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--appeals", type=int, default=0)
        parser.add_argument("--policies", type=int, default=0)
        parser.add_argument("--seed", type=int, default=12351)

    def handle(self, *args: Any, **opts: Any) -> None:
        rng = random.Random(opts["seed"])  # noqa: S311 - synthetic data, not secrets
        if opts["appeals"]:
            self._appeals(rng, min(opts["appeals"], 5_000_000))
        if opts["policies"]:
            self._policies(rng, min(opts["policies"], 200_000))

    def _appeals(self, rng: random.Random, n: int) -> None:
        root = Union.objects.filter(parent__isnull=True, status="active").order_by("id").first()
        if root is None:
            raise CommandError("no union tree: run seed_demo or seed_city first")
        unions = list(
            Union.objects.filter(tree.in_subtrees(root.path, path_field="path"), status="active")
            .order_by("id")
            .values_list("id", "district")
        )
        phones = [f"139{i:08d}" for i in range(5000)]
        sealed = [(encrypt(p), blind_index("phone", p), p) for p in phones]
        name = encrypt("测试职工")
        start = Appeal.objects.count()
        at = now()
        categories = Category.values

        def row(i: int) -> list[Any]:
            union_id, district = unions[rng.randrange(len(unions))]
            phone, index, plain = sealed[rng.randrange(len(sealed))]
            created = at - dt.timedelta(minutes=rng.randrange(60 * 24 * 720))
            roll = rng.random()
            due = warn = concluded = closed = None
            status, kind, rating = "closed", "", "satisfied"
            if roll < 0.04:
                status, kind, rating = "handling", "conclude", ""
                due = at - dt.timedelta(minutes=rng.randrange(1, 60 * 24 * 30))
                warn = due - dt.timedelta(hours=16)
            elif roll < 0.12:
                status, kind, rating = "pending", "accept", ""
                due = at + dt.timedelta(minutes=rng.randrange(1, 60 * 24 * 10))
                warn = due - dt.timedelta(hours=4)
            else:
                concluded = created + dt.timedelta(days=5)
                closed = concluded + dt.timedelta(days=1)
            return [
                f"B{start + i:09d}",
                "hotline",
                categories[i % len(categories)],
                "general",
                False,
                name,
                phone,
                index,
                "基准测试单位",
                district or "",
                "",
                "基准诉求",
                "基准测试数据",
                "",
                status,
                union_id,
                due,
                kind,
                warn,
                "",
                0,
                concluded,
                closed,
                rating,
                "",
                0,
                created,
                created,
                plain,
            ]

        by_index = {index: plain for _c, index, plain in sealed}
        at_name, at_phone, at_index, at_anon = (
            COLUMNS.index(c) for c in ("caller_name", "caller_phone", "caller_phone_index", "anonymous")
        )

        def anonymous(values: list[Any]) -> list[Any]:
            values[at_name] = values[at_phone] = values[at_index] = ""
            values[at_anon] = True
            return values

        def row_plain(values: dict[str, Any]) -> str:
            return by_index[values["caller_phone_index"]]

        batch = 50_000
        with transaction.atomic():
            if connection.vendor == "postgresql":
                raw = connection.cursor().cursor
                for offset in range(0, n, batch):
                    with raw.copy(f"COPY rights_appeal ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                        for i in range(offset, min(n, offset + batch)):
                            copy.write_row(anonymous(row(i)[:-1]))
                    self.stdout.write(f"  {min(n, offset + batch)} / {n}")
            else:
                for offset in range(0, n, batch):
                    objs = []
                    for i in range(offset, min(n, offset + batch)):
                        values = dict(zip(COLUMNS, row(i)[:-1], strict=True))
                        # the ORM encrypts and indexes itself: give it the plaintext
                        values.update(caller_phone=row_plain(values), caller_name="测试职工")
                        objs.append(Appeal(**values))
                    Appeal.objects.bulk_create(objs, batch_size=2000)
        if connection.vendor == "postgresql":
            # VACUUM (outside the transaction) sets the visibility map: the queue counts are then
            # index-only scans, as on a live table that autovacuum keeps up.
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE rights_appeal")
        self.stdout.write(f"rights: {n} appeals added ({start + n} in total)")

    def _policies(self, rng: random.Random, n: int) -> None:
        from yugong.rights.demo import POLICIES

        paragraphs = [body for *_rest, sections in POLICIES for _h, body in sections]
        titles = [p[0] for p in POLICIES]
        issuers = sorted({p[1] for p in POLICIES})
        have = Policy.objects.count()
        batch = 1000
        for offset in range(0, n, batch):
            policies, bodies = [], []
            for i in range(offset, min(n, offset + batch)):
                parts = rng.sample(paragraphs, 3)
                title = f"{rng.choice(titles)}实施细则（第{have + i}号）"
                text = "\n".join([title, *parts])
                policies.append(
                    Policy(
                        title=title,
                        issuer=rng.choice(issuers),
                        doc_number=f"基准〔2025〕{have + i}号",
                        effective_on=dt.date(2015, 1, 1) + dt.timedelta(days=rng.randrange(3650)),
                        search_text=index_tokens(text),
                    )
                )
                bodies.append(parts)
            with transaction.atomic():
                made = Policy.objects.bulk_create(policies)
                PolicySection.objects.bulk_create(
                    PolicySection(policy=p, seq=j + 1, heading=f"第{j + 1}条", body=b)
                    for p, parts in zip(made, bodies, strict=True)
                    for j, b in enumerate(parts)
                )
            self.stdout.write(f"  {min(n, offset + batch)} / {n} policies")
        fts_rebuild(Policy)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE rights_policy")
        self.stdout.write(f"rights: {n} policies added")
