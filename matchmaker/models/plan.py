"""The city's action plan for Resolution 57 (CTHĐ 83, KH 22): its tasks, who leads them, and their updates."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matchmaker.models.base import Base, TimestampMixin, enum_type, utcnow

if TYPE_CHECKING:
    from matchmaker.models.institution import Institution
    from matchmaker.models.order import ResearchOrder
    from matchmaker.models.project import Project
    from matchmaker.models.user import User


class PlanTaskStatus(enum.Enum):
    """The progress an agency reports; whether a task is late is derived from its deadline, never stored."""

    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"


plan_task_partners = sa.Table(
    "plan_task_partners",
    Base.metadata,
    sa.Column(
        "task_id",
        sa.ForeignKey("plan_tasks.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column(
        "institution_id",
        sa.ForeignKey("institutions.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
)


class PlanTask(TimestampMixin, Base):
    """One task of the plan: what, which agency leads it and which cooperate, by when, and its evidence."""

    __tablename__ = "plan_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    title: Mapped[str] = mapped_column(sa.String(500))
    # Which plan the task belongs to ("CTHĐ 83", "KH 22") and the objective or group it serves.
    plan: Mapped[str] = mapped_column(sa.String(80), default="", index=True)
    objective: Mapped[str] = mapped_column(sa.String(300), default="")
    lead_agency_id: Mapped[int] = mapped_column(
        sa.ForeignKey("institutions.id"), index=True
    )
    # No deadline: a standing task ("thường xuyên"), never late.
    deadline: Mapped[date | None] = mapped_column(index=True)
    status: Mapped[PlanTaskStatus] = mapped_column(
        enum_type(PlanTaskStatus, "plan_task_status"),
        default=PlanTaskStatus.NOT_STARTED,
        index=True,
    )
    completed_on: Mapped[date | None]
    # Evidence of completion: a decision number, a document reference, and optionally the record it produced.
    evidence: Mapped[str] = mapped_column(sa.Text, default="")
    evidence_order_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("research_orders.id", ondelete="SET NULL")
    )
    evidence_project_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("projects.id", ondelete="SET NULL")
    )

    lead_agency: Mapped[Institution] = relationship(foreign_keys=[lead_agency_id])
    partners: Mapped[list[Institution]] = relationship(
        secondary=plan_task_partners, order_by="Institution.name_vi"
    )
    evidence_order: Mapped[ResearchOrder | None] = relationship(
        foreign_keys=[evidence_order_id]
    )
    evidence_project: Mapped[Project | None] = relationship(
        foreign_keys=[evidence_project_id]
    )
    updates: Mapped[list[PlanTaskUpdate]] = relationship(
        back_populates="task",
        order_by="(PlanTaskUpdate.reported_on.desc(), PlanTaskUpdate.id.desc())",
        passive_deletes="all",
    )

    def __repr__(self) -> str:
        return f"<PlanTask {self.code} {self.status.value}>"


class PlanTaskUpdate(Base):
    """A periodic report on a task: when, by whom, what was done, and the status after it. Never changed."""

    __tablename__ = "plan_task_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(
        sa.ForeignKey("plan_tasks.id", ondelete="RESTRICT"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    reported_on: Mapped[date]
    text: Mapped[str] = mapped_column(sa.Text, default="")
    status_after: Mapped[PlanTaskStatus] = mapped_column(
        enum_type(PlanTaskStatus, "plan_task_status")
    )
    created_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), default=utcnow
    )

    task: Mapped[PlanTask] = relationship(back_populates="updates")
    author: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return (
            f"<PlanTaskUpdate {self.id} task={self.task_id} {self.status_after.value}>"
        )


class PlanHistoryIsAppendOnly(Exception):
    """Raised when code tries to change or remove a task's updates."""


@event.listens_for(PlanTaskUpdate, "before_update")
@event.listens_for(PlanTaskUpdate, "before_delete")
def _refuse_update_change(_mapper, _connection, target: PlanTaskUpdate) -> None:
    # The periodic reports are the record of what each agency said when: they are not rewritten.
    raise PlanHistoryIsAppendOnly(f"plan task updates are append-only ({target.id})")
