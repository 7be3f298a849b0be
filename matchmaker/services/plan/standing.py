"""Where each task of the action plan stands, as SQL: the one definition of "late" and "on time".

A task's progress status is stored (not started, in progress, completed); whether it is *late* is not,
because it changes with the calendar. It is defined here once, as SQL expressions the lists, the task
page and the results dashboard all use:

- **late**: not completed, and its deadline is before ``today`` (a task without a deadline is never late);
- **completed on time**: completed, with a completion date on or before the deadline (or no deadline);
- the **standing** of a task is one of ``completed``, ``late``, ``in_progress_on_schedule``, ``not_started``,
  in that order of precedence: a task not started whose deadline has passed is late.

``today`` is a date passed by the caller (tests pass a fixed one); by default it is today in Cần Thơ
(Asia/Ho_Chi_Minh), not on the server's clock.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa

from matchmaker import lifecycle
from matchmaker.extensions import db
from matchmaker.models import Institution, PlanTask, PlanTaskStatus, utcnow
from matchmaker.services import text_filter


class TaskStanding(enum.Enum):
    """Where a task stands today (derived, never stored); the value is what :func:`task_standing` yields."""

    COMPLETED = "completed"
    ON_SCHEDULE = "in_progress_on_schedule"
    LATE = "late"
    NOT_STARTED = "not_started"


# The order of a list sorted by standing: what needs attention first.
STANDING_ORDER = (
    TaskStanding.LATE,
    TaskStanding.NOT_STARTED,
    TaskStanding.ON_SCHEDULE,
    TaskStanding.COMPLETED,
)


def today_in_vietnam() -> date:
    """Today's date in Cần Thơ."""
    return utcnow().astimezone(lifecycle.VIETNAM_TZ).date()


def reference_day(today: date | None) -> date:
    """``today`` when given, else today in Cần Thơ."""
    return today if today is not None else today_in_vietnam()


def is_late(today: date | None = None) -> sa.ColumnElement[bool]:
    """SQL condition on ``PlanTask``: not completed and its deadline is before ``today``."""
    return sa.and_(
        PlanTask.status != PlanTaskStatus.COMPLETED,
        PlanTask.deadline.is_not(None),
        PlanTask.deadline < reference_day(today),
    )


def is_completed_on_time() -> sa.ColumnElement[bool]:
    """SQL condition on ``PlanTask``: completed, on or before its deadline (or it has none)."""
    return sa.and_(
        PlanTask.status == PlanTaskStatus.COMPLETED,
        PlanTask.completed_on.is_not(None),
        sa.or_(PlanTask.deadline.is_(None), PlanTask.completed_on <= PlanTask.deadline),
    )


def task_standing(today: date | None = None) -> sa.ColumnElement[str]:
    """SQL expression on ``PlanTask``: the value of its :class:`TaskStanding` on ``today``."""
    return sa.case(
        (PlanTask.status == PlanTaskStatus.COMPLETED, TaskStanding.COMPLETED.value),
        (is_late(today), TaskStanding.LATE.value),
        (PlanTask.status == PlanTaskStatus.IN_PROGRESS, TaskStanding.ON_SCHEDULE.value),
        else_=TaskStanding.NOT_STARTED.value,
    )


def standing_rank(today: date | None = None) -> sa.ColumnElement[int]:
    """SQL expression: the position of the task's standing in :data:`STANDING_ORDER` (late first)."""
    return sa.case(
        {s.value: rank for rank, s in enumerate(STANDING_ORDER)},
        value=task_standing(today),
    )


@dataclass(frozen=True)
class PlanFilters:
    """What a list or a count is narrowed to; empty values mean "all"."""

    plan: str = ""
    objective: str = ""
    agency_id: int | None = None  # the lead agency
    standing: TaskStanding | None = None
    query: str = ""  # code, title or objective contains it, case and accents ignored


def filtered(
    stmt: sa.Select, filters: PlanFilters | None, today: date | None = None
) -> sa.Select:
    """``stmt`` (selecting from ``PlanTask``) narrowed to ``filters``."""
    filters = filters or PlanFilters()
    if filters.plan:
        stmt = stmt.where(PlanTask.plan == filters.plan)
    if filters.objective:
        stmt = stmt.where(PlanTask.objective == filters.objective)
    if filters.agency_id is not None:
        stmt = stmt.where(PlanTask.lead_agency_id == filters.agency_id)
    if filters.standing is not None:
        stmt = stmt.where(task_standing(today) == filters.standing.value)
    if query := text_filter.query_text(filters.query):
        stmt = stmt.where(
            text_filter.contains(
                query, PlanTask.code, PlanTask.title, PlanTask.objective
            )
        )
    return stmt


@dataclass(frozen=True)
class StandingCounts:
    """How many tasks stand where; ``completed_on_time`` is part of ``completed``."""

    total: int = 0
    completed: int = 0
    completed_on_time: int = 0
    on_schedule: int = 0
    late: int = 0
    not_started: int = 0

    @property
    def on_time_rate(self) -> float | None:
        """The share of completed tasks completed on time (0–1), or None when none is completed."""
        return self.completed_on_time / self.completed if self.completed else None

    def of(self, standing: TaskStanding) -> int:
        """The count of one standing."""
        return {
            TaskStanding.COMPLETED: self.completed,
            TaskStanding.ON_SCHEDULE: self.on_schedule,
            TaskStanding.LATE: self.late,
            TaskStanding.NOT_STARTED: self.not_started,
        }[standing]


def _count_if(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def count_columns(today: date | None = None) -> list[sa.ColumnElement[Any]]:
    """The labelled aggregate columns of a :class:`StandingCounts` (for a select of one's own)."""
    standing = task_standing(today)
    return [
        sa.func.count(PlanTask.id).label("total"),
        _count_if(standing == TaskStanding.COMPLETED.value).label("completed"),
        _count_if(is_completed_on_time()).label("completed_on_time"),
        _count_if(standing == TaskStanding.ON_SCHEDULE.value).label("on_schedule"),
        _count_if(standing == TaskStanding.LATE.value).label("late"),
        _count_if(standing == TaskStanding.NOT_STARTED.value).label("not_started"),
    ]


def counts_select(
    filters: PlanFilters | None = None, today: date | None = None
) -> sa.Select:
    """One row: the counts of the tasks matching ``filters`` on ``today``."""
    return filtered(
        sa.select(*count_columns(today)).select_from(PlanTask), filters, today
    )


def _counts(row: Any) -> StandingCounts:
    return StandingCounts(
        **{k: int(row._mapping[k] or 0) for k in StandingCounts.__dataclass_fields__}
    )


def standing_counts(
    filters: PlanFilters | None = None, today: date | None = None
) -> StandingCounts:
    """How many tasks matching ``filters`` stand where on ``today`` (default: today in Cần Thơ)."""
    return _counts(db.session.execute(counts_select(filters, today)).one())


@dataclass(frozen=True)
class AgencyCounts:
    """The counts of the tasks one agency leads."""

    agency_id: int
    name: str
    short_name: str
    counts: StandingCounts = field(default_factory=StandingCounts)


def agency_counts_select(
    filters: PlanFilters | None = None, today: date | None = None
) -> sa.Select:
    """One row per lead agency: its id, names and the counts of its tasks, by Vietnamese name."""
    stmt = (
        sa.select(
            Institution.id,
            Institution.name_vi,
            Institution.short_name,
            *count_columns(today),
        )
        .select_from(PlanTask)
        .join(Institution, Institution.id == PlanTask.lead_agency_id)
        .group_by(Institution.id, Institution.name_vi, Institution.short_name)
        .order_by(Institution.name_vi, Institution.id)
    )
    return filtered(stmt, filters, today)


def agency_counts(
    filters: PlanFilters | None = None, today: date | None = None
) -> list[AgencyCounts]:
    """Per lead agency, how its tasks stand on ``today``; ``counts.on_time_rate`` is its on-time rate."""
    return [
        AgencyCounts(row.id, row.name_vi, row.short_name, _counts(row))
        for row in db.session.execute(agency_counts_select(filters, today))
    ]


def standings_of(ids: list[int], today: date | None = None) -> dict[int, TaskStanding]:
    """The standing of each task in ``ids``."""
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(PlanTask.id, task_standing(today)).where(PlanTask.id.in_(ids))
    )
    return {task_id: TaskStanding(value) for task_id, value in rows}
