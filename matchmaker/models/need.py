"""Enterprises' technology needs and the expressions of interest they receive."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matchmaker.models.base import Base, TimestampMixin, enum_type, utcnow

if TYPE_CHECKING:
    from matchmaker.models.institution import Enterprise
    from matchmaker.models.user import User


class Confidentiality(enum.Enum):
    """Who may read a need."""

    PUBLIC = "public"  # everything, for everyone
    SUMMARY = (
        "summary"  # title, field and status for everyone; the rest for signed-in users
    )
    PRIVATE = "private"  # the enterprise and city officials only


class NeedStatus(enum.Enum):
    """Where a need stands."""

    OPEN = "open"
    IN_DISCUSSION = "in_discussion"
    FULFILLED = "fulfilled"
    WITHDRAWN = "withdrawn"


class TechNeed(TimestampMixin, Base):
    """A problem an enterprise wants solved with science or technology."""

    __tablename__ = "tech_needs"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(
        sa.ForeignKey("enterprises.id", ondelete="CASCADE"), index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    title: Mapped[str] = mapped_column(sa.String(300))
    description: Mapped[str] = mapped_column(sa.Text)
    desired_outcome: Mapped[str] = mapped_column(sa.Text, default="")
    targets: Mapped[str] = mapped_column(sa.Text, default="")
    trl: Mapped[int | None]
    field_code: Mapped[str | None] = mapped_column(sa.String(8))
    priority_area: Mapped[str | None] = mapped_column(sa.String(40))
    budget_min: Mapped[int | None] = mapped_column(sa.BigInteger)
    budget_max: Mapped[int | None] = mapped_column(sa.BigInteger)
    deadline: Mapped[date | None]
    cofund: Mapped[bool] = mapped_column(default=False)
    confidentiality: Mapped[Confidentiality] = mapped_column(
        enum_type(Confidentiality, "need_confidentiality"),
        default=Confidentiality.PUBLIC,
    )
    status: Mapped[NeedStatus] = mapped_column(
        enum_type(NeedStatus, "need_status"), default=NeedStatus.OPEN
    )

    enterprise: Mapped[Enterprise] = relationship()
    interests: Mapped[list[NeedInterest]] = relationship(
        back_populates="need",
        cascade="all, delete-orphan",
        order_by="NeedInterest.created_at",
    )

    def __repr__(self) -> str:
        return f"<TechNeed {self.id} {self.title[:30]!r}>"


class InterestStatus(enum.Enum):
    """The enterprise's answer to an expression of interest."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class NeedInterest(Base):
    """A researcher (possibly on behalf of their institution) offering to work on a need."""

    __tablename__ = "need_interests"
    __table_args__ = (sa.UniqueConstraint("need_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(
        sa.ForeignKey("tech_needs.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    on_behalf_of_institution: Mapped[bool] = mapped_column(default=False)
    message: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[InterestStatus] = mapped_column(
        enum_type(InterestStatus, "interest_status"), default=InterestStatus.PENDING
    )
    created_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), default=utcnow
    )
    decided_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    decided_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    need: Mapped[TechNeed] = relationship(back_populates="interests")
    user: Mapped[User] = relationship(foreign_keys=[user_id])

    def __repr__(self) -> str:
        return f"<NeedInterest {self.id} need={self.need_id} {self.status.value}>"
