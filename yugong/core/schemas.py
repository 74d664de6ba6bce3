from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from ninja import Field, Schema


class ErrorOut(Schema):
    code: str
    message: str
    fields: dict[str, list[str]]


ERROR_RESPONSES: dict[int, Any] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
    429: ErrorOut,
}


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def omissible(**kwargs: Any) -> Any:
    """A field a PATCH body may leave out but may not send as ``null``: declare it with its real
    type (``code: str = omissible(max_length=32)``, not ``str | None``). Left out, it is unset
    (``payload.dict(exclude_unset=True)`` drops it); ``null`` answers 422 naming the field. The
    OpenAPI schema then says what the server takes: the type without ``null`` and not required.

    Use ``X | None = None`` only where ``null`` means something the service accepts (clear a date,
    detach an optional link); ``tests/test_api_contract.py`` lists every such field."""
    return Field(None, json_schema_extra=_no_default, **kwargs)


def _message(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind in {"missing", "missing_argument"}:
        return _("此项为必填。")
    if error.get("null_input") and kind not in {"value_error", "assertion_error"}:
        return _("此项不能为空（null）。")
    if kind.startswith("string_too_short"):
        return _("长度不能少于 %(n)s 个字符。") % {"n": ctx.get("min_length", "?")}
    if kind.startswith("string_too_long"):
        return _("长度不能超过 %(n)s 个字符。") % {"n": ctx.get("max_length", "?")}
    if kind.startswith(("int_", "float_", "decimal_")):
        return _("请填写有效的数字。")
    if kind.startswith(("greater_than", "less_than")):
        return _("数值超出允许范围。")
    if kind.startswith(("date", "datetime", "time")):
        return _("请填写有效的日期或时间。")
    if kind.startswith("bool"):
        return _("请填写是或否。")
    if kind in {"literal_error", "enum"}:
        return _("不是允许的取值。")
    if kind in {"json_invalid", "model_type", "model_attributes_type", "dict_type"}:
        return _("请求体格式不正确。")
    if kind.startswith("string"):
        return _("请填写文本。")
    if kind.startswith("list"):
        return _("请填写列表。")
    if kind == "value_error":
        return str(ctx.get("error") or error.get("msg") or _("取值无效。"))
    return _("取值无效。")


def pydantic_errors_to_fields(errors: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Ninja/pydantic errors -> {"field": ["中文说明"]}. The location's leading "body"/"query"/
    parameter-name parts are dropped so the key is the field the user typed into."""
    out: dict[str, list[str]] = {}
    for error in errors:
        loc = [str(part) for part in error.get("loc", ())]
        if loc and loc[0] in {"body", "query", "path", "header", "form", "cookie", "file"}:
            loc = loc[1:]
        if len(loc) > 1 and loc[0] in {"payload", "data", "body", "filters"}:
            loc = loc[1:]
        key = ".".join(loc) or "__all__"
        out.setdefault(key, []).append(_message(error))
    return out
