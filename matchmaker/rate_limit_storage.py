"""A thread-safe in-memory store for the rate limits (the default, ``memory://``).

The ``limits`` library's memory storage is not safe under threads (limits 5.8): two requests that
find its expiry timer stopped each create one and both start the same timer ("threads can only be
started once", a 500), and overlapping timers delete the same key twice (``KeyError``). The
threaded development server, gunicorn's threaded workers and the parallel-request tests all hit it.
Upstream merged a fix (alisaifee/limits#352) that no release contains yet.

This subclass takes over the ``memory`` scheme and runs every operation of the store, including
the expiry sweep, under one re-entrant lock. The store is tiny (a counter per key) so one lock costs
nothing measurable.

It also starts no thread per request. The library sweeps expired keys on a ``threading.Timer`` of
0.01 s that each hit restarts once the last one has fired, so nearly every request started a thread
(about 0.2 ms a hit, more under load). Here the hit itself runs the sweep, inline and under the lock,
at most once every ``SWEEP_INTERVAL`` seconds. Counts stay exact in between because ``get()`` (which
every hit calls first) drops an expired counter itself, and the moving window ignores entries older
than its window; the sweep only frees the memory of keys nobody asks for again. Production with several processes sets ``RATELIMIT_STORAGE_URI=redis://…``,
which this does not touch. Remove this module once a released ``limits`` is thread-safe.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable
from typing import Any

from limits.storage.memory import MemoryStorage


class SerialMemoryStorage(MemoryStorage):
    """MemoryStorage whose operations run one at a time."""

    STORAGE_SCHEME = [
        "memory"
    ]  # registering the scheme replaces the unsafe class for memory://

    SWEEP_INTERVAL = 1.0  # seconds between two sweeps of expired keys

    def __init__(
        self, uri: str | None = None, wrap_exceptions: bool = False, **options: str
    ):
        # Before the parent's __init__: it starts the first timer, whose sweep takes this lock.
        self._serial = threading.RLock()
        self._next_sweep = 0.0
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.timer.cancel()  # the parent's first timer: the hits sweep from now on

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._serial = threading.RLock()
        self._next_sweep = 0.0
        super().__setstate__(state)
        self.timer.cancel()

    def _MemoryStorage__schedule_expiry(self) -> None:
        """Sweep expired keys now if the last sweep is SWEEP_INTERVAL old (replaces the timer)."""
        now = time.monotonic()
        if now >= self._next_sweep:
            self._next_sweep = now + self.SWEEP_INTERVAL
            self._MemoryStorage__expire_events()

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        state.pop("_serial", None)
        return state


def _serialised(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def run(self: SerialMemoryStorage, *args: Any, **kwargs: Any) -> Any:
        with self._serial:
            return method(self, *args, **kwargs)

    return run


# Every method the parent defines, public or name-mangled private (the sweep and its scheduling,
# which this class replaces), so that a method added by a later release of limits is covered too.
for _name, _member in vars(MemoryStorage).items():
    if callable(_member) and not (_name.startswith("__") and _name.endswith("__")):
        _own = vars(SerialMemoryStorage).get(_name, _member)
        setattr(SerialMemoryStorage, _name, _serialised(_own))
