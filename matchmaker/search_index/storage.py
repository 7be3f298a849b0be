"""On-disk layout: versioned index directories, an atomic pointer, a write lock and journals."""

# <root>/CURRENT names the live version directory <root>/v-<ns>-<pid>. A rebuild fills a new
# version and then swaps CURRENT with os.replace, so readers never see a half-built index.
# Every write holds the inter-process lock <root>/write.lock (fcntl.flock). While a rebuild
# runs, writes are also appended to its journal and replayed into the new version before the
# swap, so no update made during a rebuild is lost.

from __future__ import annotations

import contextlib
import fcntl
import os
import pickle
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .documents import IndexBusy

POINTER = "CURRENT"
LOCK = "write.lock"
VERSION_PREFIX = "v-"
JOURNAL_SUFFIX = ".journal"


class Storage:
    """Paths and file operations under one index root directory."""

    def __init__(self, root: Path, lock_timeout: float = 60.0) -> None:
        self.root = root
        self.lock_timeout = lock_timeout

    def current_version(self) -> str | None:
        """Return the name of the live version, or ``None`` when there is none."""
        try:
            name = (self.root / POINTER).read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError):
            return None
        return name if name.startswith(VERSION_PREFIX) and "/" not in name else None

    def new_version(self) -> Path:
        """Create and return an empty, uniquely named version directory."""
        self.root.mkdir(parents=True, exist_ok=True)
        path = self.root / f"{VERSION_PREFIX}{time.time_ns():020d}-{os.getpid()}"
        path.mkdir()
        return path

    def publish(self, version: Path) -> None:
        """Make ``version`` the live index atomically, then prune old versions."""
        tmp = self.root / f".{POINTER}.{os.getpid()}.tmp"
        tmp.write_text(version.name, encoding="ascii")
        os.replace(tmp, self.root / POINTER)
        self.prune()

    def prune(self) -> None:
        """Delete versions other than the live one, the one before it and those being rebuilt."""
        current = self.current_version()
        names = sorted(
            p.name for p in self.root.glob(f"{VERSION_PREFIX}*") if p.is_dir()
        )
        keep = {name for name in names if self.journal(name).exists()}
        if current in names:
            keep.update(
                names[max(0, names.index(current) - 1) : names.index(current) + 1]
            )
        for name in names:
            if name not in keep:
                shutil.rmtree(self.root / name, ignore_errors=True)

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the inter-process write lock, retrying with backoff up to ``lock_timeout`` seconds."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / LOCK, "a+b") as handle:
            deadline = time.monotonic() + self.lock_timeout
            delay = 0.005
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise IndexBusy(
                            f"search index {self.root} stayed locked"
                        ) from None
                    time.sleep(delay)
                    delay = min(delay * 2, 0.2)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def journal(self, version: str) -> Path:
        """Path of the journal of writes made while ``version`` is being built."""
        return self.root / f"{version}{JOURNAL_SUFFIX}"

    def open_journals(self) -> list[Path]:
        """Journals of the rebuilds in progress (call with the lock held)."""
        return [
            p
            for p in self.root.glob(f"{VERSION_PREFIX}*{JOURNAL_SUFFIX}")
            if p.is_file()
        ]

    def start_journal(self, version: str) -> None:
        """Start recording writes for a rebuild of ``version`` (call with the lock held)."""
        self.journal(version).touch()

    def record(self, ops: list[tuple[str, Any]]) -> None:
        """Append writes to every open journal (call with the lock held)."""
        payload = pickle.dumps(ops, protocol=pickle.HIGHEST_PROTOCOL)
        for path in self.open_journals():
            with open(path, "ab") as handle:
                handle.write(payload)

    def read_journal(self, version: str) -> list[tuple[str, Any]]:
        """Return the writes recorded for ``version``, oldest first (call with the lock held)."""
        ops: list[tuple[str, Any]] = []
        path = self.journal(version)
        if not path.exists():
            return ops
        with open(path, "rb") as handle:
            while True:
                try:
                    ops.extend(pickle.load(handle))  # noqa: S301 - our own file, written above
                except EOFError:
                    return ops

    def end_journal(self, version: str) -> None:
        """Stop recording writes for ``version``."""
        self.journal(version).unlink(missing_ok=True)
