"""Start yugong "as in production" for a benchmark run, and always stop it again.

gunicorn serving ``yugong.wsgi`` on 127.0.0.1 (a free port in 8300-8399), DEBUG off, throwaway
secrets in the child's environment only, PostgreSQL + Redis when available (a separate database,
``yugong_bench``, never the test or development one), else SQLite in a temporary directory.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
PORT_RANGE = range(8300, 8400)
PROBE_PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
PROBE_REDIS_URL = "redis://127.0.0.1:6379/0"
BENCH_DB_NAME = "yugong_bench"
BENCH_REDIS_DB = 13  # tests use 15; keep benchmark keys apart
CHILD_TIMEOUT_S = 600


def log(msg: str) -> None:
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


@dataclass
class Backends:
    database_url: str
    redis_url: str | None
    database: str  # "postgresql" | "sqlite"
    note: str = ""


def _pg_ok(url: str) -> bool:
    try:
        import psycopg

        psycopg.connect(url, connect_timeout=2).close()
        return True
    except Exception:  # noqa: BLE001 - any failure means "not available"
        return False


def _redis_ok(url: str) -> bool:
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
        return True
    except Exception:  # noqa: BLE001
        return False


def _with_dbname(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _ensure_pg_database(server_url: str, name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(server_url, connect_timeout=5, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            log(f"creating database {name}")
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def pick_backends(var_dir: Path, *, force_sqlite: bool = False) -> Backends:
    """PostgreSQL + Redis when configured or reachable on 127.0.0.1, else SQLite + local memory.

    A PostgreSQL ``DATABASE_URL`` from the environment is used on the same server but with the
    database ``yugong_bench`` (created if missing), so benchmark rows never land in real data; set
    ``BENCH_DATABASE_URL`` to name the exact database instead."""
    sqlite = f"sqlite:///{var_dir / 'bench.sqlite3'}"
    redis_url: str | None = None
    env_redis = os.environ.get("REDIS_URL")
    if env_redis and _redis_ok(env_redis):
        redis_url = env_redis
    elif _redis_ok(PROBE_REDIS_URL):
        redis_url = f"redis://127.0.0.1:6379/{BENCH_REDIS_DB}"
    if force_sqlite:
        return Backends(sqlite, redis_url, "sqlite", "SQLite forced by --sqlite")
    exact = os.environ.get("BENCH_DATABASE_URL")
    if exact:
        if exact.startswith("postgres"):
            return Backends(exact, redis_url, "postgresql", "BENCH_DATABASE_URL")
        return Backends(exact, redis_url, "sqlite", "BENCH_DATABASE_URL")
    server = os.environ.get("DATABASE_URL") or ""
    if server and not server.startswith("postgres"):
        return Backends(sqlite, redis_url, "sqlite", "DATABASE_URL is not PostgreSQL")
    server = server or PROBE_PG_URL
    if _pg_ok(server):
        try:
            _ensure_pg_database(server, BENCH_DB_NAME)
            return Backends(_with_dbname(server, BENCH_DB_NAME), redis_url, "postgresql")
        except Exception as exc:  # noqa: BLE001
            log(f"could not prepare database {BENCH_DB_NAME} ({exc}); falling back to SQLite")
    return Backends(sqlite, redis_url, "sqlite", "PostgreSQL not reachable")


def bench_field_key() -> str:
    """The personal-data key of the benchmark databases. Unlike SECRET_KEY it must stay the same
    from run to run: rows seeded (encrypted) in one run are read in the next. Taken from
    BENCH_FIELD_ENCRYPTION_KEY (e.g. the key a big `seed_city` ran with), else generated once into
    var/ (git-ignored)."""
    explicit = os.environ.get("BENCH_FIELD_ENCRYPTION_KEY")
    if explicit:
        return explicit
    path = ROOT / "var" / "bench-field-encryption-key.txt"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
    return path.read_text().strip()


def child_env(backends: Backends, var_dir: Path) -> dict[str, str]:
    """The environment of gunicorn and of every Django subprocess: production-like, throwaway secrets."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"YUGONG_TESTING", "DATABASE_URL", "REDIS_URL", "TEST_DATABASE_NAME", "CELERY_BROKER_URL"}
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "yugong.settings",
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(48),
            "FIELD_ENCRYPTION_KEY": bench_field_key(),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "0",
            "BENCH_ENDPOINTS": "1",
            "PAYMENT_GATEWAY": "off",  # DEBUG is off: the simulator would be refused (funds.E001)
            "YUGONG_VAR_DIR": str(var_dir),
            "DATABASE_URL": backends.database_url,
            "CACHE_KEY_PREFIX": "ygbench",
            "LOG_LEVEL": os.environ.get("BENCH_LOG_LEVEL", "WARNING"),
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONPATH": str(ROOT),
        }
    )
    if backends.redis_url:
        env["REDIS_URL"] = backends.redis_url
    return env


def manage(env: dict[str, str], *args: str, quiet: bool = True) -> None:
    cmd = [sys.executable, str(ROOT / "manage.py"), *args]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=CHILD_TIMEOUT_S)
    if proc.returncode != 0:
        raise RuntimeError(
            f"manage.py {' '.join(args)} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
        )
    if not quiet and proc.stdout.strip():
        log(proc.stdout.strip())


def _newest_mtime(paths: list[Path]) -> float:
    newest = 0.0
    for base in paths:
        if not base.exists():
            continue
        for p in base.rglob("*"):
            if p.is_file():
                newest = max(newest, p.stat().st_mtime)
    return newest


def collectstatic_needed() -> bool:
    """DEBUG off serves static files through whitenoise's manifest storage, which needs the manifest
    in STATIC_ROOT (``staticfiles/``, git-ignored). Collect only when it is missing or older than any
    static source file of the project."""
    manifest = ROOT / "staticfiles" / "staticfiles.json"
    if not manifest.exists():
        return True
    sources = [p for p in (ROOT / "yugong").rglob("static") if p.is_dir()]
    return _newest_mtime(sources) > manifest.stat().st_mtime


def prepare(env: dict[str, str]) -> str:
    """migrate, and collectstatic when needed; returns the state of static files ("ok"/"collected"/
    "failed: ...").

    A failed collectstatic is reported, not fatal: JSON endpoints do not need static files, while
    pages using ``{% static %}`` will answer 500 with DEBUG off until it is fixed."""
    t = time.monotonic()
    manage(env, "migrate", "--noinput")
    log(f"migrate done in {time.monotonic() - t:.1f}s")
    if not collectstatic_needed():
        return "ok"
    # A failure is remembered (bench/results/, git-ignored) and not retried until a static source
    # file changes, so every run does not pay for it again.
    failed_marker = ROOT / "bench" / "results" / ".collectstatic-failed"
    sources = [p for p in (ROOT / "yugong").rglob("static") if p.is_dir()]
    if failed_marker.exists() and failed_marker.stat().st_mtime >= _newest_mtime(sources):
        reason = failed_marker.read_text().strip()
        log(f"WARNING collectstatic failed before ({reason}); not retried until static files change")
        return f"failed: {reason}"
    t = time.monotonic()
    try:
        manage(env, "collectstatic", "--noinput")
    except RuntimeError as exc:
        lines = [ln.strip() for ln in reversed(str(exc).splitlines())]
        reason = next((ln for ln in lines if "Error:" in ln), "") or next(
            (ln for ln in lines if "could not" in ln), "see output"
        )
        reason = re.sub(r" with <[^>]*>\.?", "", reason)[:300]
        log(f"WARNING collectstatic failed ({reason}); pages using static files will fail with DEBUG off")
        failed_marker.parent.mkdir(parents=True, exist_ok=True)
        failed_marker.write_text(reason + "\n")
        return f"failed: {reason}"
    failed_marker.unlink(missing_ok=True)
    log(f"collectstatic done in {time.monotonic() - t:.1f}s")
    return "collected"


def free_port(exclude: set[int] | None = None) -> int:
    """A free port of 8300-8399, or ``BENCH_PORT`` when set (sessions sharing a machine each own one)."""
    fixed = os.environ.get("BENCH_PORT", "")
    if fixed.isascii() and fixed.isdecimal() and not (exclude and int(fixed) in exclude):
        return int(fixed)
    for port in PORT_RANGE:
        if exclude and port in exclude:
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 8300-8399")


@dataclass
class GunicornConfig:
    workers: int = 2
    threads: int = 4
    worker_class: str = "gthread"

    def describe(self) -> str:
        if self.worker_class == "gthread":
            return f"gunicorn gthread {self.workers} workers x {self.threads} threads"
        return f"gunicorn {self.worker_class} {self.workers} workers"


@dataclass
class Server:
    port: int
    proc: subprocess.Popen[bytes]
    log_path: Path
    config: GunicornConfig
    cpu_marks: dict[str, float] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cpu_seconds(self) -> float | None:
        return process_tree_cpu(self.proc.pid)

    def log_tail(self, n: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""


def _processes_cpu(wanted: Callable[[Path, list[str]], bool]) -> float | None:
    """User+system CPU seconds of the processes ``wanted(entry, stat fields)`` picks; Linux only."""
    try:
        tick = os.sysconf("SC_CLK_TCK")
    except (ValueError, OSError, AttributeError):
        return None
    proc = Path("/proc")
    if not proc.exists():
        return None
    total = 0
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            fields = stat[stat.rfind(")") + 2 :].split()
            if wanted(entry, fields):
                total += int(fields[11]) + int(fields[12])
        except OSError:
            continue
    return total / tick


def process_tree_cpu(pid: int) -> float | None:
    """User+system CPU seconds of ``pid`` and its direct children (the gunicorn workers); Linux only."""
    return _processes_cpu(lambda entry, fields: int(entry.name) == pid or int(fields[1]) == pid)


_CLIENT = re.compile(r"^(\[local\]|[0-9A-Za-z.:_-]+\(\d+\))$")


def _backend_database(title: str) -> str | None:
    """The database of a backend's process title, the word before its client (``host(port)`` or
    ``[local]``): ``postgres: 15/main: postgres bench_city 127.0.0.1(48124) idle`` → bench_city."""
    words = title.split()
    for i, word in enumerate(words[1:], start=1):
        if _CLIENT.match(word):
            return words[i - 1]
    return None


def database_backends_cpu(database_url: str) -> float | None:
    """User+system CPU seconds of the PostgreSQL backends serving the benchmark's database (their
    process titles name it: ``postgres: <user> <database> <client> …``), on this machine only. The
    server's shared processes (WAL writer, checkpointer) and other databases are left out; a backend
    that exits inside the window takes its CPU with it, so this is a lower bound."""
    if not database_url.startswith("postgres"):
        return None
    name = urlsplit(database_url).path.lstrip("/")
    if not name:
        return None

    def serves_it(entry: Path, fields: list[str]) -> bool:
        title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        return title.startswith("postgres: ") and _backend_database(title) == name

    return _processes_cpu(serves_it)


def wait_healthy(url: str, proc: subprocess.Popen[bytes], timeout_s: float = 60) -> dict[str, object]:
    deadline = time.monotonic() + timeout_s
    last = ""
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=5) as resp:
                body = json.loads(resp.read())
                if resp.status == 200:
                    return body
                last = f"status {resp.status}"
        except Exception as exc:  # noqa: BLE001
            last = str(exc)
        time.sleep(0.3)
    raise RuntimeError(f"/healthz did not answer 200 within {timeout_s:.0f}s ({last})")


def start_gunicorn(env: dict[str, str], config: GunicornConfig, var_dir: Path) -> Server:
    tried: set[int] = set()
    for _attempt in range(3):
        port = free_port(tried)
        tried.add(port)
        log_path = var_dir / f"gunicorn-{port}.log"
        cmd = [
            sys.executable,
            "-m",
            "gunicorn",
            "yugong.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(config.workers),
            "--worker-class",
            config.worker_class,
            "--timeout",
            "60",
            "--graceful-timeout",
            "5",
            "--keep-alive",
            "5",
            "--backlog",
            "2048",
            "--error-logfile",
            str(log_path),
            "--log-level",
            "warning",
            "--worker-tmp-dir",
            str(var_dir),
        ]
        if config.worker_class == "gthread":
            cmd += ["--threads", str(config.threads)]
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, start_new_session=True)
        server = Server(port, proc, log_path, config)
        try:
            # a loaded machine can take longer to boot the workers: BENCH_READY_SECONDS (60)
            wait_healthy(server.base_url, proc, float(os.environ.get("BENCH_READY_SECONDS", "60")))
            return server
        except RuntimeError as exc:
            tail = server.log_tail()
            stop(server)
            if "Address already in use" in tail:
                continue
            raise RuntimeError(f"{exc}\n--- gunicorn log ---\n{tail}") from exc
    raise RuntimeError("could not bind gunicorn to a free port in 8300-8399")


def stop(server: Server) -> None:
    """Stop gunicorn (and its workers): TERM to the master, then KILL to its process group."""
    proc = server.proc
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)  # its own session: only gunicorn's processes
            proc.wait(timeout=5)


@contextlib.contextmanager
def temp_var_dir(keep: bool = False) -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="yugong-bench-"))
    try:
        yield path
    finally:
        if not keep:
            shutil.rmtree(path, ignore_errors=True)
