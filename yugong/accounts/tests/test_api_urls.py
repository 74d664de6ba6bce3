"""The API's URL patterns are grouped per app (yugong.api.YugongAPI): every operation resolves to
its own pattern and reverses as before, and a request tries only its app's patterns."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, resolve, reverse
from ninja import NinjaAPI

from yugong.api import api, group_urls


def _flat() -> list[URLPattern | URLResolver]:
    return NinjaAPI._get_urls(api)


def test_every_operation_resolves_to_the_same_view_and_name() -> None:
    flat = [p for p in _flat() if isinstance(p, URLPattern)]
    assert len(flat) > 50
    for pattern in flat:
        route = str(pattern.pattern)
        concrete = "/".join("7" if part.startswith("<") else part for part in route.split("/"))
        # Every operation reaches its own pattern: a parameter route registered earlier no longer
        # swallows a literal one (the flat list sent /contests/competitions to contest_detail).
        match = resolve(f"/api/{concrete}")
        assert match.route == f"api/{route}", route
        if pattern.name and "<" not in route:
            assert reverse(f"api:{pattern.name}") == f"/api/{route}"


def test_patterns_are_grouped_by_app() -> None:
    grouped = group_urls(_flat())
    prefixes = [str(p.pattern) for p in grouped if isinstance(p, URLResolver)]
    assert "v1/tourism/" in prefixes and "v1/accounts/" in prefixes
    # one entry per app instead of one per operation: besides the apps' groups only routes with no
    # operation path below an app's prefix stand alone (the root, the schema, docs, "v1/members")
    alone = [str(p.pattern) for p in grouped if not isinstance(p, URLResolver)]
    assert all(not route.split("/", 2)[2:] or not route.split("/", 2)[2] for route in alone), alone
    assert len(prefixes) == len(set(prefixes))


def test_unknown_api_paths_still_answer_404_in_chinese(client: object) -> None:
    from django.test import Client

    response = Client().get("/api/v1/tourism/nope")
    assert response.status_code == 404


def test_a_request_enters_only_its_own_apps_group(monkeypatch: object) -> None:
    """The groups before an app's answer "not here" without raising: Django's resolver is entered
    for the one group whose prefix the path has (it raised and caught a Resolver404 for every group
    registered earlier: ~3 µs each, a third of the sign-up's resolving)."""
    import pytest

    from yugong.api import LiteralPrefixResolver

    assert isinstance(monkeypatch, pytest.MonkeyPatch)
    entered: list[str] = []
    plain = URLResolver.resolve

    def counting(self: URLResolver, path: str) -> object:
        if isinstance(self, LiteralPrefixResolver):
            entered.append(self.prefix)
        return plain(self, path)

    monkeypatch.setattr(URLResolver, "resolve", counting)
    match = resolve("/api/v1/activities/7/signups")
    assert match.url_name == "signup_post" and match.kwargs == {"activity_id": "7"}
    assert entered == ["v1/activities/"]
    groups = [p for p in api.urls[0] if isinstance(p, LiteralPrefixResolver)]
    assert len(groups) > 10 and all(g.resolve("v1/nowhere/") is None for g in groups)
