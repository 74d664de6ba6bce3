"""Benchmark scenarios: every module here is imported by :func:`bench.registry.discover` and registers
its scenarios with ``@scenario`` / ``@micro``. One module per area (``members.py``, ``tourism.py``, …);
see docs/benchmarks.md, "Adding a scenario". Modules named ``_*`` are skipped.

Do not import Django models at module level here: the load generator imports these modules without
Django. Import them inside setup functions and micro callables.
"""
