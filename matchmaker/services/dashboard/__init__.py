"""The city's results dashboard: figures computed from the database for a period and filters, never stored.

Plain functions a view, a job queue or an API can call: ``build_dashboard(scope)`` returns frozen
sections; ``records.record_ids(key, scope)`` / ``records.list_records(key, scope)`` the records behind a
figure, by the same query as its count. A section is one module with a ``section(scope)`` function, listed
in ``SECTIONS`` (the Resolution 57 plan's tasks are one such module, ``plan``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

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
    "catalogue",
    "filter_choices",
    "local_today",
    "parse_args",
    "records",
]
