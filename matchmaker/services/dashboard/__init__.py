"""The city's results dashboard: figures computed from the database for a period and filters, never stored.

Plain functions a view, a job queue or an API can call: ``build_dashboard(scope)`` returns frozen
sections; ``records.record_ids(key, scope)`` / ``records.list_records(key, scope)`` the records behind a
figure, by the same query as its count. A section is one module with a ``section(scope)`` function, listed
in ``SECTIONS`` (the Resolution 57 plan's tasks are one such module, ``plan``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app

from matchmaker.services import writes
from matchmaker.services.dashboard import (
    catalogue,
    health,
    money,
    orders,
    participation,
    plan,
    records,
    results,
)
from matchmaker.services.dashboard.scope import (
    Filters,
    ParsedScope,
    Period,
    Scope,
    filter_choices,
    local_today,
    parse_args,
)
from matchmaker.services.dashboard.types import Dashboard, Figure, Row, Section, Table


@dataclass(frozen=True)
class SectionSpec:
    """A section of the dashboard: its key, its function, and whether the public version shows it."""

    key: str
    build: Callable[[Scope], Section]
    public: bool


SECTIONS = (
    SectionSpec("plan", plan.section, False),
    SectionSpec("orders", orders.section, True),
    SectionSpec("money", money.section, False),
    SectionSpec("results", results.section, True),
    SectionSpec("participation", participation.section, False),
    SectionSpec("health", health.section, False),
)


def build_dashboard(scope: Scope) -> Dashboard:
    """Every section for ``scope`` (the public ones only when ``scope.public``)."""
    specs = [spec for spec in SECTIONS if spec.public or not scope.public]
    return Dashboard(scope, tuple(spec.build(scope) for spec in specs))


# Commits of this process that wrote anything: a dashboard kept from before one is built again.
_writes = writes.watch()
# Dashboards kept per process (per scope), the oldest dropped first.
KEPT = 64
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Board:
    dashboard: Dashboard
    at: float  # time.monotonic() when its build started
    seen: int  # this process's latest write then (``_writes.last``)


class _Kept:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.boards: OrderedDict[Scope, _Board] = OrderedDict()
        self.refreshing: dict[Scope, threading.Thread] = {}

    def get(self, scope: Scope) -> _Board | None:
        with self.lock:
            return self.boards.get(scope)

    def put(self, scope: Scope, board: _Board) -> None:
        with self.lock:
            kept = self.boards.get(scope)
            if kept is not None and kept.at > board.at:
                return  # a newer build got here first
            self.boards[scope] = board
            self.boards.move_to_end(scope)
            while len(self.boards) > KEPT:
                self.boards.popitem(last=False)


def _kept() -> _Kept:
    return current_app.extensions.setdefault("matchmaker.dashboard", _Kept())


def current_dashboard(scope: Scope) -> Dashboard:
    """:func:`build_dashboard`, as this process built it before its latest write and less than
    ``DASHBOARD_CACHE_SECONDS`` ago (30); ``0`` builds every time. The page says when the figures were
    computed (``built_at``); each build counts every figure from the database.

    - Nothing kept for ``scope``, or this process wrote since: built now, so a change made through this
      process shows at once.
    - Older than the time: the kept figures are served and a thread of this process counts them again for
      the next page (one at a time per scope), so no visitor waits for a recount because time passed;
      another process's change shows within the time and one recount.
    """
    ttl = float(current_app.config.get("DASHBOARD_CACHE_SECONDS", 30))
    if ttl <= 0:
        return build_dashboard(scope)
    kept = _kept()
    found = kept.get(scope)
    if found is None or found.seen != _writes.last:
        return _build(kept, scope)
    if time.monotonic() - found.at >= ttl:
        _refresh_later(kept, scope)
    return found.dashboard


def _build(kept: _Kept, scope: Scope) -> Dashboard:
    started, seen = time.monotonic(), _writes.last
    board = build_dashboard(scope)
    kept.put(scope, _Board(board, started, seen))
    return board


def _refresh_later(kept: _Kept, scope: Scope) -> None:
    """Count ``scope``'s figures again in a thread of this process, unless one already does."""
    app = current_app._get_current_object()

    def refresh() -> None:
        try:
            with app.app_context():
                _build(kept, scope)
        except Exception:  # the kept figures keep serving; the next page asks again
            log.exception("dashboard refresh failed")
        finally:
            with kept.lock:
                kept.refreshing.pop(scope, None)

    with kept.lock:
        if scope in kept.refreshing:
            return
        thread = kept.refreshing[scope] = threading.Thread(
            target=refresh, name="dashboard-refresh", daemon=True
        )
    thread.start()


def wait_for_refreshes(timeout: float | None = None) -> None:
    """Wait until this app's dashboard refreshes are done (the tests, before their database goes)."""
    kept = _kept()
    with kept.lock:
        threads = list(kept.refreshing.values())
    for thread in threads:
        thread.join(timeout)


__all__ = [
    "SECTIONS",
    "Dashboard",
    "Figure",
    "Filters",
    "ParsedScope",
    "Period",
    "Row",
    "Scope",
    "Section",
    "SectionSpec",
    "Table",
    "build_dashboard",
    "current_dashboard",
    "catalogue",
    "filter_choices",
    "local_today",
    "parse_args",
    "records",
]
