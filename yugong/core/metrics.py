"""The metric registry (principle 9: apps declare themselves). Every code passed to
:func:`yugong.core.facts.fact_record` / ``fact_set`` / ``fact_person`` is declared by the app that
records it, in its own ``yugong/<app>/metrics.py``::

    from yugong.core.metrics import Aggregation, Unit, metric

    metric("members.approved", _("入会审核通过"), unit=Unit.PERSON_TIMES, app="members",
           rows_url="members:list", rows_params={"union": "union_id"})

The cockpit collects the declarations (:func:`autodiscover`, run from its ``AppConfig.ready``), lists
them on its registry page and reads the facts through them: the unit says how to show a value, the
aggregation how to roll it up over days and over a subtree, ``rows_url`` where the rows behind a
number live (a URL name of the owning app's list page, reversed by the cockpit with
``rows_params`` filled from the drill-down: ``union_id``, ``union_code``, ``start``, ``end``) so the
cockpit links to them without importing the app.

Core imports no domain app: this module only holds the declarations.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class Unit(models.TextChoices):
    PEOPLE = "people", _("人")
    PERSON_TIMES = "person_times", _("人次")
    ITEMS = "items", _("个")
    SESSIONS = "sessions", _("场")
    TIMES = "times", _("次")
    MINUTES = "minutes", _("分钟")
    ORDERS = "orders", _("单")
    FIRMS = "firms", _("家")
    YUAN = "yuan", _("元")  # stored in fen, shown in yuan
    PERMILLE = "permille", _("‰")


class Aggregation(models.TextChoices):
    # Counts of occurrences: a node's figure is the sum over its subtree and the days of the period.
    SUM = "sum", _("按日累加")
    # Levels (fact_set): per node the value of the last day in the period, summed over the subtree.
    LATEST = "latest", _("取期末值")
    # Distinct people (fact_person): each person counted once across the subtree and the period.
    DISTINCT = "distinct", _("去重计人")


# The keys a metric's ``rows_params`` may map its list page's query parameters to.
ROW_KEYS = frozenset({"union_id", "union_code", "start", "end"})


@dataclass(frozen=True)
class Metric:
    code: str
    name: Any  # a lazy Chinese string; English through the catalogue
    unit: str
    app: str
    aggregation: str = Aggregation.SUM
    description: Any = ""
    rows_url: str = ""
    rows_params: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    # What the dimensions mean on the desk (a label: "按就业形态").
    dims: Any = ""
    # Which cells make the total when an app records one event under several dimensions: "*" every
    # cell (each event recorded once), "" only the undimensioned cell (the app records a total row
    # beside its breakdowns), or a prefix such as "kind:" (the app records one breakdown per axis).
    total_dims: str = "*"

    @property
    def distinct_people(self) -> bool:
        return self.aggregation == Aggregation.DISTINCT

    @property
    def unit_label(self) -> str:
        return str(Unit(self.unit).label)

    @property
    def in_fen(self) -> bool:
        return self.unit == Unit.YUAN


_REGISTRY: dict[str, Metric] = {}


def metric(
    code: str,
    name: Any,
    *,
    unit: str,
    app: str,
    aggregation: str = Aggregation.SUM,
    description: Any = "",
    rows_url: str = "",
    rows_params: Mapping[str, str] | None = None,
    dims: Any = "",
    total_dims: str = "*",
) -> Metric:
    """Declare a metric. Declaring the same code twice with different fields is a programming error
    (two apps claiming one code); re-declaring identically (a module imported twice) is harmless."""
    if unit not in Unit.values:
        raise ValueError(f"{code}: unknown unit {unit!r}")
    if aggregation not in Aggregation.values:
        raise ValueError(f"{code}: unknown aggregation {aggregation!r}")
    params = dict(rows_params or {})
    bad = set(params.values()) - ROW_KEYS
    if bad:
        raise ValueError(f"{code}: rows_params may only use {sorted(ROW_KEYS)}, not {sorted(bad)}")
    if aggregation == Aggregation.DISTINCT and unit != Unit.PEOPLE:
        raise ValueError(f"{code}: a distinct metric counts people (unit 人)")
    m = Metric(
        code=code,
        name=name,
        unit=unit,
        app=app,
        aggregation=aggregation,
        description=description,
        rows_url=rows_url,
        rows_params=MappingProxyType(params),
        dims=dims,
        total_dims=total_dims,
    )
    old = _REGISTRY.get(code)
    if old is not None and (old.app, old.unit, old.aggregation) != (m.app, m.unit, m.aggregation):
        raise ValueError(f"metric {code!r} is declared twice ({old.app} and {app})")
    _REGISTRY[code] = m
    return m


def get_metric(code: str) -> Metric | None:
    return _REGISTRY.get(code)


def all_metrics() -> list[Metric]:
    """Every declared metric, by owning app then code."""
    return sorted(_REGISTRY.values(), key=lambda m: (m.app, m.code))


def autodiscover() -> None:
    """Import ``metrics`` from every installed app (each declares its own)."""
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("metrics")
