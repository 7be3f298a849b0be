"""The dashboard's answers: frozen figures, small tables and sections, with no formatting."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from matchmaker.models import utcnow
from matchmaker.services.dashboard.scope import Scope

Value = int | float | None


@dataclass(frozen=True)
class Figure:
    """One number: its key (see ``catalogue``), its value and unit, and the figure whose records are behind it.

    ``unit`` is ``count``, ``vnd``, ``days`` or ``percent``; ``records`` is None when no list is behind it.
    """

    key: str
    value: Value
    unit: str = "count"
    records: str | None = None


@dataclass(frozen=True)
class Row:
    """A row of a small table: a label (a name, a state's value, a month) and its values."""

    label: str | date
    values: tuple[Value, ...]
    records: str | None = None


@dataclass(frozen=True)
class Table:
    """A small table or chart's data: its key, column keys (with units) and rows."""

    key: str
    columns: tuple[str, ...]
    units: tuple[str, ...]
    rows: tuple[Row, ...]

    def column(self, index: int) -> list[Value]:
        return [row.values[index] for row in self.rows]


@dataclass(frozen=True)
class Section:
    """One part of the dashboard: its figures and tables."""

    key: str
    figures: tuple[Figure, ...]
    tables: tuple[Table, ...] = ()

    def figure(self, key: str) -> Figure:
        return next(f for f in self.figures if f.key == key)

    def table(self, key: str) -> Table:
        return next(t for t in self.tables if t.key == key)


@dataclass(frozen=True)
class Dashboard:
    """Every section for one scope, and when they were computed."""

    scope: Scope
    sections: tuple[Section, ...]
    built_at: datetime = field(default_factory=utcnow)

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)

    def value(self, key: str) -> Value:
        """The value of the figure ``key``, whatever its section."""
        for section in self.sections:
            for found in section.figures:
                if found.key == key:
                    return found.value
        raise KeyError(key)
