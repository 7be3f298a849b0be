"""Files attached to an order, a proposal or a step of an order's history (PDF only)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matchmaker.models.base import Base, utcnow

if TYPE_CHECKING:
    from matchmaker.models.user import User


class Attachment(Base):
    """A stored PDF; the bytes live in the instance folder under ``storage_key``.

    Every attachment belongs to an order; a proposal's or a history step's attachment also names it.
    Attachments are never edited: a corrected file is a new attachment.
    """

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(
        sa.ForeignKey("research_orders.id", ondelete="CASCADE"), index=True
    )
    proposal_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("proposals.id", ondelete="CASCADE"), index=True
    )
    event_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("order_events.id"), index=True
    )
    filename: Mapped[str] = mapped_column(sa.String(255))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    storage_key: Mapped[str] = mapped_column(sa.String(80), unique=True)
    # Public attachments of a published order are downloadable by anyone; the rest by officials only.
    public: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    uploaded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), default=utcnow
    )

    uploaded_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<Attachment {self.id} order={self.order_id} {self.filename!r}>"
