"""``manage.py seed_city --members N --unions M``: a realistic generated city (yugong.members.citygen).

Defaults are small (2,000 members, 200 unions) for tests and demos; on PostgreSQL it reaches
5,000,000 members and 100,000 unions (COPY). Refuses when unions already exist unless ``--append``
(which adds members — and, with ``--unions``, grassroots unions — to an existing seeded city).
"""

from __future__ import annotations

import contextlib
import random
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from yugong.members import citygen
from yugong.orgs.models import Union


class Command(BaseCommand):
    help = "Generate a realistic city: union tree, employers, members (deterministic with --seed)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--members", type=int, default=2000, help="members to create (default 2000)")
        parser.add_argument("--unions", type=int, default=200, help="union nodes to create (default 200)")
        parser.add_argument(
            "--districts", type=int, default=len(citygen.DISTRICTS), help="districts/counties (max 38)"
        )
        parser.add_argument("--seed", type=int, default=1, help="random seed (same seed, same city)")
        parser.add_argument("--append", action="store_true", help="add to an existing seeded city")
        parser.add_argument(
            "--allow-existing",
            action="store_true",
            help="build the city even though other unions exist (a shared benchmark database)",
        )
        parser.add_argument("--batch", type=int, default=20_000, help="rows per transaction")

    def handle(self, *args: Any, **o: Any) -> None:
        members, unions, seed = o["members"], o["unions"], o["seed"]
        if members < 0 or unions < 0:
            raise CommandError("--members and --unions must not be negative.")
        started = time.perf_counter()

        def log(msg: str) -> None:
            self.stdout.write(f"[{time.perf_counter() - started:7.1f}s] {msg}")

        root = Union.objects.filter(code=citygen.CITY_CODE, parent__isnull=True).first()
        if o["append"]:
            if root is None:
                raise CommandError("--append needs a city made by seed_city (no union with code 'CQ').")
            tree = citygen.load_tree()
            if not tree.holders:
                raise CommandError(
                    "The seeded city has no grassroots unions or federations to add members to."
                )
        else:
            if root is not None or (Union.objects.exists() and not o["allow_existing"]):
                raise CommandError(
                    "The database already holds unions; seed_city only seeds an empty database. "
                    "Use --append to add members to a city seeded earlier, or use a fresh database."
                )
            if unions < 1:
                raise CommandError("--unions must be at least 1 for a new city.")
            tree = citygen.build_tree(
                unions=unions,
                districts=o["districts"],
                rng=random.Random(seed),  # noqa: S311 - synthetic data
                log=log,
            )
        existing = citygen.Person.objects.count()
        defer = connection.vendor == "postgresql" and members >= max(200_000, existing)
        with contextlib.ExitStack() as stack:
            if defer:  # a big load into a smaller table: build the indexes once, at the end
                stack.enter_context(citygen.DeferredIndexes([citygen.Person, citygen.Membership], log))
            rows, seconds = citygen.seed_members(
                tree=tree, count=members, seed=seed, batch=o["batch"], log=log
            )
        citygen.reset_sequences([citygen.Union, citygen.Employer, citygen.Person, citygen.Membership])
        log("analyze…")
        citygen.analyze()
        total = time.perf_counter() - started
        rate = rows / seconds if seconds else 0.0
        self.stdout.write(
            self.style.SUCCESS(
                f"seed_city done on {connection.vendor}: {tree.unions} unions, {tree.employers} employers, "
                f"{rows} members in {total:.1f}s (members {rate:,.0f} rows/s)"
            )
        )
