"""Researcher (scientist) profiles, their publications and intellectual property."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matchmaker.models.base import Base, TimestampMixin, enum_type, utcnow

if TYPE_CHECKING:
    from matchmaker.models.user import User


class ResearcherField(Base):
    """A research field (national classification code) of a researcher."""

    __tablename__ = "researcher_fields"
    # The lists filter by field (a code or its prefix): by this index, not a scan of every researcher.
    __table_args__ = (
        sa.Index("ix_researcher_fields_field_code", "field_code", "researcher_id"),
    )

    researcher_id: Mapped[int] = mapped_column(
        sa.ForeignKey("researcher_profiles.id", ondelete="CASCADE"), primary_key=True
    )
    field_code: Mapped[str] = mapped_column(sa.String(8), primary_key=True)


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
    contact_email: Mapped[str | None] = mapped_column(sa.String(254))
    links: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    open_to_orders: Mapped[bool] = mapped_column(default=True)
    public: Mapped[bool] = mapped_column(default=True)
    # Name, keywords and department folded as the list's text filter compares them (services/researchers/
    # search_text.py keeps it up to date), so that filtering 10,000 researchers is a plain LIKE.
    search_text: Mapped[str] = mapped_column(sa.Text, default="", server_default="")

    user: Mapped[User] = relationship()
    field_rows: Mapped[list[ResearcherField]] = relationship(
        cascade="all, delete-orphan", order_by=ResearcherField.field_code
    )
    publications: Mapped[list[Publication]] = relationship(
        back_populates="researcher",
        cascade="all, delete-orphan",
        order_by="(Publication.year.desc().nulls_last(), Publication.id)",
    )
    ip_assets: Mapped[list[IPAsset]] = relationship(
        back_populates="researcher",
        cascade="all, delete-orphan",
        order_by="IPAsset.year.desc()",
    )

    def __repr__(self) -> str:
        return f"<ResearcherProfile {self.id} user={self.user_id}>"

    @property
    def field_codes(self) -> list[str]:
        return [row.field_code for row in self.field_rows]

    @property
    def display_name(self) -> str:
        prefix = ".".join(p for p in (self.academic_title, self.degree) if p)
        return f"{prefix}. {self.user.full_name}" if prefix else self.user.full_name

    def is_owned_by(self, user: User) -> bool:
        return user.is_authenticated and user.id == self.user_id


@sa.event.listens_for(ResearcherProfile.field_rows, "append", propagate=True)
@sa.event.listens_for(ResearcherProfile.field_rows, "remove", propagate=True)
def _fields_changed(target: ResearcherProfile, *_args: object) -> None:
    """A change of fields is a change of the profile: its time moves (the matching model watches it)."""
    target.updated_at = utcnow()


class Publication(Base):
    """A paper, book or report of a researcher."""

    __tablename__ = "publications"
    __table_args__ = (sa.UniqueConstraint("researcher_id", "doi"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    researcher_id: Mapped[int] = mapped_column(
        sa.ForeignKey("researcher_profiles.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(sa.String(500))
    # Normalised title (folded, lower-case, no punctuation) that finds duplicates.
    title_key: Mapped[str] = mapped_column(sa.String(500), index=True)
    authors: Mapped[str] = mapped_column(sa.Text, default="")
    year: Mapped[int | None]
    venue: Mapped[str] = mapped_column(sa.String(300), default="")
    doi: Mapped[str | None] = mapped_column(sa.String(255))
    abstract: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), default=utcnow
    )
    # Matching compares it to see an edit in place (an addition or deletion changes the counts).
    updated_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    researcher: Mapped[ResearcherProfile] = relationship(back_populates="publications")

    def __repr__(self) -> str:
        return f"<Publication {self.id} {self.title[:30]!r}>"


class IPKind(enum.Enum):
    """Kinds of intellectual property recognised in Vietnam."""

    PATENT = "patent"
    UTILITY_SOLUTION = "utility_solution"
    PLANT_VARIETY = "plant_variety"
    COPYRIGHT = "copyright"


class IPStatus(enum.Enum):
    """Where an IP application stands."""

    FILED = "filed"
    GRANTED = "granted"
    EXPIRED = "expired"


class IPAsset(Base):
    """A patent, utility solution, plant variety or copyright of a researcher."""

    __tablename__ = "ip_assets"

    id: Mapped[int] = mapped_column(primary_key=True)
    researcher_id: Mapped[int] = mapped_column(
        sa.ForeignKey("researcher_profiles.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[IPKind] = mapped_column(enum_type(IPKind, "ip_kind"))
    number: Mapped[str] = mapped_column(sa.String(60), default="")
    title: Mapped[str] = mapped_column(sa.String(500))
    year: Mapped[int | None]
    status: Mapped[IPStatus] = mapped_column(enum_type(IPStatus, "ip_status"))
    updated_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    researcher: Mapped[ResearcherProfile] = relationship(back_populates="ip_assets")

    def __repr__(self) -> str:
        return f"<IPAsset {self.id} {self.kind.value} {self.number}>"
