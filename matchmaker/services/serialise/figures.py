"""The dashboard's figures: key, label, value, unit and definition, as the API and the workbook give them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Literal

from pydantic import Field

from matchmaker.services.dashboard import catalogue
from matchmaker.services.dashboard.types import Dashboard, Section
from matchmaker.services.serialise.common import Record

Unit = Literal["count", "vnd", "days", "percent", "number"]


class Figure(Record):
    """One number of the dashboard for a period and filters."""

    key: str = Field(description="Stable name of the figure.")
    section: str = Field(description="Key of the dashboard section that shows it.")
    section_label: str
    label: str = Field(description="The figure's name, in the caller's language.")
    definition: str = Field(description="How it is computed, in the caller's language.")
    value: int | float | None = Field(
        description="null when there is nothing to compute it from."
    )
    unit: Unit
    unit_label: str
    records: str | None = Field(
        description="The page listing the records behind the figure (null when no list is behind it)."
    )


class Period(Record):
    """The dates counted over (both included, Cần Thơ time)."""

    kind: Literal["year", "quarter", "custom"]
    start: date
    end: date


class FigureList(Record):
    """Every figure of the dashboard's public version for one period and filters."""

    period: Period
    items: list[Figure]
    dashboard: str = Field(description="The same figures on the public dashboard page.")


def section_figures(
    section: Section, records_url: Callable[[str], str] | None = None
) -> list[Figure]:
    """The figures of one section of the dashboard; ``records_url(key)`` links a figure to its records."""
    return [
        Figure(
            key=found.key,
            section=section.key,
            section_label=str(catalogue.SECTIONS[section.key]),
            label=str(catalogue.FIGURES[found.key].label),
            definition=str(catalogue.FIGURES[found.key].definition),
            value=found.value,
            unit=found.unit,
            unit_label=str(catalogue.UNITS[found.unit]),
            records=records_url(found.records)
            if found.records and records_url
            else None,
        )  # fmt: skip
        for found in section.figures
    ]


def figures(
    board: Dashboard, records_url: Callable[[str], str] | None = None
) -> list[Figure]:
    """Every figure of ``board``, section by section (the API's list; the workbook takes them by section)."""
    return [
        item
        for section in board.sections
        for item in section_figures(section, records_url)
    ]


class DatedFigure(Figure):
    """One public figure with the period it counts over: a row of the open dataset of figures."""

    period_kind: Literal["year", "quarter", "custom"] = Field(
        description="How the period was chosen."
    )
    period_start: date = Field(description="The first day counted (Cần Thơ time).")
    period_end: date = Field(description="The last day counted (Cần Thơ time).")


def dated_figures(
    board: Dashboard, records_url: Callable[[str], str] | None = None
) -> list[DatedFigure]:
    """Every figure of ``board`` with its period (the open dataset's rows, the API's very items)."""
    period = board.scope.period
    return [
        DatedFigure(
            **item.model_dump(),
            period_kind=period.kind,
            period_start=period.start,
            period_end=period.end,
        )  # fmt: skip
        for item in figures(board, records_url)
    ]


def figure_list(
    board: Dashboard, records_url: Callable[[str], str], dashboard_url: str
) -> FigureList:
    """The figures of ``board`` with its period."""
    period = board.scope.period
    return FigureList(
        period=Period(kind=period.kind, start=period.start, end=period.end),
        items=figures(board, records_url), dashboard=dashboard_url,
    )  # fmt: skip
