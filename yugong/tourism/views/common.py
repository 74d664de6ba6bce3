"""What the console pages share: the console frame, the merchant decorator, error helpers."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from yugong.core.errors import ApplicationError, reraise_refusal
from yugong.core.money import parse_yuan

PAGE = 30


def _console(request: HttpRequest, template: str, ctx: dict[str, Any]) -> HttpResponse:
    return render(request, template, {"section": "services", **ctx})


def _errors(request: HttpRequest, exc: ApplicationError) -> dict[str, list[str]]:
    reraise_refusal(exc)
    messages.error(request, str(exc.message))
    return {k: [str(m) for m in v] for k, v in exc.fields.items()}


def _yuan(value: Any, field: str) -> int:
    return parse_yuan(value or "0", field=field)
