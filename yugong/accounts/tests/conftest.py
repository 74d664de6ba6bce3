from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.cache import cache

from yugong.core import sms
from yugong.core.validators import normalize_phone


@pytest.fixture(autouse=True)
def _clean_counters_and_outbox(settings: Any) -> Iterator[None]:
    # Rate-limit counters live in the (process-wide) cache and texts in the locmem outbox. The
    # backend is pinned here too: a bare `pytest` run may load settings before YUGONG_TESTING is set.
    settings.SMS_BACKEND = "locmem"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    _forget_counters()
    sms.outbox.clear()
    yield
    _forget_counters()
    sms.outbox.clear()


def _forget_counters() -> None:
    # On a shared Redis delete only our keys; the local-memory cache is ours alone.
    if hasattr(cache, "delete_pattern"):
        cache.delete_pattern("yg:acc:*")
    else:
        cache.clear()


def last_code(phone: str) -> str:
    for message in reversed(sms.outbox):
        if message.phone == phone:
            found = re.search(r"验证码为(\d{6})", message.text)
            assert found, message.text
            return found.group(1)
    raise AssertionError(f"no SMS to {phone}")


@pytest.fixture
def send_code(db: Any, django_capture_on_commit_callbacks: Any) -> Callable[..., str]:
    """Request a login code through the service (SMS sent on commit) and return it."""
    from yugong.accounts.services import sms_code_request

    def _send(phone: str = "13800001111", ip: str | None = "10.0.0.1") -> str:
        with django_capture_on_commit_callbacks(execute=True):
            sms_code_request(phone=phone, ip=ip)
        return last_code(normalize_phone(phone))

    return _send
