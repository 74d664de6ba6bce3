"""The navigation registry: apps declare their pages, the shell shows what a user may open.

Every app declares, in its own ``yugong/<app>/nav.py``, what it adds to the two faces:

* worker H5: :class:`HomeTile` (the grid on the home page) and :class:`TabEntry` (a link inside one
  of the bottom tabs; the shell declares the :class:`Tab` s themselves);
* staff console: :class:`ConsolePage` inside a :class:`ConsoleSection` (the shell declares the
  scenario sections);
* the merchant workbench: :class:`MerchantPage`;
* :class:`Landing`: where a kind of user lands after signing in (their own work queue).

Each entry says who sees it with :class:`Audience` values (any one of them is enough). An audience
is a *named* predicate: core knows ``anyone``, ``signed_in`` and ``admin`` (system administration
roles on the user); apps higher up register the rest (``orgs`` registers ``staff``, tourism
``merchant``), so core imports no domain app. An audience whose app is not installed allows nobody.
An entry whose URL does not reverse does not show, and a section or tab with no visible entry does
not show either. The ``nav`` modules of installed apps are imported on first use
(``autodiscover_modules``); nothing else has to be wired for a new app to appear.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

# --- audiences ----------------------------------------------------------------------------------

AudiencePredicate = Callable[[HttpRequest, tuple[str, ...]], bool]
_AUDIENCES: dict[str, AudiencePredicate] = {}


def register_audience(name: str, predicate: AudiencePredicate) -> None:
    """Name a predicate ``(request, args) -> bool`` that navigation entries can refer to."""
    _AUDIENCES[name] = predicate


def audience_names() -> list[str]:
    discover()
    return sorted(_AUDIENCES)


@dataclass(frozen=True)
class Audience:
    """Who sees an entry: a registered predicate name and its arguments (e.g. role names)."""

    name: str
    args: tuple[str, ...] = ()

    def allows(self, request: HttpRequest) -> bool:
        discover()  # the apps' nav modules register their audiences
        predicate = _AUDIENCES.get(self.name)
        # Fails closed: a predicate whose app is not installed lets nobody in.
        return predicate is not None and bool(predicate(request, self.args))


def anyone() -> Audience:
    """Everybody, signed in or not (worker pages; pair with ``login_required`` to say so)."""
    return Audience("anyone")


def signed_in() -> Audience:
    return Audience("signed_in")


def staff(*roles: str) -> Audience:
    """Union staff holding any of ``roles`` at some node (any role when none given); ``orgs``."""
    return Audience("staff", tuple(sorted(roles)))


def console() -> Audience:
    """Anyone who may open the staff console (registered by ``orgs``)."""
    return Audience("console")


def admin(*admin_roles: str) -> Audience:
    """System administrators by ``admin_role`` (any of the three when none given)."""
    return Audience("admin", tuple(sorted(admin_roles)))


def duty(*duties: str) -> Audience:
    """System administrators who hold any of ``duties`` (``accounts.system.may_administer``)."""
    return Audience("duty", tuple(sorted(duties)))


def merchant(*roles: str) -> Audience:
    """Staff of a merchant (any merchant role when none given); registered by tourism."""
    return Audience("merchant", tuple(sorted(roles)))


def _user(request: HttpRequest) -> Any:
    return getattr(request, "user", None)


def _anyone(request: HttpRequest, args: tuple[str, ...]) -> bool:
    return True


def _signed_in(request: HttpRequest, args: tuple[str, ...]) -> bool:
    user = _user(request)
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_active", False))


def _admin(request: HttpRequest, args: tuple[str, ...]) -> bool:
    if not _signed_in(request, args):
        return False
    role = getattr(_user(request), "admin_role", "") or ""
    return bool(role) and (not args or role in args)


register_audience("anyone", _anyone)
register_audience("signed_in", _signed_in)
register_audience("admin", _admin)


def allowed(request: HttpRequest, audiences: Iterable[Audience]) -> bool:
    return any(a.allows(request) for a in audiences)


# --- declarations --------------------------------------------------------------------------------

TAB_KEYS = ("home", "services", "growth", "help", "me")


@dataclass(frozen=True, kw_only=True)
class Link:
    """One link a user may be shown. ``url_kwargs_from`` names URL keyword arguments copied from
    the page being viewed (e.g. ``merchant_id`` inside the merchant workbench): when the current
    page has none, the link does not show."""

    label: Any
    url_name: str
    args: tuple[Any, ...] = ()
    url_kwargs_from: tuple[str, ...] = ()
    icon: str = ""
    description: Any = ""
    order: int = 100
    audience: tuple[Audience, ...] = field(default_factory=lambda: (anyone(),))
    login_required: bool = False

    def url(self, request: HttpRequest) -> str | None:
        kwargs: dict[str, Any] = {}
        if self.url_kwargs_from:
            current = getattr(getattr(request, "resolver_match", None), "kwargs", None) or {}
            if any(k not in current for k in self.url_kwargs_from):
                return None
            kwargs = {k: current[k] for k in self.url_kwargs_from}
        try:
            return reverse(self.url_name, args=self.args or None, kwargs=kwargs or None)
        except NoReverseMatch:
            return None


@dataclass(frozen=True, kw_only=True)
class Tab:
    """A bottom tab of the worker H5 (declared by the shell). ``always`` keeps it in the bar even
    with no entries (home, me)."""

    key: str
    label: Any
    icon: str
    order: int = 100
    always: bool = False


@dataclass(frozen=True, kw_only=True)
class TabEntry(Link):
    tab: str


@dataclass(frozen=True, kw_only=True)
class HomeTile(Link):
    pass


@dataclass(frozen=True, kw_only=True)
class ConsoleSection:
    key: str
    label: Any
    subtitle: Any = ""
    order: int = 100


@dataclass(frozen=True, kw_only=True)
class ConsolePage(Link):
    section: str


@dataclass(frozen=True, kw_only=True)
class MerchantPage(Link):
    pass


@dataclass(frozen=True, kw_only=True)
class Landing:
    """Where users of ``audience`` land after signing in; the lowest ``order`` that applies wins."""

    audience: tuple[Audience, ...]
    url_name: str
    order: int = 100


@dataclass(frozen=True, kw_only=True)
class HomeCard:
    """A "my things" provider on the worker home: ``provider`` is the dotted path of a function
    ``(request) -> list of {"title", "subtitle", "url", "icon"}`` (zero or more items; read-only,
    one cheap query). Called only for signed-in users."""

    provider: str
    order: int = 100
    audience: tuple[Audience, ...] = field(default_factory=lambda: (signed_in(),))


Declaration = Tab | TabEntry | HomeTile | ConsoleSection | ConsolePage | MerchantPage | Landing | HomeCard

_lock = threading.Lock()
_discover_lock = threading.Lock()
_declared: dict[tuple[Any, ...], Declaration] = {}
_discovered = False
_sorted: dict[type[Any], list[Any]] = {}


def _key(item: Declaration) -> tuple[Any, ...]:
    if isinstance(item, Tab | ConsoleSection):
        return (type(item).__name__, item.key)
    if isinstance(item, TabEntry):
        return ("TabEntry", item.tab, item.url_name, item.args)
    if isinstance(item, ConsolePage):
        return ("ConsolePage", item.section, item.url_name, item.args)
    if isinstance(item, Landing):
        return ("Landing", item.url_name, item.audience)
    if isinstance(item, HomeCard):
        return ("HomeCard", item.provider)
    return (type(item).__name__, item.url_name, item.args)


def register(*items: Declaration) -> None:
    """Declare navigation items (idempotent: the same item declared twice is kept once)."""
    with _lock:
        for item in items:
            if isinstance(item, TabEntry) and item.tab not in TAB_KEYS:
                raise ValueError(f"unknown H5 tab {item.tab!r}: one of {TAB_KEYS}")
            _declared[_key(item)] = item
        _sorted.clear()


def discover() -> None:
    """Import the ``nav`` module of every installed app (once)."""
    global _discovered
    if _discovered:
        return
    from django.utils.module_loading import autodiscover_modules

    with _discover_lock:
        if not _discovered:
            autodiscover_modules("nav")
            _discovered = True


def declared(kind: type[Any]) -> list[Any]:
    """The declarations of one kind, in order (sorted once per change of the registry)."""
    discover()
    cached = _sorted.get(kind)
    if cached is None:
        cached = sorted(
            (i for i in list(_declared.values()) if type(i) is kind),
            key=lambda i: (
                i.order,
                str(getattr(i, "key", "") or getattr(i, "url_name", "") or getattr(i, "provider", "")),
            ),
        )
        _sorted[kind] = cached
    return list(cached)


# --- what one request sees ----------------------------------------------------------------------


@dataclass(frozen=True)
class ShownLink:
    label: Any
    url: str
    icon: str
    description: Any
    url_name: str
    login_required: bool


class ShownTab:
    """A tab as one request sees it; its links are worked out only when a page lists them (the
    tab bar itself needs none, so it costs no query for the tabs that always show)."""

    def __init__(self, tab: Tab, entries: list[TabEntry], request: HttpRequest) -> None:
        self.key, self.label, self.icon = tab.key, tab.label, tab.icon
        self._entries, self._request = entries, request

    @cached_property
    def links(self) -> tuple[ShownLink, ...]:
        return _shown(self._request, self._entries)


@dataclass(frozen=True)
class ShownSection:
    key: str
    label: Any
    subtitle: Any
    links: tuple[ShownLink, ...]


def _shown(request: HttpRequest, items: Iterable[Link]) -> tuple[ShownLink, ...]:
    out = []
    for item in items:
        if not allowed(request, item.audience):
            continue
        url = item.url(request)
        if url is None:
            continue
        # An entry without its own icon takes its app's (the URL namespace, e.g. "tourism").
        icon = item.icon or item.url_name.partition(":")[0]
        out.append(ShownLink(item.label, url, icon, item.description, item.url_name, item.login_required))
    return tuple(out)


def h5_tabs(request: HttpRequest) -> list[ShownTab]:
    entries = declared(TabEntry)
    tabs = []
    for tab in declared(Tab):
        shown = ShownTab(tab, [e for e in entries if e.tab == tab.key], request)
        if tab.always or shown.links:
            tabs.append(shown)
    return tabs


def declared_tab(request: HttpRequest) -> str:
    """The tab this page is listed under (a ``TabEntry`` with its URL name), or "": the bar then
    marks that tab whatever the view chose, so a page reached from 我的 stays under 我的."""
    match = getattr(request, "resolver_match", None)
    name = getattr(match, "view_name", "") or ""
    if not name:
        return ""
    for entry in declared(TabEntry):
        if entry.url_name == name:
            return str(entry.tab)
    return ""


def home_tiles(request: HttpRequest) -> list[ShownLink]:
    return list(_shown(request, declared(HomeTile)))


def console_sections(request: HttpRequest) -> list[ShownSection]:
    pages = declared(ConsolePage)
    sections = []
    for section in declared(ConsoleSection):
        links = _shown(request, (p for p in pages if p.section == section.key))
        if links:
            sections.append(ShownSection(section.key, section.label, section.subtitle, links))
    return sections


def merchant_pages(request: HttpRequest) -> list[ShownLink]:
    return list(_shown(request, declared(MerchantPage)))


@dataclass(frozen=True)
class HomeItem:
    title: Any
    subtitle: Any
    url: str
    icon: str


def home_cards(request: HttpRequest) -> list[HomeItem]:
    """The signed-in user's "my things": every declared provider's items, in declaration order."""
    from django.utils.module_loading import import_string

    if not _signed_in(request, ()):
        return []
    items: list[HomeItem] = []
    for card in declared(HomeCard):
        if not allowed(request, card.audience):
            continue
        for row in import_string(card.provider)(request) or ():
            items.append(HomeItem(row["title"], row.get("subtitle", ""), row["url"], row.get("icon", "")))
    return items


def landing_url(request: HttpRequest) -> str | None:
    """The first declared landing that applies to the request's user and reverses."""
    for landing in declared(Landing):
        if allowed(request, landing.audience):
            try:
                return reverse(landing.url_name)
            except NoReverseMatch:
                continue
    return None


def find(items: Iterable[Any], key: str) -> Any:
    return next((i for i in items if i.key == key), None)


__all__ = [
    "Audience",
    "ConsolePage",
    "ConsoleSection",
    "HomeCard",
    "HomeItem",
    "HomeTile",
    "Landing",
    "Link",
    "MerchantPage",
    "Tab",
    "TabEntry",
    "admin",
    "anyone",
    "console",
    "console_sections",
    "duty",
    "h5_tabs",
    "home_cards",
    "home_tiles",
    "landing_url",
    "merchant",
    "merchant_pages",
    "register",
    "register_audience",
    "signed_in",
    "staff",
]
