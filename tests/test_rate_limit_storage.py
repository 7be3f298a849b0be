"""The rate limits' in-memory store stays correct when requests arrive on many threads at once."""

from __future__ import annotations

import sys
import threading
import time

import pytest
from limits.storage import storage_from_string

from matchmaker.extensions import limiter
from matchmaker.rate_limit_storage import SerialMemoryStorage


def hammer(storage, seconds: float = 1.5, threads: int = 8) -> list[BaseException]:
    """Count on many keys from many threads while the expiry timer keeps stopping and restarting.

    Returns every exception raised in a worker or in one of the store's timer threads. A tiny
    thread-switch interval makes the interleavings that break the unsafe store happen within a
    second (the upstream store fails it in about half the runs).
    """
    errors: list[BaseException] = []
    previous_hook, previous_interval = threading.excepthook, sys.getswitchinterval()
    threading.excepthook = lambda hook_args: errors.append(hook_args.exc_value)
    sys.setswitchinterval(1e-6)
    stop = time.monotonic() + seconds
    start = threading.Barrier(threads)

    def work(number: int) -> None:
        start.wait()
        count = 0
        while time.monotonic() < stop:
            try:
                storage.incr(f"key-{number}-{count % 50}", 1)
                storage.get(f"key-{number}-{count % 50}")
            except Exception as error:  # noqa: BLE001 - collected and asserted below
                errors.append(error)
                return
            count += 1

    try:
        workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        time.sleep(0.05)  # let the last sweep finish
    finally:
        sys.setswitchinterval(previous_interval)
        threading.excepthook = previous_hook
    return errors


def test_the_memory_scheme_is_the_thread_safe_store(app):
    assert isinstance(storage_from_string("memory://"), SerialMemoryStorage)
    assert isinstance(limiter.storage, SerialMemoryStorage)


@pytest.mark.parallel
def test_parallel_counting_raises_nothing_and_loses_no_hit():
    storage = storage_from_string("memory://")
    assert hammer(storage) == []
    # Counts stay exact under contention: 8 threads x 200 hits on one key.
    threads = [
        threading.Thread(
            target=lambda: [storage.incr("shared", 60) for _ in range(200)]
        )
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert storage.get("shared") == 1600


def count_thread_starts(monkeypatch) -> list[threading.Thread]:
    """Record every thread (timers included) started from now on."""
    started: list[threading.Thread] = []
    original = threading.Thread.start

    def start(thread: threading.Thread) -> None:
        started.append(thread)
        original(thread)

    monkeypatch.setattr(threading.Thread, "start", start)
    return started


def test_hits_start_no_thread(monkeypatch):
    storage = storage_from_string("memory://")
    started = count_thread_starts(monkeypatch)
    for number in range(40):
        # As when requests come more than the library's 10 ms apart: its last timer has fired
        # (the upstream store then starts a new one per hit) and a sweep is due.
        storage.timer.join()
        storage._next_sweep = 0.0
        storage.incr(f"counter-{number % 7}", 60)
        storage.acquire_entry(f"window-{number % 7}", 1000, 60)
    assert started == []
    assert storage.get("counter-0") == 6


def test_a_due_sweep_frees_expired_keys_and_keeps_live_ones():
    storage = storage_from_string("memory://")
    storage.incr("gone", -1)  # expired the moment it is written
    storage.acquire_entry("gone-window", 10, -1)
    storage.incr("live", 60)
    storage.acquire_entry("live-window", 10, 60)
    storage._next_sweep = 0.0
    storage.incr("other", 60)  # any hit runs the due sweep
    assert "gone" not in storage.storage and "gone" not in storage.expirations
    assert not storage.events.get("gone-window")  # the library keeps an empty list
    assert storage.storage["live"] == 1 and len(storage.events["live-window"]) == 1


def test_sweeps_run_at_most_once_per_interval(monkeypatch):
    storage = storage_from_string("memory://")
    sweeps: list[None] = []
    sweep = SerialMemoryStorage._MemoryStorage__expire_events
    monkeypatch.setattr(
        SerialMemoryStorage,
        "_MemoryStorage__expire_events",
        lambda self: (sweeps.append(None), sweep(self)),
    )
    storage._next_sweep = 0.0
    for _ in range(100):
        storage.incr("key", 60)
    assert len(sweeps) == 1
