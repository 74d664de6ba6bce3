"""One error type for the whole platform.

Services raise :class:`ApplicationError` (or a subclass); the API turns it into
``{"code": ..., "message": ..., "fields": {...}}`` with its HTTP status, and pages show the same
message (core.middleware.ApplicationErrorMiddleware). Messages are Chinese by default (i18n).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _


class ApplicationError(Exception):
    status = 400
    code = "invalid"
    default_message: Any = _("请求有误。")

    def __init__(
        self,
        message: Any = None,
        *,
        code: str | None = None,
        fields: dict[str, Any] | None = None,
        status: int | None = None,
    ) -> None:
        self.message = message if message is not None else self.default_message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        # field name (or "row 12 / 身份证号") -> message or list of messages
        self.fields = {k: _as_list(v) for k, v in (fields or {}).items()}
        super().__init__(str(self.message))

    def as_body(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": str(self.message),
            "fields": {k: [str(m) for m in v] for k, v in self.fields.items()},
        }


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]


class ValidationFailed(ApplicationError):
    status = 422
    code = "validation_error"
    default_message = _("提交的内容有误，请检查标出的字段。")


class NotFound(ApplicationError):
    """Missing, or outside the actor's part of the union tree: the two look the same."""

    status = 404
    code = "not_found"
    default_message = _("未找到该对象，或您无权访问。")


class PermissionDenied(ApplicationError):
    status = 403
    code = "forbidden"
    default_message = _("您没有执行此操作的权限。")


class Conflict(ApplicationError):
    status = 409
    code = "conflict"
    default_message = _("操作与当前状态冲突，请刷新后重试。")


class Busy(Conflict):
    """A bounded wait ran out (a row lock held by another request, or the statement timeout): the
    request changed nothing and may simply be sent again."""

    code = "busy"
    default_message = _("系统繁忙，请稍后重试。")
    retry_after = 1


class RateLimited(ApplicationError):
    status = 429
    code = "rate_limited"
    default_message = _("操作过于频繁，请稍后再试。")


class Unauthenticated(ApplicationError):
    status = 401
    code = "unauthenticated"
    default_message = _("请先登录。")


def reraise_refusal(exc: ApplicationError) -> None:
    """Pages that turn a service's error into a message on the form call this first: a refusal
    (404 like missing, 403) is never a message beside a redirect — it answers with its own status
    (core.middleware renders it), so a refused action cannot look like a successful one."""
    if isinstance(exc, NotFound | PermissionDenied):
        raise exc


def from_django_validation(exc: Any) -> ValidationFailed:
    """Turn a Django ``ValidationError`` (from ``full_clean``) into our error, keeping fields."""
    if hasattr(exc, "message_dict"):
        return ValidationFailed(fields=dict(exc.message_dict))
    return ValidationFailed(message="；".join(str(m) for m in exc.messages))
