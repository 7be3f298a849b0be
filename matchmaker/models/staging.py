"""Imports waiting for the user's confirmation (publication lists, staff lists)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from matchmaker.models.base import Base, utcnow


class ImportBatch(Base):
    """A parsed upload kept between the preview and the confirmation; nothing else is written before."""

    __tablename__ = "import_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(30))
    # What the import is for: a researcher profile id, an institution id.
    target_id: Mapped[int]
    payload: Mapped[list] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), default=utcnow
    )
    confirmed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    def __repr__(self) -> str:
        return f"<ImportBatch {self.id} {self.kind}>"
