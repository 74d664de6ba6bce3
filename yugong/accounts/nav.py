"""What accounts declares: the API token page, for workers (我的) and console users (系统)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from yugong.core import nav

nav.register(
    nav.TabEntry(tab="me", label=_("API 令牌"), url_name="accounts:tokens", order=80, login_required=True),
    nav.ConsolePage(
        section="system", label=_("API 令牌"), url_name="accounts:tokens", order=20, audience=(nav.console(),)
    ),
)
