"""In-app notifications."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from matchmaker.models.base import Base, utcnow


class Notification(Base):
    """Something a user should know; rendered in the reader's language from ``kind`` and ``params``."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(60))
    params: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    # Where the notification leads: an endpoint and its URL values, made into a URL when shown or mailed.
    endpoint: Mapped[str | None] = mapped_column(sa.String(80))
    endpoint_values: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), default=utcnow
    )
    read_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    def __repr__(self) -> str:
        return f"<Notification {self.id} {self.kind} user={self.user_id}>"
