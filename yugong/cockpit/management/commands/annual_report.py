"""``manage.py annual_report --year 2023 --union CQ --format json|pdf|docx [--output FILE] [--draft]``:
the 数说工会 report from the node's locked figures (``--draft``: the live roll-up, not locked)."""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from yugong.cockpit import report
from yugong.core.errors import ApplicationError
from yugong.orgs.models import Union


class Command(BaseCommand):
    help = "数说工会: the year's report from locked figures (JSON, PDF or .docx)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--union", required=True, help="the union's code (the root: CQ in the demo)")
        parser.add_argument("--format", choices=["json", "pdf", "docx"], default="json")
        parser.add_argument("--output", default="", help="file to write (PDF/.docx default: stdout)")
        parser.add_argument("--draft", action="store_true", help="live figures when the year is not locked")

    def handle(self, *args: Any, **opts: Any) -> None:
        union = Union.objects.filter(code=opts["union"]).first()
        if union is None:
            raise CommandError(f"no union with code {opts['union']!r}")
        try:
            data = report.build(union, opts["year"], draft=opts["draft"])
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from None
        fmt = opts["format"]
        if fmt == "json":
            out: bytes = json.dumps(data, ensure_ascii=False, indent=2).encode()
        elif fmt == "pdf":
            out = report.to_pdf(data)
        else:
            out = report.to_docx(data)
        if opts["output"]:
            with open(opts["output"], "wb") as fh:
                fh.write(out)
            self.stdout.write(opts["output"])
        elif fmt == "json":
            self.stdout.write(out.decode())
        else:
            sys.stdout.buffer.write(out)
