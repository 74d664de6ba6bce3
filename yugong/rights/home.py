"""The worker home's "my things" card for rights: the latest open appeal (one query)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from yugong.accounts.models import request_user

from .models import Appeal


def open_appeal(request: HttpRequest) -> list[dict[str, Any]]:
    appeal = (
        Appeal.objects.filter(caller_user=request_user(request), status__in=Appeal.OPEN)
        .only("id", "number", "subject", "status")
        .order_by("-id")
        .first()
    )
    if appeal is None:
        return []
    return [
        {
            "title": _("我的诉求：%(subject)s") % {"subject": appeal.subject},
            "subtitle": f"{appeal.number} · {appeal.get_status_display()}",
            "url": reverse("rights:h5_detail", args=[appeal.pk]),
            "icon": "appeal",
        }
    ]
