"""The OpenAPI document is a contract a client is generated from: these checks keep it true.

* every documented operation is reachable: its path, with plausible values for the parameters,
  resolves (Django's resolver, the same one requests meet) to that very operation — a parameter
  route registered earlier must not swallow a literal one (GET /contests/competitions once answered
  422 for ``contest_id``);
* every schema class has its own component name: two classes called ``TransferIn`` made the
  document describe one app's body for the other app's operation;
* each operation's request body and responses reference the component of the class the server
  really validates with, and the component lists the same required fields;
* operation ids are unique identifiers (a generated client's method names) and every path
  parameter is declared;
* a request-body field documented as nullable is a decision: null must mean something the server
  accepts (clear a date, detach an optional link). Fields a PATCH may leave out but not send as null
  use ``yugong.core.schemas.omissible``.
"""

from __future__ import annotations

import re
import typing
from collections import defaultdict
from typing import Any

import pydantic
import pytest
from django.urls import Resolver404, resolve

from yugong.api import api

SCHEMA = api.get_openapi_schema()
COMPONENTS = SCHEMA["components"]["schemas"]
HTTP_METHODS = {"get", "put", "post", "patch", "delete"}


def _norm(path: str) -> str:
    return "/" + re.sub(r"/+", "/", path).strip("/") + ("/" if path.endswith("/") else "")


def _ninja_operations() -> dict[tuple[str, str], Any]:
    """(METHOD, documented path) -> ninja Operation, read from the routers themselves."""
    out: dict[tuple[str, str], Any] = {}
    for prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                if not operation.include_in_schema:
                    continue
                template = re.sub(r"\{(?:\w+:)?(\w+)\}", r"{\1}", _norm(f"/api/{prefix}/{path}"))
                for method in operation.methods:
                    out[(method.upper(), template)] = operation
    return out


OPERATIONS = _ninja_operations()
DOCUMENTED = [
    (method.upper(), path, op)
    for path, item in SCHEMA["paths"].items()
    for method, op in item.items()
    if method in HTTP_METHODS
]


def test_the_routers_and_the_document_list_the_same_operations() -> None:
    assert {(m, p) for m, p, _op in DOCUMENTED} == set(OPERATIONS)


def _plausible(param: dict[str, Any]) -> str:
    schema = param.get("schema", {})
    if schema.get("enum"):
        return str(schema["enum"][0])
    if schema.get("type") == "integer":
        return "7"
    return "AbC123"


@pytest.mark.parametrize(("method", "path", "op"), DOCUMENTED, ids=[f"{m} {p}" for m, p, _ in DOCUMENTED])
def test_every_documented_operation_is_reachable(method: str, path: str, op: dict[str, Any]) -> None:
    params = {p["name"]: p for p in op.get("parameters", []) if p["in"] == "path"}
    url = re.sub(r"\{(\w+)\}", lambda m: _plausible(params[m.group(1)]), path)
    try:
        match = resolve(url)
    except Resolver404:
        pytest.fail(f"{method} {path}: {url} resolves to nothing")
    route = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", "/" + match.route)
    assert route == path, f"{method} {path}: {url} reaches {route} (shadowed by an earlier route)"


def test_every_literal_path_wins_over_parameter_routes(client: Any) -> None:
    # The example that failed: the competitions list answered 422 for ``contest_id``.
    response = client.get("/api/v1/contests/competitions")
    assert response.status_code == 401, response.content  # reached, and asks for credentials


def _models(tp: Any, found: set[type[pydantic.BaseModel]]) -> None:
    for arg in typing.get_args(tp):
        _models(arg, found)
    if isinstance(tp, type) and issubclass(tp, pydantic.BaseModel) and tp not in found:
        found.add(tp)
        for field in tp.model_fields.values():
            _models(field.annotation, found)


def _body_model(operation: Any) -> type[pydantic.BaseModel] | None:
    for params in operation.models:
        if params.__ninja_param_source__ in {"body", "form", "file"}:
            for field in params.model_fields.values():
                if isinstance(field.annotation, type) and issubclass(field.annotation, pydantic.BaseModel):
                    return field.annotation
    return None


def _response_models(operation: Any) -> dict[int, type[pydantic.BaseModel]]:
    out = {}
    for status, wrapper in (operation.response_models or {}).items():
        if wrapper is None:
            continue
        annotation = wrapper.model_fields["response"].annotation
        if isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel):
            out[int(status)] = annotation
    return out


def test_every_schema_class_has_its_own_component_name() -> None:
    found: set[type[pydantic.BaseModel]] = set()
    for operation in OPERATIONS.values():
        for params in operation.models:
            for field in params.model_fields.values():
                _models(field.annotation, found)
        for wrapper in (operation.response_models or {}).values():
            if wrapper is not None:
                _models(wrapper, found)
    by_name: dict[str, set[str]] = defaultdict(set)
    for model in found:
        by_name[model.__name__].add(f"{model.__module__}.{model.__qualname__}")
    clashes = {name: sorted(where) for name, where in by_name.items() if len(where) > 1}
    assert not clashes, f"schema classes sharing a component name: {clashes}"


def _ref(node: dict[str, Any]) -> str | None:
    ref = node.get("$ref")
    return ref.rsplit("/", 1)[-1] if ref else None


def _required(model: type[pydantic.BaseModel]) -> set[str]:
    return {(f.alias or name) for name, f in model.model_fields.items() if f.is_required()}


@pytest.mark.parametrize(("method", "path", "op"), DOCUMENTED, ids=[f"{m} {p}" for m, p, _ in DOCUMENTED])
def test_each_operation_documents_the_classes_it_uses(method: str, path: str, op: dict[str, Any]) -> None:
    operation = OPERATIONS[(method, path)]
    body = _body_model(operation)
    if body is not None:
        content = op["requestBody"]["content"]
        schema = next(iter(content.values()))["schema"]
        name = _ref(schema) or next((_ref(v) for v in schema.get("properties", {}).values() if _ref(v)), None)
        assert name == body.__name__, f"{method} {path}: the body is {body.__qualname__}, documented {name}"
        component = COMPONENTS[name]
        assert set(component.get("required", [])) == _required(body), (
            f"{method} {path}: {name} documents required {sorted(component.get('required', []))}, "
            f"the server requires {sorted(_required(body))}"
        )
        assert set(component.get("properties", {})) == {f.alias or n for n, f in body.model_fields.items()}
    for status, model in _response_models(operation).items():
        responses = op["responses"]
        documented = (responses.get(status) or responses[str(status)])["content"]["application/json"][
            "schema"
        ]
        name = _ref(documented) or _ref(documented.get("items", {}))
        if name is not None:
            # Paged lists wrap the item class in a generated one (``PagedXOut``): the item then.
            assert name == model.__name__, f"{method} {path} {status}: {model.__qualname__} documented {name}"


def test_operation_ids_are_unique_identifiers_and_path_parameters_are_declared() -> None:
    ids = [op["operationId"] for _m, _p, op in DOCUMENTED]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    assert all(i.isidentifier() for i in ids), [i for i in ids if not i.isidentifier()]
    for method, path, op in DOCUMENTED:
        declared = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
        assert set(re.findall(r"\{(\w+)\}", path)) == declared, f"{method} {path}"


# Every request-body field documented as nullable, and what null means there. A new nullable field
# fails this test until it is listed here with its meaning — or declared ``omissible`` instead.
NULL_MEANS = {
    ("AppealIn", "employer_id"): "no employer named",
    ("AppealIn", "union_id"): "no union chosen: routed by the rules",
    ("AcceptIn", "complexity"): "keep the complexity the routing gave",
    ("EmployerIn", "union_id"): "no covering union yet (the managing union is required)",
    ("EmployerUpdateIn", "managing_union_id"): "detach; refused when no union would be left",
    ("EmployerUpdateIn", "union_id"): "detach; refused when no union would be left",
    ("UnionCreateIn", "founded_on"): "date unknown",
    ("UnionUpdateIn", "founded_on"): "clear the date",
    ("CloseIn", "closed_on"): "today",
    ("TeamIn", "parent_id"): "a general team has no parent",
    ("ServiceRecordIn", "minutes"): "given in hours instead",
    ("ServiceRecordIn", "hours"): "given in minutes instead",
    ("StationCheckInIn", "lat"): "no position sent: refused while positions are required",
    ("StationCheckInIn", "lng"): "no position sent: refused while positions are required",
    ("ApplyIn", "union_code"): "the union is found from the employer",
    ("ApplyIn", "employer_id"): "no employer",
    ("MembershipTransferIn", "membership_id"): "the worker's only active membership",
    ("StationIn", "holiday_hours"): "as on weekdays",
    ("CoverageIn", "candidates"): "no candidate stations",
    **{
        ("NewsArticlePatch", f): "unchanged (the handler drops nulls)"
        for f in ("kind", "audience", "title", "summary", "body_html", "pinned", "requires_receipt")
    },
    ("FundsLineIn", "subcategory_id"): "no sub-category",
    ("FundsReleaseIn", "amount_fen"): "release all that is still reserved",
    ("PayIn", "provider"): "the gateway the platform is configured with (PAYMENT_GATEWAY)",
    ("PassSpotIn", "daily_limit"): "no daily limit",
    ("PassSpotIn", "lat"): "not on the map",
    ("PassSpotIn", "lng"): "not on the map",
    ("PassSpotReviewIn", "rate_fen"): "keep the rate applied for",
    ("StaffPatch", "role"): "unchanged",
    ("StaffPatch", "active"): "unchanged",
    # stations (owned elsewhere, reported): StationPatch documents every field nullable; null means
    # "unchanged" for union_id, host, holiday_hours, exception_dates, amenities, contact_*, and the
    # server answers 422 (no 5xx) for the others. Listed so that the list stays complete.
    **{
        ("StationPatch", f): "unchanged, or a 422 (reported to stations)"
        for f in (
            "union_id code name kind host address district lat lng hours holiday_hours exception_dates "
            "amenities contact_name contact_phone status"
        ).split()
    },
}


def _nullable(prop: dict[str, Any]) -> bool:
    return prop.get("type") == "null" or any(alt.get("type") == "null" for alt in prop.get("anyOf", []))


def test_every_nullable_body_field_says_what_null_means() -> None:
    found = set()
    for method, path, _op in DOCUMENTED:
        body = _body_model(OPERATIONS[(method, path)])
        if body is None:
            continue
        for field, prop in COMPONENTS[body.__name__].get("properties", {}).items():
            if _nullable(prop):
                found.add((body.__name__, field))
    unexplained = sorted(found - set(NULL_MEANS))
    assert not unexplained, (
        "request-body fields documented as nullable without a meaning for null (declare them "
        f"`omissible` if null is not accepted, or add them to NULL_MEANS): {unexplained}"
    )
