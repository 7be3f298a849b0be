"""City research orders (nhiệm vụ KH&CN đặt hàng) and their append-only history."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matchmaker.models.base import Base, TimestampMixin, utcnow

if TYPE_CHECKING:
    from matchmaker.models.institution import Institution
    from matchmaker.models.need import TechNeed
    from matchmaker.models.plan import PlanTask
    from matchmaker.models.user import User


class ResearchOrder(TimestampMixin, Base):
    """A science and technology task the city orders, from the problem to the applied result."""

    __tablename__ = "research_orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(500))
    # The title folded as the list's text filter and title sort compare it (services/stored_text.py keeps it).
    search_text: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("institutions.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    beneficiary: Mapped[str] = mapped_column(sa.String(300), default="")
    necessity: Mapped[str] = mapped_column(sa.Text, default="")
    objectives: Mapped[str] = mapped_column(sa.Text, default="")
    main_content: Mapped[str] = mapped_column(sa.Text, default="")
    expected_products: Mapped[str] = mapped_column(sa.Text, default="")
    trl: Mapped[int | None]
    field_code: Mapped[str | None] = mapped_column(sa.String(8))
    priority_area: Mapped[str | None] = mapped_column(sa.String(40))
    duration_months: Mapped[int | None]
    state_budget: Mapped[int | None] = mapped_column(sa.BigInteger)
    cofunding: Mapped[int | None] = mapped_column(sa.BigInteger)
    need_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("tech_needs.id", ondelete="SET NULL")
    )
    # Lifecycle: the state's value from matchmaker.lifecycle.OrderState, and a version for optimistic locking.
    state: Mapped[str] = mapped_column(sa.String(30), default="draft", index=True)
    version: Mapped[int] = mapped_column(default=1)
    selection_method: Mapped[str | None] = mapped_column(sa.String(30))
    application_deadline: Mapped[datetime | None] = mapped_column(
        sa.DateTime(timezone=True)
    )
    decision_number: Mapped[str | None] = mapped_column(sa.String(100))
    decision_date: Mapped[date | None]
    contract_number: Mapped[str | None] = mapped_column(sa.String(100))
    contract_value: Mapped[int | None] = mapped_column(sa.BigInteger)
    # Direct assignment (giao trực tiếp): the named organisation, recorded at publication.
    assignee_organisation: Mapped[str | None] = mapped_column(sa.String(300))
    # The principal investigator of the awarded proposal: reports progress and results.
    pi_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    # Parts of the order kept internal (names from services.policy.ORDER_PARTS); the rest is public once published.
    internal_parts: Mapped[list] = mapped_column(sa.JSON, default=list)
    # The task of the city's Resolution 57 action plan this order serves, if any. use_alter: a task names
    # an order (or its project) as evidence of completion, so the tables refer to each other.
    plan_task_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("plan_tasks.id", ondelete="SET NULL", use_alter=True), index=True
    )

    agency: Mapped[Institution] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    pi: Mapped[User | None] = relationship(foreign_keys=[pi_id])
    plan_task: Mapped[PlanTask | None] = relationship(foreign_keys=[plan_task_id])
    need: Mapped[TechNeed | None] = relationship()
    events: Mapped[list[OrderEvent]] = relationship(
        back_populates="order", order_by="OrderEvent.id", passive_deletes="all"
    )

    def __repr__(self) -> str:
        return f"<ResearchOrder {self.id} {self.state}>"


class OrderEvent(Base):
    """One step in an order's history: who, when, from → to, and what was recorded. Never changed."""

    __tablename__ = "order_events"
    # The dashboard counts the steps of one kind taken in a period.
    __table_args__ = (
        sa.Index("ix_order_events_action_created_at", "action", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(
        sa.ForeignKey("research_orders.id", ondelete="RESTRICT"), index=True
    )
    actor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    action: Mapped[str] = mapped_column(sa.String(40))
    from_state: Mapped[str | None] = mapped_column(sa.String(30))
    to_state: Mapped[str | None] = mapped_column(sa.String(30))
    fields: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    note: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), default=utcnow
    )

    order: Mapped[ResearchOrder] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return (
            f"<OrderEvent {self.id} {self.action} {self.from_state}->{self.to_state}>"
        )


class HistoryIsAppendOnly(Exception):
    """Raised when code tries to change or remove an order's history."""


@event.listens_for(OrderEvent, "before_update")
@event.listens_for(OrderEvent, "before_delete")
def _refuse_history_change(_mapper, _connection, target: OrderEvent) -> None:
    # An invariant of the record itself, not wiring: the audit trail must stay as it was written.
    raise HistoryIsAppendOnly(f"order history is append-only (event {target.id})")
