"""The worker home's "my things" card for contests: a quiz started and not yet handed in, before
its deadline (one query)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from yugong.accounts.models import request_user

from .models import Attempt


def quiz_to_finish(request: HttpRequest) -> list[dict[str, Any]]:
    row = (
        Attempt.objects.filter(
            user=request_user(request), state=Attempt.State.OPEN, deadline__gt=timezone.now()
        )
        .values("contest_id", "contest__title", "deadline")
        .order_by("deadline")
        .first()
    )
    if row is None:
        return []
    return [
        {
            "title": _("继续答题：%(title)s") % {"title": row["contest__title"]},
            "subtitle": _("请在 %(time)s 前交卷") % {"time": f"{timezone.localtime(row['deadline']):%H:%M}"},
            "url": reverse("contests:h5_quiz", args=[row["contest_id"]]),
            "icon": "quiz",
        }
    ]
