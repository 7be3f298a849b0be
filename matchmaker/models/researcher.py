"""Researcher (scientist) profiles."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matchmaker.models.base import Base, TimestampMixin

if TYPE_CHECKING:
    from matchmaker.models.user import User


class ResearcherProfile(TimestampMixin, Base):
    """What a scientist offers: expertise, fields, capabilities."""

    __tablename__ = "researcher_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), unique=True
    )
    academic_title: Mapped[str | None] = mapped_column(sa.String(10))
    degree: Mapped[str | None] = mapped_column(sa.String(10))
    department: Mapped[str] = mapped_column(sa.String(200), default="")
    position: Mapped[str] = mapped_column(sa.String(200), default="")
    priority_area: Mapped[str | None] = mapped_column(sa.String(40))
    keywords: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    capabilities: Mapped[str] = mapped_column(sa.Text, default="")
    orcid: Mapped[str | None] = mapped_column(sa.String(19))
    open_to_orders: Mapped[bool] = mapped_column(default=True)
    public: Mapped[bool] = mapped_column(default=True)

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<ResearcherProfile {self.id} user={self.user_id}>"
