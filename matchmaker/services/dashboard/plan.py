"""The Resolution 57 action plan's tasks: how many stand where today, and each lead agency's on-time rate.

The one definition of a task's standing is ``services.plan.standing`` (late is computed, never stored); this
section only narrows it to the dashboard's agency filter. Plan tasks have no period: they stand as of today.
"""

from __future__ import annotations

import sqlalchemy as sa

from matchmaker.models import PlanTask
from matchmaker.services.dashboard.records import RecordSet, figure
from matchmaker.services.dashboard.scope import Scope
from matchmaker.services.dashboard.types import Figure, Row, Section, Table
from matchmaker.services.plan import standing
from matchmaker.services.plan.standing import PlanFilters, TaskStanding


def _filters(scope: Scope) -> PlanFilters:
    return PlanFilters(agency_id=scope.filters.agency_id)


def _tasks(scope: Scope, condition: sa.ColumnElement[bool] | None = None) -> RecordSet:
    stmt = standing.filtered(sa.select(PlanTask.id), _filters(scope), scope.today)
    if condition is not None:
        stmt = stmt.where(condition)
    return RecordSet("plan_task", stmt)


@figure("plan_tasks")
def _all(scope: Scope) -> RecordSet:
    return _tasks(scope)


@figure("plan_completed")
def _completed(scope: Scope) -> RecordSet:
    return _tasks(
        scope, standing.task_standing(scope.today) == TaskStanding.COMPLETED.value
    )


@figure("plan_completed_on_time")
def _on_time(scope: Scope) -> RecordSet:
    return _tasks(scope, standing.is_completed_on_time())


@figure("plan_on_schedule")
def _on_schedule(scope: Scope) -> RecordSet:
    return _tasks(
        scope, standing.task_standing(scope.today) == TaskStanding.ON_SCHEDULE.value
    )


@figure("plan_late")
def _late(scope: Scope) -> RecordSet:
    return _tasks(scope, standing.is_late(scope.today))


@figure("plan_not_started")
def _not_started(scope: Scope) -> RecordSet:
    return _tasks(
        scope, standing.task_standing(scope.today) == TaskStanding.NOT_STARTED.value
    )


FIGURES = ("plan_tasks", "plan_completed", "plan_completed_on_time", "plan_on_schedule", "plan_late",
           "plan_not_started")  # fmt: skip


def _rate(done: int, on_time: int) -> float | None:
    return round(100 * on_time / done, 1) if done else None


def section(scope: Scope) -> Section:
    """The plan section: the counts by standing (each opening its tasks), the on-time rate, per agency."""
    counts = standing.standing_counts(
        _filters(scope), scope.today
    )  # one query, the same conditions
    values = (counts.total, counts.completed, counts.completed_on_time, counts.on_schedule, counts.late,
              counts.not_started)  # fmt: skip
    figures = [Figure(key, value, records=key) for key, value in zip(FIGURES, values, strict=True)]  # fmt: skip
    done, on_time = counts.completed, counts.completed_on_time
    figures.append(Figure("plan_on_time_rate", _rate(done, on_time), "percent"))
    return Section("plan", tuple(figures), (by_agency(scope),))


def by_agency(scope: Scope) -> Table:
    """Per lead agency: its tasks by standing and its on-time rate (completed on time ÷ completed)."""
    rows = tuple(
        Row(
            agency.short_name or agency.name,
            (
                agency.counts.total,
                agency.counts.completed,
                agency.counts.on_schedule,
                agency.counts.late,
                agency.counts.not_started,
                _rate(agency.counts.completed, agency.counts.completed_on_time),
            ),
        )  # fmt: skip
        for agency in standing.agency_counts(_filters(scope), scope.today)
    )
    columns = (
        "tasks",
        "completed",
        "on_schedule",
        "late",
        "not_started",
        "on_time_rate",
    )
    return Table("plan_by_agency", columns, ("count",) * 5 + ("percent",), rows)


__all__ = ["FIGURES", "by_agency", "section"]
