"""``ProcessThread``: one thread per process, started on first use and again after a fork (here a
changed pid); the thread of an earlier generation learns that it must stop."""

from __future__ import annotations

import os
import threading
import time
from collections import defaultdict
from collections.abc import Iterator

import pytest

from yugong.accounts.process_thread import ProcessThread


class Probe:
    """A thread that records its generation and runs until it is no longer current."""

    def __init__(self, name: str, start: bool = True) -> None:
        self.lock = threading.Lock()
        self.start = start
        self.begun = 0
        self.threads: dict[int, threading.Thread] = {}  # generation -> its thread
        self.stopped: defaultdict[int, threading.Event] = defaultdict(threading.Event)
        self.thread = ProcessThread(name, self.run, lock=self.lock, begin=self.begin)

    def begin(self) -> bool:
        assert self.lock.locked()  # under the caller's lock
        self.begun += 1
        return self.start

    def run(self, generation: int) -> None:
        self.threads[generation] = threading.current_thread()
        while self.thread.current(generation):
            time.sleep(0.005)
        self.stopped[generation].set()

    def started(self) -> list[int]:
        deadline = time.monotonic() + 5
        while len(self.threads) < self.thread.generation and time.monotonic() < deadline:
            time.sleep(0.005)
        return sorted(self.threads)


@pytest.fixture
def probe(request: pytest.FixtureRequest) -> Iterator[Probe]:
    made = Probe(f"probe-{request.node.name}")
    yield made
    made.thread.generation += 1  # stop whatever still runs
    for thread in made.threads.values():
        thread.join(5)
        assert not thread.is_alive()


def test_the_thread_starts_once_per_process(probe: Probe) -> None:
    barrier = threading.Barrier(8)

    def call() -> None:
        barrier.wait()
        probe.thread.ensure()

    callers = [threading.Thread(target=call) for _ in range(8)]
    for caller in callers:
        caller.start()
    for caller in callers:
        caller.join()
    probe.thread.ensure()
    assert probe.started() == [1] and probe.begun == 1 and probe.thread.pid == os.getpid()
    assert probe.threads[1].name == probe.thread.name and probe.threads[1].daemon
    assert not probe.stopped[1].wait(0.05)  # still current: it runs on


def test_after_a_fork_a_new_generation_starts_and_the_old_thread_stops(
    probe: Probe, monkeypatch: pytest.MonkeyPatch
) -> None:
    probe.thread.ensure()
    assert probe.started() == [1]
    parent = os.getpid()
    monkeypatch.setattr(os, "getpid", lambda: parent + 1)  # the child of a fork
    probe.thread.ensure()
    assert probe.started() == [1, 2] and probe.begun == 2 and probe.thread.pid == parent + 1
    assert probe.stopped[1].wait(5)  # the earlier generation's loop ended
    probe.threads[1].join(5)
    assert not probe.threads[1].is_alive() and probe.threads[2].is_alive()
    probe.thread.ensure()  # started in this process already
    assert probe.begun == 2 and probe.started() == [1, 2]


def test_begin_may_decline_the_thread() -> None:
    probe = Probe("probe-declined", start=False)
    probe.thread.ensure()
    probe.thread.ensure()
    assert probe.begun == 1 and probe.thread.generation == 1
    time.sleep(0.02)
    assert probe.threads == {} and probe.thread.pid == os.getpid()
