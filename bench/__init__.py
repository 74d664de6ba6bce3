"""yugong's benchmark harness: ``python -m bench`` (``make bench``). See docs/benchmarks.md.

Scenarios live in :mod:`bench.scenarios` and register themselves with :func:`bench.registry.scenario`
(HTTP against a production-style gunicorn) or :func:`bench.registry.micro` (in-process callables).
"""

from .registry import Auth, Request, bearer, micro, scenario

__all__ = ["Auth", "Request", "bearer", "micro", "scenario"]
