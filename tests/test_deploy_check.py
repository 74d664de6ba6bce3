"""Production settings: `manage.py check --deploy` is clean, missing secrets fail fast, /healthz.

The checks run `manage.py` in a subprocess with a production environment (DEBUG=0, random
secrets, a real host name, a throw-away var dir) and none of the test run's own variables, so
they see exactly what an operator's server sees.
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Deploy-check warnings that are known and owned elsewhere: {check id: why it is not fixed yet}.
# The test xfails (and says so) while only these remain, and passes once they are gone; any
# other warning fails it. Keep this empty whenever possible.
KNOWN_PENDING: dict[str, str] = {}


def _production_env(tmp_path: Path, **overrides: str | None) -> dict[str, str]:
    keep = {"PATH", "HOME", "LANG", "LC_ALL", "SYSTEMROOT", "TMPDIR", "PYTHONPATH"}
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(64),
        FIELD_ENCRYPTION_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="yugong.example.org",
        YUGONG_VAR_DIR=str(tmp_path / "var"),
        DJANGO_SETTINGS_MODULE="yugong.settings",
        PYTHONDONTWRITEBYTECODE="1",
        # No worker payments: the simulator is refused with DEBUG off (funds.E001, tested below).
        PAYMENT_GATEWAY="off",
    )
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def _manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_secrets_are_long_and_random(tmp_path: Path) -> None:
    env = _production_env(tmp_path)
    assert len(env["SECRET_KEY"]) >= 50 and len(env["FIELD_ENCRYPTION_KEY"]) >= 50


def test_check_deploy_is_clean_in_production(tmp_path: Path) -> None:
    result = _manage(_production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    output = result.stdout + result.stderr
    issues = set(re.findall(r"\((\w+\.[A-Z]\d+)\)", output))
    if result.returncode != 0 and issues and issues <= set(KNOWN_PENDING):
        pytest.xfail("; ".join(f"{i}: {KNOWN_PENDING[i]}" for i in sorted(issues)))
    assert result.returncode == 0, output
    assert "WARNING" not in output and not issues, output
    assert "no issues" in output, output


@pytest.mark.parametrize("missing", ["SECRET_KEY", "FIELD_ENCRYPTION_KEY", "ALLOWED_HOSTS"])
def test_debug_off_without_a_required_setting_fails_fast(tmp_path: Path, missing: str) -> None:
    result = _manage(_production_env(tmp_path, **{missing: None}), "check")
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "ImproperlyConfigured" in output, output
    assert missing in output.strip().splitlines()[-1], f"the last line should name {missing}:\n{output}"


def test_debug_off_with_an_empty_secret_key_fails_fast(tmp_path: Path) -> None:
    result = _manage(_production_env(tmp_path, SECRET_KEY=""), "check")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr.strip().splitlines()[-1], result.stderr


# --- /healthz -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_healthz_reports_status_and_the_active_backends(client: Any, settings: Any) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "no-cache" in response.get("Cache-Control", "") or "max-age=0" in response.get("Cache-Control", "")
    body = response.json()
    assert body["status"] == "ok"
    backends = body["backends"]
    assert {"database", "cache", "tasks", "storage", "sms"} <= set(backends)
    # It names what this very run uses.
    assert backends["database"] == (
        "postgresql" if "postgresql" in settings.DATABASES["default"]["ENGINE"] else "sqlite"
    )
    assert backends["cache"] == ("redis" if os.environ.get("REDIS_URL") else "locmem")
    assert backends["tasks"] == ("celery" if settings.CELERY_BROKER_URL else "in-process")
    assert body["checks"] == {"database": "ok", "cache": "ok"}


@pytest.mark.django_db
def test_healthz_needs_no_login_and_no_session(client: Any) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert "sessionid" not in response.cookies


def test_production_refuses_the_payment_simulator(tmp_path: Path) -> None:
    result = _manage(_production_env(tmp_path, PAYMENT_GATEWAY=None), "check")
    output = result.stdout + result.stderr
    assert result.returncode != 0 and "funds.E001" in output, output


def test_production_wechatpay_needs_its_keys(tmp_path: Path) -> None:
    result = _manage(_production_env(tmp_path, PAYMENT_GATEWAY="wechatpay"), "check")
    output = result.stdout + result.stderr
    assert result.returncode != 0 and "funds.E002" in output and "WECHATPAY_MCHID" in output, output
