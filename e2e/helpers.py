"""Helpers for the browser tests: reading the SMS code, fresh phone numbers, page health."""

from __future__ import annotations

import re
import secrets
import time
from typing import Any

CODE_RE = re.compile(r"(?<!\d)(\d{6})(?!\d)")


def fresh_phone() -> str:
    """A valid mainland mobile number that no other test (or earlier run on Redis) has used."""
    return f"139{secrets.randbelow(10**8):08d}"


def sms_code_for(phone: str, *, timeout: float = 5.0) -> str:
    """The 6-digit code of the latest SMS to ``phone`` in the locmem outbox.

    The live server runs in this process and the SMS leaves on commit through the Celery task, run
    eagerly in-process (``SMS_BACKEND=locmem``), so the message lands in ``yugong.core.sms.outbox``.
    """
    from yugong.core import sms

    deadline = time.monotonic() + timeout
    while True:
        for message in reversed(sms.outbox):
            if message.phone == phone:
                match = CODE_RE.search(message.text)
                assert match, f"no 6-digit code in the SMS: {message.text!r}"
                return match.group(1)
        if time.monotonic() > deadline:
            sent = [m.phone[-4:] for m in sms.outbox[-5:]]
            raise AssertionError(f"no SMS to {phone} within {timeout}s (last recipients …{sent})")
        time.sleep(0.05)


def assert_page_healthy(page: Any) -> None:
    """No outside request, no JS/CSP error, every stylesheet/script/image loaded."""
    problems = page.yg_log.problems()
    assert not problems, "the page is not healthy:\n" + "\n".join(problems)


def assert_styled(page: Any) -> None:
    """The CSS framework and our stylesheet really applied (static files are served)."""
    loaded = page.evaluate(
        "() => Array.from(document.styleSheets).map(s => { try { return [s.href, s.cssRules.length]; }"
        " catch (e) { return [s.href, -1]; } })"
    )
    hrefs = {href.rsplit("/", 1)[-1]: n for href, n in loaded if href}
    assert hrefs.get("bulma.min.css", 0) > 100, f"Bulma did not load: {loaded}"
    assert hrefs.get("app.css", 0) > 0, f"app.css did not load: {loaded}"
