"""Accounts: the bearer-token path (an example of a scenario that declares ``auth``)."""

from __future__ import annotations

from bench.registry import Auth, Ctx, Request, scenario


@scenario(
    "api_me",
    "GET /api/v1/accounts/me with a bearer token: Ninja routing + token look-up + the user",
    auth=Auth("bench_api_me"),
)
def api_me(ctx: Ctx, i: int) -> Request:
    return Request("GET", "/api/v1/accounts/me")
