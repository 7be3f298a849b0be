"""The city's results dashboard: figures computed from the database for a period and filters, never stored.

Plain functions a view, a job queue or an API can call: ``build_dashboard(scope)`` returns frozen
sections; ``records.record_ids(key, scope)`` / ``records.list_records(key, scope)`` the records behind a
figure, by the same query as its count. A section is one module with a ``section(scope)`` function, listed
in ``SECTIONS`` (the Resolution 57 plan's tasks are one such module, ``plan``).
"""

from __future__ import annotations

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


class _Kept:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.boards: OrderedDict[Scope, tuple[Dashboard, float, int]] = OrderedDict()


def current_dashboard(scope: Scope) -> Dashboard:
    """:func:`build_dashboard`, as this process built it less than ``DASHBOARD_CACHE_SECONDS`` ago (30) and
    before its latest write: the pages' figures are at most that old, and a change made through this
    process shows at once. The page says when they were computed (``built_at``). Each build still counts
    every figure from the database; ``0`` builds every time."""
    ttl = float(current_app.config.get("DASHBOARD_CACHE_SECONDS", 30))
    kept = current_app.extensions.setdefault("matchmaker.dashboard", _Kept())
    seen, now = _writes.last, time.monotonic()
    with kept.lock:
        found = kept.boards.get(scope)
    if found is not None and found[2] == seen and now - found[1] < ttl:
        return found[0]
    board = build_dashboard(scope)
    if ttl > 0:
        with kept.lock:
            kept.boards[scope] = (board, now, seen)
            kept.boards.move_to_end(scope)
            while len(kept.boards) > KEPT:
                kept.boards.popitem(last=False)
    return board


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
