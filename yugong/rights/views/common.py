"""Helpers shared by the rights pages."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from yugong.orgs.models import Employer, Union


def _h5(request: HttpRequest, template: str, ctx: dict[str, Any]) -> HttpResponse:
    return render(request, template, {"tab": "help", **ctx})


def _console(request: HttpRequest, template: str, ctx: dict[str, Any]) -> HttpResponse:
    return render(request, template, {"section": "rights", **ctx})


def _districts() -> list[str]:
    return list(
        Union.objects.filter(kind=Union.Kind.DISTRICT, status=Union.Status.ACTIVE)
        .exclude(district="")
        .order_by("district")
        .values_list("district", flat=True)
        .distinct()
    )


def _employer_by_name(name: str) -> Employer | None:
    name = (name or "").strip()
    if not name:
        return None
    found = list(Employer.objects.filter(name=name)[:2])
    return found[0] if len(found) == 1 else None
