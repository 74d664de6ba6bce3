"""The scenario registry.

A scenario is either

* an **HTTP** scenario (:func:`scenario`): a request factory ``(ctx, i) -> Request`` that the load
  generator calls for the i-th request of a connection run, against the production-style gunicorn;
* a **micro** scenario (:func:`micro`): a Python callable ``(ctx) -> None`` run N times in one
  process with Django set up, timed one call at a time.

Both may declare ``setup`` (runs once, in a subprocess with Django set up against the benchmark
database, returns a JSON-able dict merged into ``ctx``) and ``auth`` (a bearer token for a user,
made before ``setup`` runs; the harness adds ``Authorization: Bearer ...`` to every request).

This module must stay importable without Django: the load generator process never sets Django up.
Scenario modules therefore import models *inside* their setup and micro functions.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Ctx = dict[str, Any]


@dataclass(frozen=True)
class Request:
    """One request. ``path`` is relative to the server root and includes any query string."""

    method: str = "GET"
    path: str = "/"
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes | None = None

    @classmethod
    def json(cls, method: str, path: str, payload: Any, headers: Mapping[str, str] | None = None) -> Request:
        import json

        return cls(
            method=method,
            path=path,
            headers={"Content-Type": "application/json", **(headers or {})},
            body=json.dumps(payload, ensure_ascii=False).encode(),
        )


@dataclass(frozen=True)
class Auth:
    """Bearer-token auth for a scenario: the harness makes (or reuses) ``username`` and issues a token.

    ``staff`` sets ``is_staff``; roles at union nodes are the scenario's own ``setup`` business (it
    finds the user as ``ctx["auth_user_id"]``)."""

    username: str
    staff: bool = False
    superuser: bool = False


RequestFactory = Callable[[Ctx, int], Request]
SetupFn = Callable[[Ctx], "Mapping[str, Any] | None"]
MicroFn = Callable[[Ctx], object]


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    kind: Literal["http", "micro"]
    factory: RequestFactory | None = None
    func: MicroFn | None = None
    setup: SetupFn | None = None
    auth: Auth | None = None
    baseline: bool = False
    default: bool = True
    # HTTP only: a queue run (loadgen.run_queue) — ctx["jobs"] requests that must each be served,
    # 202 + Retry-After followed — instead of the closed loop; --duration is the window reported.
    queue: bool = False
    iterations: int = 2000
    warmup_iterations: int = 100

    @property
    def module(self) -> str:
        fn = self.factory or self.func
        return getattr(fn, "__module__", "")


REGISTRY: dict[str, Scenario] = {}

# The HTTP baselines every run measures (ratios are computed against them) and the micro baseline
# every micro scenario is compared with.
HTTP_BASELINES = ("baseline_bare", "baseline_query")
MICRO_BASELINE = "micro_query"


def register(sc: Scenario) -> Scenario:
    if sc.name in REGISTRY and REGISTRY[sc.name].module != sc.module:
        raise ValueError(
            f"scenario {sc.name!r} is registered twice ({REGISTRY[sc.name].module}, {sc.module})"
        )
    if sc.kind == "http" and sc.factory is None:
        raise ValueError(f"HTTP scenario {sc.name!r} needs a request factory")
    if sc.kind == "micro" and sc.func is None:
        raise ValueError(f"micro scenario {sc.name!r} needs a callable")
    REGISTRY[sc.name] = sc
    return sc


def scenario(
    name: str,
    description: str,
    *,
    setup: SetupFn | None = None,
    auth: Auth | None = None,
    baseline: bool = False,
    default: bool = True,
    queue: bool = False,
) -> Callable[[RequestFactory], RequestFactory]:
    """Register an HTTP scenario; decorates its request factory ``(ctx, i) -> Request``."""

    def deco(factory: RequestFactory) -> RequestFactory:
        register(
            Scenario(
                name=name,
                description=description,
                kind="http",
                factory=factory,
                setup=setup,
                auth=auth,
                baseline=baseline,
                default=default,
                queue=queue,
            )
        )
        return factory

    return deco


def micro(
    name: str,
    description: str,
    *,
    setup: SetupFn | None = None,
    auth: Auth | None = None,
    iterations: int = 2000,
    warmup_iterations: int = 100,
    baseline: bool = False,
    default: bool = True,
) -> Callable[[MicroFn], MicroFn]:
    """Register an in-process micro-benchmark; decorates the callable ``(ctx) -> Any`` to time."""

    def deco(func: MicroFn) -> MicroFn:
        register(
            Scenario(
                name=name,
                description=description,
                kind="micro",
                func=func,
                setup=setup,
                auth=auth,
                iterations=iterations,
                warmup_iterations=warmup_iterations,
                baseline=baseline,
                default=default,
            )
        )
        return func

    return deco


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def discover() -> dict[str, Scenario]:
    """Import every module of :mod:`bench.scenarios` (each registers its scenarios on import)."""
    import bench.scenarios as pkg

    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
        if not info.name.startswith("_"):
            importlib.import_module(f"{pkg.__name__}.{info.name}")
    return REGISTRY


def select(names: list[str] | None) -> list[Scenario]:
    """The scenarios to run, baselines first. ``names`` empty: every ``default`` scenario.

    HTTP baselines are always included (ratios need them); the micro baseline is included whenever a
    micro scenario runs."""
    reg = discover()
    if names:
        unknown = [n for n in names if n not in reg]
        if unknown:
            raise KeyError(f"unknown scenario(s): {', '.join(unknown)}; known: {', '.join(sorted(reg))}")
        chosen = list(dict.fromkeys(names))
    else:
        chosen = [n for n, sc in reg.items() if sc.default]
    wanted = [*HTTP_BASELINES]
    if any(reg[n].kind == "micro" for n in chosen) and MICRO_BASELINE in reg:
        wanted.append(MICRO_BASELINE)
    wanted += [n for n in chosen if n not in wanted]
    http = [reg[n] for n in wanted if reg[n].kind == "http"]
    micros = [reg[n] for n in wanted if reg[n].kind == "micro"]
    return http + micros
