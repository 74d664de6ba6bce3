"""One background thread per process, for the token cache's write-behinds and listener."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Any


class ProcessThread:
    """Runs ``run(generation)`` on a daemon thread, started by the first :meth:`ensure` in a process
    and again in a forked child (a gunicorn worker inherits its master's module state, not its
    threads). Before each start ``begin()`` runs under ``lock`` (the caller's, guarding its queue):
    it drops what the process inherited and answers whether to start at all. Each start is a new
    generation; a thread whose generation is no longer :meth:`current` must return."""

    def __init__(
        self, name: str, run: Callable[[int], None], *, lock: Any, begin: Callable[[], bool]
    ) -> None:
        self.name, self._run, self._lock, self._begin = name, run, lock, begin
        self.pid: int | None = None  # the process of the current generation
        self.generation = 0

    def ensure(self) -> None:
        if self.pid == os.getpid():
            return
        with self._lock:
            if self.pid != os.getpid():
                self.pid = os.getpid()
                self.generation += 1
                if self._begin():
                    threading.Thread(
                        target=self._run, args=(self.generation,), name=self.name, daemon=True
                    ).start()

    def current(self, generation: int) -> bool:
        return generation == self.generation
