"""Research projects (đề tài, dự án KH&CN): done or under way, from an accepted order or registered."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matchmaker.models.base import Base, TimestampMixin, enum_type, utcnow

if TYPE_CHECKING:
    from matchmaker.models.institution import Institution
    from matchmaker.models.order import ResearchOrder
    from matchmaker.models.user import User


class ProjectStatus(enum.Enum):
    """Where a project stands."""

    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    IN_APPLICATION = (
        "in_application"  # results being applied in production or public service
    )
    TERMINATED = "terminated"


class Project(TimestampMixin, Base):
    """A research project and what came of it; every field is public."""

    __tablename__ = "projects"
    __table_args__ = (
        sa.CheckConstraint(
            "pi_id IS NULL OR pending_pi_id IS NULL", name="one_pi_link"
        ),
        sa.CheckConstraint(
            "start_year IS NULL OR end_year IS NULL OR start_year <= end_year",
            name="years_in_order",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(500))
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    # Title and summary folded as the list's text filter compares them (services/stored_text.py keeps it).
    search_text: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    # The principal investigator: an account when they have one, otherwise only the name.
    pi_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    # A researcher named as PI by someone outside their institution: only a request until they confirm
    # it (then it moves to pi_id). Kept apart so that nothing reading pi_id counts it as their work.
    pending_pi_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    pi_name: Mapped[str] = mapped_column(sa.String(200), default="")
    team: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    institution_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("institutions.id", ondelete="SET NULL"), index=True
    )
    field_code: Mapped[str | None] = mapped_column(sa.String(8))
    priority_area: Mapped[str | None] = mapped_column(sa.String(40))
    start_year: Mapped[int | None]
    end_year: Mapped[int | None]
    status: Mapped[ProjectStatus] = mapped_column(
        enum_type(ProjectStatus, "project_status"), default=ProjectStatus.IN_PROGRESS
    )
    budget: Mapped[int | None] = mapped_column(sa.BigInteger)  # đồng
    products: Mapped[str] = mapped_column(sa.Text, default="")
    ip: Mapped[str] = mapped_column(sa.Text, default="")
    applied_at: Mapped[str] = mapped_column(sa.Text, default="")
    # The research order this project carried out, if any: one project per order.
    order_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("research_orders.id", ondelete="SET NULL"), unique=True
    )
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    pi: Mapped[User | None] = relationship(foreign_keys=[pi_id])
    pending_pi: Mapped[User | None] = relationship(foreign_keys=[pending_pi_id])
    institution: Mapped[Institution | None] = relationship()
    order: Mapped[ResearchOrder | None] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    # Team members with an account (the names in ``team`` are those without one).
    members: Mapped[list[ProjectMember]] = relationship(
        back_populates="project",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="ProjectMember.id",
    )

    def __repr__(self) -> str:
        return f"<Project {self.id} {self.title[:30]!r}>"

    @property
    def pi_display(self) -> str:
        """The principal investigator's name, from the account when there is one."""
        return self.pi.full_name if self.pi is not None else self.pi_name

    @property
    def pi_awaiting_confirmation(self) -> bool:
        """Whether the named principal investigator has yet to confirm the link to their account."""
        return self.pending_pi_id is not None

    @property
    def confirmed_members(self) -> list[ProjectMember]:
        """The team members with an account who confirmed the link (the only ones that count)."""
        return [m for m in self.members if m.is_confirmed]

    @property
    def years(self) -> str:
        """``2021–2023``, ``2024–`` or the single known year."""
        if self.start_year and self.end_year and self.start_year != self.end_year:
            return f"{self.start_year}–{self.end_year}"
        if self.start_year and not self.end_year:
            return f"{self.start_year}–"
        return str(self.end_year or self.start_year or "")


class MemberStatus(enum.Enum):
    """Where a team member's link to a project stands."""

    PENDING = "pending"  # named by whoever registered or edited the project; not yet confirmed
    CONFIRMED = "confirmed"


class ProjectMember(TimestampMixin, Base):
    """A researcher with an account on a project's team: asked first, counted only once confirmed."""

    __tablename__ = "project_members"
    __table_args__ = (sa.UniqueConstraint("project_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        sa.ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[MemberStatus] = mapped_column(
        enum_type(MemberStatus, "project_member_status"), default=MemberStatus.PENDING
    )
    invited_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    confirmed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    project: Mapped[Project] = relationship(back_populates="members")
    user: Mapped[User] = relationship(foreign_keys=[user_id])

    def __repr__(self) -> str:
        return f"<ProjectMember {self.project_id}:{self.user_id} {self.status.value}>"

    @property
    def is_confirmed(self) -> bool:
        return self.status == MemberStatus.CONFIRMED


class SearchIndexRetry(Base):
    """A record whose search index update failed; it is indexed again from the database later."""

    __tablename__ = "search_index_retries"
    __table_args__ = (sa.UniqueConstraint("kind", "record_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    record_id: Mapped[int]
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(sa.Text, default="")
    queued_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), default=utcnow
    )

    def __repr__(self) -> str:
        return f"<SearchIndexRetry {self.kind}:{self.record_id} x{self.attempts}>"
