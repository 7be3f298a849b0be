"""A thread-safe in-memory store for the rate limits (the default, ``memory://``).

The ``limits`` library's memory storage is not safe under threads (limits 5.8): two requests that
find its expiry timer stopped each create one and both start the same timer ("threads can only be
started once", a 500), and overlapping timers delete the same key twice (``KeyError``). The
threaded development server, gunicorn's threaded workers and the parallel-request tests all hit it.
Upstream merged a fix (alisaifee/limits#352) that no release contains yet.

This subclass takes over the ``memory`` scheme and runs every operation of the store, including
the timer's sweep, under one re-entrant lock. The store is tiny (a counter per key) so one lock costs
nothing measurable. Production with several processes sets ``RATELIMIT_STORAGE_URI=redis://…``,
which this does not touch. Remove this module once a released ``limits`` is thread-safe.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

from limits.storage.memory import MemoryStorage


class SerialMemoryStorage(MemoryStorage):
    """MemoryStorage whose operations run one at a time."""

    STORAGE_SCHEME = [
        "memory"
    ]  # registering the scheme replaces the unsafe class for memory://

    def __init__(
        self, uri: str | None = None, wrap_exceptions: bool = False, **options: str
    ):
        # Before the parent's __init__: it starts the first timer, whose sweep takes this lock.
        self._serial = threading.RLock()
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._serial = threading.RLock()
        super().__setstate__(state)

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


# Every method the parent defines, public or name-mangled private (the timer's sweep and its
# rescheduling), so that a method added by a later release of limits is covered too.
for _name, _member in vars(MemoryStorage).items():
    if callable(_member) and not (_name.startswith("__") and _name.endswith("__")):
        setattr(SerialMemoryStorage, _name, _serialised(_member))
