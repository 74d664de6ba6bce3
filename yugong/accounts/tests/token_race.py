"""The revocation race both token-cache layers must win: real threads hammer a token while another
thread revokes it; after the revoke returns, no request succeeds."""

from __future__ import annotations

import threading
import time

from django.db import connection

from yugong.accounts import auth
from yugong.accounts.models import ApiToken, User
from yugong.accounts.services import api_token_revoke


def assert_no_request_succeeds_after_the_revocation(user: User, token: str) -> None:
    stop = threading.Event()
    revoked = threading.Event()
    late_successes: list[int] = []

    def hammer() -> None:
        try:
            while not stop.is_set():
                was_revoked = revoked.is_set()
                ok = auth.authenticate_token(token) is not None
                if ok and was_revoked:
                    late_successes.append(1)
        finally:
            connection.close()

    threads = [threading.Thread(target=hammer) for _ in range(4)]
    for t in threads:
        t.start()
    try:
        time.sleep(0.2)
        api_token_revoke(actor=user, token=ApiToken.objects.get(user=user))
        revoked.set()
        time.sleep(0.3)
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert late_successes == []
    assert auth.authenticate_token(token) is None
    ApiToken.objects.filter(user=user).delete()
    User.objects.filter(pk=user.pk).delete()
