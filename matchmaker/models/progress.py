"""The work of an awarded order: milestones, payment tranches and disbursements, progress reports, results."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matchmaker.models.base import Base, TimestampMixin, enum_type, utcnow
from matchmaker.models.researcher import IPKind, IPStatus

if TYPE_CHECKING:
    from matchmaker.models.attachment import Attachment
    from matchmaker.models.order import ResearchOrder
    from matchmaker.models.user import User


class Milestone(TimestampMixin, Base):
    """A dated step of the work with its deliverable; the PI submits it, an official confirms it."""

    __tablename__ = "milestones"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(
        sa.ForeignKey("research_orders.id", ondelete="RESTRICT"), index=True
    )
    title: Mapped[str] = mapped_column(sa.String(300))
    deliverable: Mapped[str] = mapped_column(sa.Text, default="")
    due_date: Mapped[date]
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    # The principal investigator says the deliverable is handed in...
    submitted_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    submitted_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    submission_note: Mapped[str] = mapped_column(sa.Text, default="")
    # ...and an official confirms it, with the evidence (minutes, decision or document number).
    completed_on: Mapped[date | None]
    completed_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    evidence: Mapped[str] = mapped_column(sa.Text, default="")

    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])
    completed_by: Mapped[User | None] = relationship(foreign_keys=[completed_by_id])

    def __repr__(self) -> str:
        return f"<Milestone {self.id} order={self.order_id} due={self.due_date}>"

    @property
    def is_completed(self) -> bool:
        return self.completed_on is not None


class Tranche(Base):
    """One planned payment of the contract (đợt cấp kinh phí), copied from the award's payment schedule."""

    __tablename__ = "tranches"
    __table_args__ = (sa.UniqueConstraint("order_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(
        sa.ForeignKey("research_orders.id", ondelete="RESTRICT"), index=True
    )
    number: Mapped[int]  # 1, 2, ... in the schedule's order
    label: Mapped[str] = mapped_column(sa.String(200), default="")
    planned_amount: Mapped[int] = mapped_column(sa.BigInteger)  # VND
    due_date: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), default=utcnow
    )

    disbursements: Mapped[list[Disbursement]] = relationship(
        back_populates="tranche", order_by="Disbursement.id", passive_deletes="all"
    )

    def __repr__(self) -> str:
        return f"<Tranche {self.order_id}#{self.number} {self.planned_amount}>"


class Disbursement(Base):
    """Money paid out against a tranche (giải ngân), with the payment's reference number."""

    __tablename__ = "disbursements"

    id: Mapped[int] = mapped_column(primary_key=True)
    tranche_id: Mapped[int] = mapped_column(
        sa.ForeignKey("tranches.id", ondelete="RESTRICT"), index=True
    )
    amount: Mapped[int] = mapped_column(sa.BigInteger)  # VND
    disbursed_on: Mapped[date]
    reference: Mapped[str] = mapped_column(sa.String(100))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), default=utcnow
    )

    tranche: Mapped[Tranche] = relationship(back_populates="disbursements")
    recorded_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<Disbursement {self.id} tranche={self.tranche_id} {self.amount}>"


progress_report_milestones = sa.Table(
    "progress_report_milestones",
    Base.metadata,
    sa.Column(
        "report_id",
        sa.ForeignKey("progress_reports.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column(
        "milestone_id",
        sa.ForeignKey("milestones.id", ondelete="CASCADE"),
        primary_key=True,
    ),
)


class ProgressReport(Base):
    """The principal investigator's report on the work: period, text, percent done, milestones addressed."""

    __tablename__ = "progress_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(
        sa.ForeignKey("research_orders.id", ondelete="RESTRICT"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    period: Mapped[str] = mapped_column(sa.String(100))
    report_date: Mapped[date]
    text: Mapped[str] = mapped_column(sa.Text)
    percent_complete: Mapped[int]
    attachment_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("attachments.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), default=utcnow
    )

    author: Mapped[User | None] = relationship()
    attachment: Mapped[Attachment | None] = relationship()
    milestones: Mapped[list[Milestone]] = relationship(
        secondary=progress_report_milestones, order_by="Milestone.due_date"
    )

    def __repr__(self) -> str:
        return (
            f"<ProgressReport {self.id} order={self.order_id} {self.percent_complete}%>"
        )


class ResultRecord(Base):
    """One registered result of an accepted task: the product, its IP filing, where it is applied."""

    __tablename__ = "result_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(
        sa.ForeignKey("research_orders.id", ondelete="RESTRICT"), index=True
    )
    product: Mapped[str] = mapped_column(sa.String(500))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    ip_kind: Mapped[IPKind | None] = mapped_column(enum_type(IPKind, "result_ip_kind"))
    ip_number: Mapped[str] = mapped_column(sa.String(100), default="")
    ip_status: Mapped[IPStatus | None] = mapped_column(
        enum_type(IPStatus, "result_ip_status")
    )
    applied_at: Mapped[str] = mapped_column(sa.String(300), default="")
    beneficiary: Mapped[str] = mapped_column(sa.String(300), default="")
    # To whom the result was transferred (chuyển giao); "" when it has not been.
    transferred_to: Mapped[str] = mapped_column(sa.String(300), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), default=utcnow
    )
    updated_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    order: Mapped[ResearchOrder] = relationship()
    recorded_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<ResultRecord {self.id} order={self.order_id} {self.product!r}>"
