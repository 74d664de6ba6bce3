"""Every installed app's navigation declarations are sound: an entry whose URL does not reverse is
hidden at run time (so that an app not installed stays out of sight) — which would also hide a typo.
Here every declared URL of the installed apps must reverse, and every audience must be registered."""

from __future__ import annotations

from django.urls import reverse

from yugong.core import nav


def test_every_declared_url_reverses_and_every_audience_is_known() -> None:
    known = set(nav.audience_names())
    problems = []
    for kind in (nav.TabEntry, nav.HomeTile, nav.ConsolePage, nav.MerchantPage, nav.Landing):
        for item in nav.declared(kind):
            kwargs = {k: 1 for k in getattr(item, "url_kwargs_from", ())}
            try:
                reverse(item.url_name, args=getattr(item, "args", ()) or None, kwargs=kwargs or None)
            except Exception as exc:  # noqa: BLE001 - report every one, not just the first
                problems.append(f"{kind.__name__} {item.url_name}: {exc}")
            problems += [
                f"{kind.__name__} {item.url_name}: audience {a.name!r} not registered"
                for a in item.audience
                if a.name not in known
            ]
    assert problems == []


def test_every_page_sits_in_a_declared_section_and_tab() -> None:
    sections = {s.key for s in nav.declared(nav.ConsoleSection)}
    tabs = {t.key for t in nav.declared(nav.Tab)}
    assert {p.section for p in nav.declared(nav.ConsolePage)} <= sections
    assert {e.tab for e in nav.declared(nav.TabEntry)} <= tabs
