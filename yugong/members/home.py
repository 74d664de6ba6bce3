"""The worker home's "my things" card for members: a membership application awaiting approval
(one query)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from yugong.accounts.models import request_user

from .models import Membership


def pending_application(request: HttpRequest) -> list[dict[str, Any]]:
    row = (
        Membership.objects.filter(person__user=request_user(request), status=Membership.Status.PENDING)
        .values("union__name")
        .order_by("-id")
        .first()
    )
    if row is None:
        return []
    return [
        {
            "title": _("入会申请审核中"),
            "subtitle": row["union__name"],
            "url": reverse("members:my_union"),
            "icon": "application",
        }
    ]
