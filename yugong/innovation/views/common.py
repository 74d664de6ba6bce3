"""What the worker and console pages share."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from yugong.core.errors import ApplicationError
from yugong.core.forms import PageForm
from yugong.orgs.access import MANAGE_ROLES, staff_scope


def h5(request: HttpRequest, template: str, ctx: dict[str, Any]) -> HttpResponse:
    return render(request, template, {"tab": "growth", **ctx})


def console(request: HttpRequest, template: str, ctx: dict[str, Any]) -> HttpResponse:
    return render(request, template, {"section": "growth", **ctx})


def union_choices(request: HttpRequest) -> list[tuple[int, str]]:
    return [(u.pk, u.name) for u in staff_scope(request.user, MANAGE_ROLES)]


def flash(request: HttpRequest, form: PageForm, exc: ApplicationError) -> None:
    for line in form.messages_of(exc):
        messages.error(request, line)
