"""What accounts declares: the ``duty`` audience (system administrators, answered by the one rule
``may_administer``) and the API token page, for workers (我的) and console users (系统)."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from yugong.core import nav

from .system import may_administer


def _duty(request: HttpRequest, duties: tuple[str, ...]) -> bool:
    user = getattr(request, "user", None)
    return any(may_administer(user, duty) for duty in duties)  # type: ignore[arg-type]


nav.register_audience("duty", _duty)

nav.register(
    nav.TabEntry(
        tab="me",
        label=_("API 令牌"),
        url_name="accounts:tokens",
        order=80,
        description=_("给第三方工具使用的访问令牌"),
        login_required=True,
    ),
    nav.ConsolePage(
        section="system", label=_("API 令牌"), url_name="accounts:tokens", order=20, audience=(nav.console(),)
    ),
)
