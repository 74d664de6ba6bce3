"""What stations declares: the 渝工港湾 tile and H5 entry, the console pages in 一站享, and the
``keeper`` audience (station keepers: partners without a union role)."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from yugong.core import nav

from .models import Station


def _keeper(request: HttpRequest, args: tuple[str, ...]) -> bool:
    user = getattr(request, "user", None)
    if not getattr(user, "is_authenticated", False):
        return False
    cached = getattr(user, "_yugong_keeper", None)
    if cached is None:
        cached = Station.objects.filter(keepers=user).exists()
        user._yugong_keeper = cached  # type: ignore[union-attr]
    return bool(cached)


nav.register_audience("keeper", _keeper)

STAFF = (nav.staff(),)

nav.register(
    nav.HomeTile(label=_("渝工港湾"), url_name="stations:nearby", icon="station", order=30),
    nav.TabEntry(
        tab="services",
        label=_("附近港湾"),
        url_name="stations:nearby",
        order=10,
        description=_("就近歇脚、饮水、充电、热饭"),
    ),
    nav.ConsolePage(
        section="services", label=_("渝工港湾"), url_name="stations:console_list", order=10, audience=STAFF
    ),
    nav.ConsolePage(
        section="services",
        label=_("覆盖分析"),
        url_name="stations:console_coverage",
        order=20,
        audience=STAFF,
    ),
)
