"""The JSON API: Django Ninja under /api/v1/, OpenAPI at /api/openapi.json, docs at /api/docs.

One error body everywhere: ``{"code": ..., "message": ..., "fields": {...}}`` in Chinese. Routing
sits on top of the apps; nothing imports this module.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.urls import URLPattern, URLResolver, path
from django.urls.resolvers import RoutePattern
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from yugong.accounts.api import router as accounts_router
from yugong.accounts.auth import api_auth
from yugong.core.db import busy_error, is_busy_error
from yugong.core.errors import ApplicationError, from_django_validation
from yugong.core.middleware import with_retry_after
from yugong.core.schemas import pydantic_errors_to_fields
from yugong.orgs.api import router as orgs_router
from yugong.web.api import router as web_router

log = logging.getLogger("yugong.api")


class YugongAPI(NinjaAPI):
    """NinjaAPI with its URL patterns grouped per app, literal segments before parameters.

    Ninja gives Django one flat list of ~125 patterns, and Django tries them one by one: a request to
    an app registered late (tourism, contests) matched ~100 patterns first, about a tenth of the CPU
    of a small API request. Grouped under one resolver per ``v1/<app>/`` prefix it tries ~10 + the
    app's own. The prefixes are distinct literal path segments, so a path can only match inside its
    own group.

    Inside a group Django takes the first pattern that matches, so registration order used to decide
    between ``contests/<contest_id>`` and ``contests/competitions`` — and the parameter, registered
    first, swallowed the literal (GET /contests/competitions answered 422 for ``contest_id``). The
    patterns are ordered so that, segment by segment, a literal comes before a parameter (stable
    otherwise): a documented literal path is never shadowed, whatever order an app registers its
    operations in. ``tests/test_api_contract.py`` resolves every documented operation."""

    def _get_urls(self) -> list[URLResolver | URLPattern]:
        return group_urls(super()._get_urls())

    def get_openapi_operation_id(self, operation: Any) -> str:
        """``<app>_<function>`` (``orgs_union_patch``): short, stable when an app's api module
        becomes a package, and the method name a generated client gives the operation."""
        parts = operation.view_func.__module__.split(".")
        app = parts[1] if len(parts) > 1 and parts[0] == "yugong" else parts[0]
        return f"{app}_{operation.view_func.__name__}"

    def validation_error_from_error_contexts(self, error_contexts: list[Any]) -> NinjaValidationError:
        """Ninja drops pydantic's ``input`` from each error; keep one bit of it: whether the value
        sent was ``null`` (the error then says "不能为空" instead of "请填写文本")."""
        exc = super().validation_error_from_error_contexts(error_contexts)
        nulls = [
            error.get("input", ...) is None
            for context in error_contexts
            for error in context.pydantic_validation_error.errors(include_url=False)
        ]
        if len(nulls) == len(exc.errors):
            for error, was_null in zip(exc.errors, nulls, strict=True):
                error["null_input"] = was_null
        return exc


class LiteralPrefixResolver(URLResolver):
    """One app's group of API patterns under its literal prefix (``v1/<app>/``). A path outside the
    prefix is answered "not here" (None, as a pattern that does not match) instead of the
    ``Resolver404`` a plain resolver raises and its parent catches: the parent tries the groups in
    turn, and the exception with its bookkeeping cost ~3 µs per group passed, ~60 µs for an app
    registered late — a request to the sign-up paid three times the whole resolving of a page's URL.
    Inside the prefix it is Django's own resolver, 404s and their ``tried`` lists included."""

    def __init__(self, prefix: str, patterns: list[URLPattern]) -> None:
        super().__init__(RoutePattern(prefix, is_endpoint=False), patterns)
        self.prefix = prefix

    def resolve(self, path: str) -> Any:
        if not str(path).startswith(self.prefix):
            return None
        return super().resolve(path)


def group_urls(patterns: list[URLResolver | URLPattern]) -> list[URLResolver | URLPattern]:
    out: list[URLResolver | URLPattern] = []
    groups: dict[str, list[URLPattern]] = {}
    for pattern in patterns:
        route = str(pattern.pattern)
        parts = route.split("/", 2)
        if (
            isinstance(pattern, URLPattern)
            and len(parts) == 3
            and parts[0] == "v1"
            and parts[1].isidentifier()  # a literal segment, not a <converter>
            and parts[2]
        ):
            prefix = f"v1/{parts[1]}/"
            if prefix not in groups:
                groups[prefix] = []
                out.append(LiteralPrefixResolver(prefix, groups[prefix]))
            inner = (
                path(parts[2], pattern.callback, name=pattern.name)
                if pattern.name
                else path(parts[2], pattern.callback)
            )
            groups[prefix].append(inner)
        else:
            out.append(pattern)
    for members in groups.values():
        members.sort(key=_specificity)
    return out


def _specificity(pattern: URLPattern) -> tuple[int, ...]:
    """Per segment 0 for a literal and 1 for a ``<parameter>``: sorted ascending, of two patterns
    that can match the same path the one with the earlier literal is tried first."""
    return tuple(1 if segment.startswith("<") else 0 for segment in str(pattern.pattern).split("/"))


api = YugongAPI(
    title="渝工 yugong API",
    version="1",
    description=_(
        "渝工数字服务平台接口。认证：`Authorization: Bearer <令牌>`（`manage.py issue_token` 或控制台签发）或登录会话。"
    ),
    urls_namespace="api",
    auth=api_auth,
    openapi_url="/openapi.json",
    docs_url="/docs",
)


def _body(code: str, message: str, fields: dict[str, list[str]] | None = None) -> dict[str, Any]:
    return {"code": code, "message": message, "fields": fields or {}}


@api.exception_handler(ApplicationError)
def _application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    return with_retry_after(api.create_response(request, exc.as_body(), status=exc.status), exc)


@api.exception_handler(OperationalError)
def _operational_error(request: HttpRequest, exc: OperationalError) -> HttpResponse:
    # A bounded wait ran out (a held row lock, the statement timeout): 409 busy with Retry-After,
    # never a queue until the server's own timeout. Anything else stays a 500.
    if is_busy_error(exc):
        return _application_error(request, busy_error())
    return _server_error(request, exc)


@api.exception_handler(NinjaValidationError)
def _validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    return api.create_response(
        request,
        _body(
            "validation_error", _("提交的内容有误，请检查标出的字段。"), pydantic_errors_to_fields(exc.errors)
        ),
        status=422,
    )


@api.exception_handler(DjangoValidationError)
def _django_validation_error(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    err = from_django_validation(exc)
    return api.create_response(request, err.as_body(), status=err.status)


@api.exception_handler(AuthenticationError)
def _auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request, _body("unauthenticated", _("请先登录，或提供有效的访问令牌。")), status=401
    )


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return api.create_response(request, _body("not_found", _("未找到该对象，或您无权访问。")), status=404)


@api.exception_handler(OverflowError)
def _id_out_of_range(request: HttpRequest, exc: OverflowError) -> HttpResponse:
    # An id beyond the database's integer range (SQLite raises OverflowError) cannot exist.
    return api.create_response(request, _body("not_found", _("未找到该对象，或您无权访问。")), status=404)


@api.exception_handler(DataError)
def _data_error(request: HttpRequest, exc: DataError) -> HttpResponse:
    # PostgreSQL refuses NUL characters in text (SQLite stores them): a NUL anywhere in a path
    # parameter, query or body is bad input, never a server fault. Anything else stays a 500.
    if "NUL" in str(exc):
        return api.create_response(
            request,
            _body("validation_error", _("提交的内容含有无法识别的控制字符（NUL），请检查后重新提交。")),
            status=422,
        )
    return _server_error(request, exc)


@api.exception_handler(DjangoPermissionDenied)
def _forbidden(request: HttpRequest, exc: Exception) -> HttpResponse:
    return api.create_response(request, _body("forbidden", _("您没有执行此操作的权限。")), status=403)


_HTTP_MESSAGES = {
    400: _("请求格式有误（请求体须为有效的 JSON 或表单）。"),
    401: _("请先登录，或提供有效的访问令牌。"),
    403: _("您没有执行此操作的权限。"),
    404: _("未找到该对象，或您无权访问。"),
    405: _("不支持该请求方法。"),
    413: _("上传的内容过大。"),
    429: _("操作过于频繁，请稍后再试。"),
}


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # Ninja's own HttpErrors carry English text ("Cannot parse request body"); ours are Chinese.
    text = str(exc)
    message = text if _has_cjk(text) else str(_HTTP_MESSAGES.get(exc.status_code, _("请求有误。")))
    return api.create_response(request, _body(f"http_{exc.status_code}", message), status=exc.status_code)


@api.exception_handler(RequestDataTooBig)
def _too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return api.create_response(request, _body("http_413", str(_HTTP_MESSAGES[413])), status=413)


@api.exception_handler(SuspiciousOperation)
def _suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
    # Too many query or form fields (DATA_UPLOAD_MAX_NUMBER_FIELDS) and the like: bad input, in
    # the API's error body — not a 500, and not Django's HTML 400 page.
    return api.create_response(
        request, _body("bad_request", _("请求有误：参数过多、过长或格式不正确。")), status=400
    )


@api.exception_handler(MultiPartParserError)
def _multipart_error(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
    return api.create_response(
        request, _body("bad_upload", _("上传内容格式有误，请重新选择文件上传。")), status=400
    )


@api.exception_handler(Exception)
def _server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    if settings.DEBUG and not settings.TESTING:
        raise exc
    log.exception("unhandled API error", exc_info=exc)
    return api.create_response(request, _body("server_error", _("服务器内部错误，请稍后重试。")), status=500)


api.add_router("/v1/", web_router)
api.add_router("/v1/accounts/", accounts_router)
api.add_router("/v1/rights/", "yugong.rights.api.router")
api.add_router("/v1/orgs/", orgs_router)
api.add_router("/v1/members/", "yugong.members.api.router")
api.add_router("/v1/funds/", "yugong.funds.api.router")
api.add_router("/v1/stations/", "yugong.stations.api.router")
api.add_router("/v1/tourism/", "yugong.tourism.api.router")
api.add_router("/v1/contests/", "yugong.contests.api.router")
api.add_router("/v1/learning/", "yugong.learning.api.router")
api.add_router("/v1/honors/", "yugong.honors.api.router")
api.add_router("/v1/innovation/", "yugong.innovation.api.router")
api.add_router("/v1/news/", "yugong.news.api.router")
api.add_router("/v1/cockpit/", "yugong.cockpit.api.router")
api.add_router("/v1/jobs/", "yugong.jobs.api.router")
api.add_router("/v1/activities/", "yugong.events.api.router")
api.add_router("/v1/assistance/", "yugong.assistance.api.router")
