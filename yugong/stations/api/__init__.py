"""``/api/v1/stations/``: one router; the modules register their operations on it in this order."""

from . import directory, records  # noqa: F401  (registers the operations)
from .common import router

__all__ = ["router"]
