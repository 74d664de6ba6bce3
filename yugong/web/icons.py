"""Icon names used by navigation declarations, mapped to the Tabler icon set (MIT, npm
``@tabler/icons``) that ``scripts/vendor.py`` packs into one SVG sprite (``vendor/icons.svg``).

Declarations name an icon by key (``icon="station"``); only this mapping knows how it looks. An
unknown key draws the generic ``FALLBACK`` icon. Templates may also name a Tabler icon directly
(``{% icon "ticket" %}``): ``scripts/vendor.py`` collects those names from the templates, so the
sprite holds exactly the icons the pages use. This module imports nothing (the build script loads
it without Django)."""

from __future__ import annotations

FALLBACK = "circle-dot"

TABLER: dict[str, str] = {
    # H5 bottom tabs
    "home": "home",
    "services": "layout-grid",
    "growth": "trophy",
    "help": "lifebuoy",
    "me": "user",
    # home-grid tiles and tab entries
    "join": "user-plus",
    "card": "id-badge-2",
    "station": "building-community",
    "tourism": "beach",
    "contest": "trophy",
    "learning": "school",
    "assistance": "heart-handshake",
    "rights": "scale",
    "news": "news",
    # an entry without its own icon takes its app's (the URL namespace)
    "accounts": "user",
    "contests": "trophy",
    "stations": "building-community",
    "roster": "users",
    "funds": "coins",
    "events": "calendar-event",
    "activities": "calendar-event",
    "jobs": "briefcase",
    "web": "layout-grid",
    # home cards ("my things") and the console dashboard
    "ticket": "ticket",
    "appeal": "message-report",
    "application": "file-certificate",
    "quiz": "checklist",
    "members": "users",
    "approvals": "user-check",
    "overdue": "alert-triangle",
    "visits": "map-pin",
    "orders": "shopping-cart",
    "revenue": "coins",
    "empty": "inbox",
    "more": "chevron-right",
    "notice": "speakerphone",
    "honors": "award",
    "innovation": "bulb",
    "heart": "heart-handshake",  # volunteer service
    "orgs": "users",
}


def tabler_name(key: str) -> str:
    """The Tabler icon drawn for a navigation icon key."""
    return TABLER.get(key, FALLBACK)


def sprite_names() -> set[str]:
    """Every Tabler icon the mapping can draw (the build adds the templates' direct names)."""
    return set(TABLER.values()) | {FALLBACK}
