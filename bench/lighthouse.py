"""Lighthouse (npm ``lighthouse``, mobile preset) against yugong served as in production.

``make lighthouse`` (never part of ``make test``): the benchmark's production-style server
(``bench.server``: gunicorn, DEBUG off, WhiteNoise compressed static files, throwaway secrets) on
127.0.0.1 over a throwaway SQLite database with the demo data, then Lighthouse's default (mobile:
Moto G class phone, slow 4G, 4x CPU slowdown) on each page, one after the other, with Debian's
chromium (``CHROME_PATH``, default ``/usr/bin/chromium``; ``--headless=new --no-sandbox``).

Signed-in pages: a session is made for the demo user in the server's own database (``manage.py
shell``), and Lighthouse sends it as a ``Cookie`` header (``--extra-headers``) with every request.

Writes ``bench/results/lighthouse-<UTC time>.json`` (scores per page, how it was run) and each
page's full report next to it (``bench/results/lighthouse/<page>.json``, for the audits behind a
score); prints performance / accessibility / best-practices per page.

Options: ``--pages home,news`` (some pages only), ``--runs 3`` (median of several runs per page).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import server as srv

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
LIGHTHOUSE = Path(os.environ.get("LIGHTHOUSE_BIN") or ROOT / "node_modules" / ".bin" / "lighthouse")
CATEGORIES = ("performance", "accessibility", "best-practices")
RUN_TIMEOUT_S = 300


@dataclass(frozen=True)
class Page:
    key: str
    path: str
    user: str  # demo username whose session is sent ("" = signed out)
    label: str


PAGES = (
    Page("home", "/", "w_demo_worker", "worker home (signed in)"),
    Page("home_out", "/", "", "worker home (signed out)"),
    Page("tab", "/h5/services/", "w_demo_worker", "tab page 服务 (signed in)"),
    Page("tourism", "/tourism/", "", "tourism list (游巴蜀)"),
    Page("product", "/tourism/p/{product}/", "", "a product page"),
    Page("stations", "/stations/", "", "stations list (附近港湾)"),
    Page("rights", "/rights/", "", "rights home (维权)"),
    Page("news", "/news/", "w_demo_worker", "news list (signed in)"),
    Page("pass", "/tourism/pass/", "w_demo_worker", "annual pass page (signed in)"),
    Page("console", "/console/", "city_chair", "console home (city chair)"),
)

# Placeholders in a page's path, filled from the seeded demo data.
PLACEHOLDER_CODE = {
    "product": (
        "from yugong.tourism.models import Product, ReviewStatus\n"
        "print(Product.objects.filter(status=ReviewStatus.APPROVED).order_by('pk').values_list('pk', flat=True)[0])"
    ),
}

SESSION_CODE = """
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.sessions.backends.db import SessionStore
user = get_user_model().objects.get(username={username!r})
s = SessionStore()
s[SESSION_KEY] = str(user.pk)
s[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
s[HASH_SESSION_KEY] = user.get_session_auth_hash()
s.create()
print(settings.SESSION_COOKIE_NAME + "=" + s.session_key)
"""


def log(msg: str) -> None:
    print(f"[lighthouse] {msg}", file=sys.stderr, flush=True)


def session_cookie(env: dict[str, str], username: str) -> str:
    """``name=value`` of a fresh session of ``username`` in the server's database."""
    code = SESSION_CODE.format(username=username)
    proc = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "shell", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=srv.CHILD_TIMEOUT_S,
        check=False,
    )
    line = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
    if proc.returncode != 0 or "=" not in line:
        raise RuntimeError(f"no session for {username}: {proc.stderr[-2000:]}")
    return line


def resolve_path(env: dict[str, str], path: str) -> str:
    """The page's path with its placeholders (``{product}``) filled from the demo data."""
    for name, code in PLACEHOLDER_CODE.items():
        if "{" + name + "}" not in path:
            continue
        proc = subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), "shell", "-c", code],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=srv.CHILD_TIMEOUT_S,
            check=False,
        )
        value = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
        if proc.returncode != 0 or not value:
            raise RuntimeError(f"no {name} for {path}: {proc.stderr[-2000:]}")
        path = path.replace("{" + name + "}", value)
    return path


def run_lighthouse(url: str, cookie: str, out: Path, chrome: str) -> dict[str, Any]:
    """One Lighthouse run (mobile preset, the default); its report (LHR) as a dict."""
    cmd = [
        str(LIGHTHOUSE),
        url,
        "--output=json",
        f"--output-path={out}",
        f"--only-categories={','.join(CATEGORIES)}",
        "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
        "--quiet",
    ]
    if cookie:
        cmd.append("--extra-headers=" + json.dumps({"Cookie": cookie}))
    env = {**os.environ, "CHROME_PATH": chrome}
    proc = subprocess.run(
        cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT_S, check=False
    )
    if proc.returncode != 0 or not out.exists():
        raise RuntimeError(f"lighthouse failed on {url}:\n{proc.stderr[-3000:]}")
    return dict(json.loads(out.read_text()))


def scores(lhr: dict[str, Any]) -> dict[str, int | None]:
    out: dict[str, int | None] = {}
    for key in CATEGORIES:
        score = lhr.get("categories", {}).get(key, {}).get("score")
        out[key] = None if score is None else round(score * 100)
    return out


def failing_audits(lhr: dict[str, Any], limit: int = 12) -> list[str]:
    """The audits that cost points (scored below 0.9), as "category: title", for the summary."""
    audits = lhr.get("audits", {})
    found: list[str] = []
    for key in CATEGORIES:
        for ref in lhr.get("categories", {}).get(key, {}).get("auditRefs", []):
            audit = audits.get(ref["id"], {})
            score = audit.get("score")
            if ref.get("weight", 0) > 0 and score is not None and score < 0.9:
                found.append(f"{key}: {audit.get('title', ref['id'])}")
    return found[:limit]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="make lighthouse", description=__doc__.split("\n\n")[0])
    p.add_argument("--pages", default="", help="comma-separated page keys: " + ",".join(x.key for x in PAGES))
    p.add_argument("--runs", type=int, default=1, help="runs per page; the median score is kept")
    p.add_argument("--chrome", default=os.environ.get("CHROME_PATH", "/usr/bin/chromium"))
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    wanted = {k for k in args.pages.split(",") if k}
    pages = [p for p in PAGES if not wanted or p.key in wanted]
    if not LIGHTHOUSE.exists():
        log(f"{LIGHTHOUSE} is missing: run `make setup` (npm ci installs the devDependencies)")
        return 2
    if not Path(args.chrome).exists():
        log(f"no chromium at {args.chrome} (apt-get install chromium, or set CHROME_PATH)")
        return 2
    started = dt.datetime.now(dt.UTC)
    reports = RESULTS / "lighthouse"
    reports.mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, Any]] = []
    with srv.temp_var_dir() as var_dir:
        backends = srv.pick_backends(var_dir, force_sqlite=True)
        env = srv.child_env(backends, var_dir)
        static = srv.prepare(env)
        t = time.monotonic()
        srv.manage(env, "seed_demo", "--force")
        log(f"demo data seeded in {time.monotonic() - t:.0f}s; static files: {static}")
        cookies = {u: session_cookie(env, u) for u in {p.user for p in pages if p.user}}
        paths = {p.key: resolve_path(env, p.path) for p in pages}
        # /media/ as a deployment's front server serves it (the pictures of the measured pages)
        site = {**env, "DJANGO_SETTINGS_MODULE": "bench.lighthouse_settings"}
        server = srv.start_gunicorn(site, srv.GunicornConfig(workers=2, threads=4), var_dir)
        log(f"serving on {server.base_url}")
        try:
            for page in pages:
                runs = []
                for n in range(max(1, args.runs)):
                    out = reports / f"{page.key}-{n + 1}.json"
                    lhr = run_lighthouse(
                        server.base_url + paths[page.key], cookies.get(page.user, ""), out, args.chrome
                    )
                    if lhr.get("runtimeError"):
                        raise RuntimeError(f"{paths[page.key]}: {lhr['runtimeError']}")
                    final = lhr.get("finalDisplayedUrl") or lhr.get("finalUrl") or ""
                    if not final.endswith(paths[page.key]):
                        raise RuntimeError(f"{paths[page.key]} ended on {final} (not signed in?)")
                    runs.append((scores(lhr), failing_audits(lhr), out))
                    shutil.copyfile(out, reports / f"{page.key}.json")
                merged = {key: statistics.median_low([r[0][key] or 0 for r in runs]) for key in CATEGORIES}
                rows.append(
                    {
                        "page": page.key,
                        "path": paths[page.key],
                        "label": page.label,
                        "scores": merged,
                        "runs": [r[0] for r in runs],
                        "costing_points": runs[-1][1],
                        "report": str(reports.relative_to(ROOT) / f"{page.key}.json"),
                    }
                )
                log(f"{paths[page.key]}: {merged}")
        finally:
            srv.stop(server)
    doc = {
        "started_at": started.isoformat(timespec="seconds"),
        "how": (
            f"npm lighthouse 12 ({LIGHTHOUSE.name}), default mobile preset, "
            f"only {', '.join(CATEGORIES)}; CHROME_PATH={args.chrome} --headless=new --no-sandbox; "
            "gunicorn gthread 2x4, DEBUG=0, WhiteNoise compressed static files, /media/ served as a "
            "front server would (bench/lighthouse_urls.py), SQLite demo data; "
            "signed-in pages get the demo user's session as a Cookie header"
        ),
        "loadavg": list(os.getloadavg()),
        "pages": rows,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"lighthouse-{started.strftime('%Y%m%dT%H%M%SZ')}.json"
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"{'page':<10} {'performance':>11} {'accessibility':>13} {'best-practices':>14}  path")
    for row in rows:
        s = row["scores"]
        print(
            f"{row['page']:<10} {s['performance']:>11} {s['accessibility']:>13} {s['best-practices']:>14}  {row['path']}"
        )
        for problem in row["costing_points"]:
            print(f"{'':<10} - {problem}")
    print(f"written to {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
