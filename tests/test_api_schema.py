"""Property-based API test: schemathesis over EVERY operation of the OpenAPI schema.

The schema is the one the app serves (``api.get_openapi_schema()``, checked equal to
``GET /api/openapi.json`` below); the calls go in-process to the WSGI application, so the fuzzing
shares the test's database transaction. Each operation is fuzzed as two identities, by bearer
token (``yugong.accounts.models.ApiToken``):

* ``staff`` — a staff member holding ``staff`` at the city root (sees the whole tree);
* ``worker`` — a plain worker with a phone number and no role.

Checks on every response: no 5xx (``not_a_server_error``), the body matches the declared schema
for that status (``response_schema_conformance``; so every status an operation can answer must be
declared — ``response={200: Out, **ERROR_RESPONSES}``) and the content type is a declared one
(``content_type_conformance``). Valid and invalid inputs are both generated (schemathesis'
positive and negative data), unsafe methods (POST/PUT/PATCH/DELETE) included. A third, cheap
pass calls every operation once without credentials: protected ones must answer the 401 error
body, public ones must not fail.

Operations are collected from the schema at import time: an endpoint added by a later issue is
fuzzed without touching this file.

Knobs (environment), so the run stays bounded as the API grows:
* ``SCHEMATHESIS_BUDGET`` (default 500): examples for the whole run, shared out evenly over
  operations × identities; ``0`` lifts the budget.
* ``SCHEMATHESIS_MAX_EXAMPLES`` (default 15): at most this many per operation and identity (and
  at least 2, whatever the budget). A deep local run:
  ``SCHEMATHESIS_BUDGET=0 SCHEMATHESIS_MAX_EXAMPLES=200 .venv/bin/pytest tests/test_api_schema.py``.
* ``--hypothesis-seed=N`` (pytest option of hypothesis' plugin) replays a run; a failure prints
  the falsifying example, a curl line and a ``@reproduce_failure`` blob.

A summary of what ran (operation × identity, calls, status codes) is printed at the end of the
module and written to ``test-results/schemathesis.json``.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import warnings
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, settings

from tests.helpers import UserFactory, grant, make_union
from yugong.accounts.auth import TOKEN_PREFIX, hash_token
from yugong.accounts.models import ApiToken
from yugong.accounts.system import system_actor
from yugong.api import api
from yugong.core.schemas import ERROR_RESPONSES
from yugong.wsgi import application

# schemathesis 3.39 subclasses jsonschema.RefResolver, deprecated since jsonschema 4.18: the
# warning fires once, on import, and filterwarnings=error would make it a collection error.
_REF_RESOLVER = "jsonschema.RefResolver is deprecated"
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", _REF_RESOLVER, DeprecationWarning)
    import schemathesis
    from schemathesis import DataGenerationMethod
    from schemathesis.checks import content_type_conformance, not_a_server_error, response_schema_conformance

pytestmark = pytest.mark.filterwarnings(f"ignore:{_REF_RESOLVER}:DeprecationWarning")
RESULTS = Path(__file__).resolve().parent.parent / "test-results" / "schemathesis.json"
IDENTITIES = ["staff", "worker"]
CHECKS = (not_a_server_error, response_schema_conformance, content_type_conformance)


def _hypothesis_jsonschema_compat() -> None:
    """hypothesis-jsonschema 0.23.1 (object schemas: every request body and query model) drives
    hypothesis' private ``cu.many`` with ``while elements.more():``; hypothesis 6.15x+ turned
    ``many`` into a ``with many(...) as e: for _ in e:`` API without ``more()``, so generation dies
    with AttributeError. Until the lock pairs versions that agree, give ``many`` the old method on
    top of the new iterator (a no-op with a hypothesis that still has it)."""
    from hypothesis.internal.conjecture import utils as cu

    if hasattr(cu.many, "more"):
        return
    done = object()

    def more(self: Any) -> bool:
        elements = self.__dict__.get("_compat_iter")
        if elements is None:
            self.__enter__()
            elements = self._compat_iter = iter(self)
        return next(elements, done) is not done

    cu.many.more = more


_hypothesis_jsonschema_compat()

# Django Ninja emits OpenAPI 3.1 (JSON Schema 2020-12: ``{"type": "null"}`` for optional fields);
# schemathesis 3.x supports it behind this switch.
schemathesis.experimental.OPEN_API_3_1.enable()
RAW_SCHEMA = api.get_openapi_schema()


def _for_schemathesis(node: Any) -> Any:
    """A copy of the schema that schemathesis 3.x can mutate. Its negative-data mutations know
    only OpenAPI 3.0's boolean ``exclusiveMinimum`` (which depends on ``minimum``) and die with
    KeyError: 'minimum' on 3.1's numeric form (pydantic ``gt=``). Numeric exclusive bounds become
    inclusive ones here: the boundary value may then be sent, and the app must answer it with a
    422 error body like any other bad input — nothing is checked less."""
    if isinstance(node, list):
        return [_for_schemathesis(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _for_schemathesis(value) for key, value in node.items()}
    for exclusive, inclusive in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        bound = out.get(exclusive)
        if isinstance(bound, int | float) and not isinstance(bound, bool):
            del out[exclusive]
            out.setdefault(inclusive, bound)
    return out


with warnings.catch_warnings():
    warnings.filterwarnings("ignore", _REF_RESOLVER, DeprecationWarning)
    schema = schemathesis.openapi.from_dict(
        _for_schemathesis(RAW_SCHEMA),
        app=application,
        data_generation_methods=[DataGenerationMethod.positive, DataGenerationMethod.negative],
    )


def _operations(raw: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    methods = {"get", "put", "post", "delete", "patch", "head", "options"}
    return [
        (method.upper(), path, op)
        for path, item in raw.get("paths", {}).items()
        for method, op in item.items()
        if method in methods
    ]


OPERATIONS = _operations(RAW_SCHEMA)


def _examples_per_run() -> int:
    cap = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "15"))
    budget = int(os.environ.get("SCHEMATHESIS_BUDGET", "500"))
    if budget <= 0:
        return cap
    return max(2, min(cap, budget // max(1, len(OPERATIONS) * len(IDENTITIES))))


MAX_EXAMPLES = _examples_per_run()

# Known failures owned elsewhere, reported and waiting for a fix: {"METHOD /path": why}. They run
# and are reported as xfail (non-strict: a fix makes them pass silently — then delete the entry).
KNOWN_FAILURES: dict[str, str] = {}

# (METHOD path, identity) -> Counter of status codes; printed and saved by _report.
_ran: dict[tuple[str, str], Counter[int]] = defaultdict(Counter)


def _issue_token(user: Any) -> str:
    token = f"{TOKEN_PREFIX}{secrets.token_urlsafe(32)}"
    ApiToken.objects.create(user=user, name="schemathesis", prefix=token[:10], key_hash=hash_token(token))
    return token


@pytest.fixture(scope="module", autouse=True)
def _report(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if not _ran:
        return
    lines = [f"schemathesis: {len(_ran)} operation × identity runs, up to {MAX_EXAMPLES} examples each"]
    rows = []
    for (operation, who), statuses in sorted(_ran.items()):
        codes = ", ".join(f"{code}×{n}" for code, n in sorted(statuses.items()))
        lines.append(f"  {operation:<45} {who:<9} {sum(statuses.values()):>4} calls  {codes}")
        rows.append({"operation": operation, "identity": who, "statuses": dict(statuses)})
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps({"max_examples": MAX_EXAMPLES, "runs": rows}, indent=2))
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is not None and capture is not None:
        with capture.global_and_fixture_disabled():  # fd capture is on during teardown
            reporter.write_line("")
            for line in lines:
                reporter.write_line(line)


@pytest.fixture(params=IDENTITIES)
def identity(request: pytest.FixtureRequest, db: Any) -> tuple[str, dict[str, str]]:
    who = request.param
    # The union tree always has its root (a worker's appeal is routed there, for instance).
    city = make_union(None, name="重庆市总工会")
    district = make_union(city, kind="district", name="渝中区总工会")
    _REAL_IDS.clear()
    _REAL_IDS.update(_objects(city, district))
    if who == "staff":
        user = UserFactory(is_staff=True, display_name="市总干部")
        grant(user, city, "staff")
    else:
        user = UserFactory(display_name="职工", phone=f"139{secrets.randbelow(10**8):08d}")
    return who, {"Authorization": f"Bearer {_issue_token(user)}"}


# Path parameter name -> the id of a real object made for this run. Random ids mostly answer 404
# and never reach the code behind it; so positive cases aim at these objects (negative cases keep
# their generated values). The staff identity reaches all of them (staff at the root); the worker
# reaches none and must be refused cleanly. Writes of one example stay for the next (a union may get
# closed, an employer detached): the server must answer every state without a 5xx.
_REAL_IDS: dict[str, int] = {}


def _objects(city: Any, district: Any) -> dict[str, int]:
    from yugong.orgs import services as orgs
    from yugong.orgs.models import Employer
    from yugong.orgs.tests.authz import uscc

    grassroots = make_union(district, kind="grassroots", name="解放碑百货工会")
    employer = Employer.objects.create(
        name="重庆解放碑百货有限公司", uscc=uscc(7001), union=grassroots, managing_union=district
    )
    colleague = UserFactory(display_name="基层干部")
    role = grant(colleague, grassroots, "staff")
    team = orgs.volunteer_team_create(
        actor=system_actor(), union=district, name="渝中区志愿服务总队", tier="general"
    )
    volunteer = orgs.volunteer_add(actor=system_actor(), team=team, name="志愿者", phone="13800138000")
    return {
        "union_id": grassroots.pk,
        "employer_id": employer.pk,
        "role_id": role.pk,
        "team_id": team.pk,
        "volunteer_id": volunteer.pk,
    }


def _aim_at_real_objects(case: Any) -> None:
    if case.data_generation_method != DataGenerationMethod.positive or not case.path_parameters:
        return
    for name in case.path_parameters:
        if name in _REAL_IDS:
            case.path_parameters[name] = _REAL_IDS[name]


@pytest.fixture(autouse=True)
def _known_failures(request: pytest.FixtureRequest) -> None:
    for operation, why in KNOWN_FAILURES.items():
        if f"[{operation}]" in request.node.name:
            request.applymarker(pytest.mark.xfail(reason=f"{operation}: {why} — reported", strict=False))


@pytest.fixture(autouse=True)
def _keep_the_test_connection() -> Iterator[None]:
    """The calls reach the WSGI handler directly (not through Django's test client), so each one
    fires request_started/finished and close_old_connections would close the connection inside
    the test's transaction (PostgreSQL: "Cannot open a new connection in an atomic block").
    Django's test client disconnects it the same way."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def _quiet_sms(settings: Any) -> None:
    # Operations may send SMS codes (on commit, which a test transaction never reaches; pinned anyway).
    settings.SMS_BACKEND = "locmem"


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    database=None,
    derandomize=False,
    print_blob=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,  # the identity is made once per test, on purpose
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)
def test_api_operation(case: Any, identity: tuple[str, dict[str, str]]) -> None:
    who, headers = identity
    # A multipart body that is not an object (schemathesis' negative mode) cannot be encoded by any
    # client, werkzeug's included: it is no request the server could ever receive.
    assume(not (case.media_type == "multipart/form-data" and not isinstance(case.body, dict)))
    _aim_at_real_objects(case)
    response = case.call_and_validate(headers=headers, checks=CHECKS)
    _ran[(f"{case.method.upper()} {case.path}", who)][response.status_code] += 1


# --- Paging far beyond the data ---------------------------------------------------------------

HUGE_PAGE = 2**63 // 10


PAGINATED = [
    (m, p)
    for m, p, op in OPERATIONS
    if m == "GET" and any(x.get("name") == "page" for x in op.get("parameters", []))
]


@pytest.mark.django_db
def test_paginated_operations_survive_a_huge_page(staff_client: Any) -> None:
    assert PAGINATED, "no paginated operation in the schema"
    client = staff_client
    failures = []
    for method, path in PAGINATED:
        url = re.sub(r"\{[^}]+\}", "1", path)
        response = client.generic(method, f"{url}?page={HUGE_PAGE}")
        if response.status_code >= 500:
            failures.append(f"{method} {path}: {response.status_code}")
    assert not failures, "\n".join(failures)


# --- NUL characters in path parameters -------------------------------------------------------


def _nul_path(path: str, op: dict[str, Any]) -> str | None:
    """The path with "%00" for every string path parameter (and 1 for the others), or None when it
    has no string path parameter."""
    kinds = {
        x["name"]: x.get("schema", {}).get("type", "string")
        for x in op.get("parameters", [])
        if x.get("in") == "path"
    }
    if "string" not in kinds.values():
        return None
    return re.sub(r"\{([^}]+)\}", lambda m: "%00" if kinds.get(m.group(1)) == "string" else "1", path)


NUL_PATHS = [(m, u) for m, p, op in OPERATIONS if (u := _nul_path(p, op)) is not None]


@pytest.mark.django_db
def test_a_nul_in_a_path_parameter_is_bad_input_not_a_server_error(staff_client: Any) -> None:
    # PostgreSQL refuses NUL in text: the API answers 4xx (the fuzz test found a 500 once).
    assert NUL_PATHS, "no operation with a string path parameter in the schema"
    client = staff_client
    failures = []
    for method, url in NUL_PATHS:
        response = client.generic(method, url, "{}", content_type="application/json")
        if response.status_code >= 500:
            failures.append(f"{method} {url}: {response.status_code} {response.content[:200]!r}")
    assert not failures, "\n".join(failures)


# --- The schema itself ----------------------------------------------------------------------


def test_the_fuzzed_schema_is_the_served_schema(client: Any) -> None:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    assert response.json() == json.loads(json.dumps(RAW_SCHEMA))


def test_every_operation_declares_the_error_responses() -> None:
    """Schema conformance is only as good as the declared responses: every operation must declare
    the shared error body for every error status (CONTRIBUTING: ``response={200: Out,
    **ERROR_RESPONSES}``)."""
    assert OPERATIONS, "the API schema has no operations"
    missing = []
    for method, path, op in OPERATIONS:
        declared = {int(code) for code in op.get("responses", {}) if str(code).isdigit()}
        lacking = sorted(set(ERROR_RESPONSES) - declared)
        if lacking:
            missing.append(f"{method} {path}: {lacking}")
        if op.get("security"):
            assert 401 in declared, f"{method} {path} can answer 401 but does not declare it"
    assert not missing, "operations without the shared error responses:\n" + "\n".join(missing)


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path", "op"), OPERATIONS, ids=[f"{m} {p}" for m, p, _ in OPERATIONS])
def test_operation_without_credentials(client: Any, method: str, path: str, op: dict[str, Any]) -> None:
    """Protected operations answer 401 with the shared error body; public ones do not fail."""
    url = re.sub(r"\{[^}]+\}", "1", path)
    response = client.generic(method, url, content_type="application/json", data="{}")
    _ran[(f"{method} {path}", "anonymous")][response.status_code] += 1
    assert response.status_code < 500, response.content[:500]
    if not op.get("security"):  # public (e.g. asking for an SMS code)
        return
    assert response.status_code == 401, response.content[:500]
    body = response.json()
    assert set(body) == {"code", "message", "fields"} and body["code"] == "unauthenticated", body
    assert re.search(r"[\u4e00-\u9fff]", body["message"]), body


# --- null in every body field, on real objects ----------------------------------------------

JSON_BODY_OPERATIONS = [
    (m, p, op)
    for m, p, op in OPERATIONS
    if "application/json" in op.get("requestBody", {}).get("content", {})
]


def _body_properties(op: dict[str, Any]) -> list[str]:
    schema = op["requestBody"]["content"]["application/json"]["schema"]
    ref = schema.get("$ref", "")
    component = RAW_SCHEMA["components"]["schemas"].get(ref.rsplit("/", 1)[-1], schema)
    return list(component.get("properties", {}))


@pytest.mark.django_db
def test_null_in_any_body_field_is_never_a_server_error_nor_loses_the_object(staff_client: Any) -> None:
    """Every operation with a JSON body, every field sent as null on real objects (issue 12: a null
    code made PATCH /orgs/unions/{id} answer 500; a null managing union made an employer
    unreachable). No 5xx; a 422 names a field; and an object written with 2xx can still be read
    back by the same staff member (no write moves an object out of every scope)."""
    from yugong.orgs.models import Union

    city = Union.objects.get(parent=None)
    ids = _objects(city, make_union(city, kind="district", name="江北区总工会"))
    assert JSON_BODY_OPERATIONS, "no operation with a JSON body"
    failures = []
    for method, path, op in JSON_BODY_OPERATIONS:
        url = re.sub(r"\{(\w+)\}", lambda m: str(ids.get(m.group(1), 1)), path)
        readable = "get" in RAW_SCHEMA["paths"][path] and all(
            name in ids for name in re.findall(r"\{(\w+)\}", path)
        )
        for field in _body_properties(op):
            response = staff_client.generic(
                method, url, json.dumps({field: None}), content_type="application/json"
            )
            where = f"{method} {path} {{{field}: null}}"
            if response.status_code >= 500:
                failures.append(f"{where}: {response.status_code}")
            elif response.status_code == 422 and not response.json()["fields"]:
                failures.append(f"{where}: 422 without a field")
            elif response.status_code < 300 and readable and staff_client.get(url).status_code != 200:
                failures.append(f"{where}: {response.status_code}, then the object is unreachable")
    assert not failures, "\n".join(failures)
