"""Universities, institutes, city agencies and enterprises."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matchmaker.models.base import Base, TimestampMixin, enum_type

if TYPE_CHECKING:
    from matchmaker.models.user import User


class InstitutionKind(enum.Enum):
    """The kind of a research or public institution."""

    UNIVERSITY = "university"
    INSTITUTE = "institute"
    AGENCY = "agency"


class Institution(TimestampMixin, Base):
    """A university, research institute or city agency."""

    __tablename__ = "institutions"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    name_vi: Mapped[str] = mapped_column(sa.String(300))
    name_en: Mapped[str] = mapped_column(sa.String(300), default="")
    short_name: Mapped[str] = mapped_column(sa.String(40), default="")
    kind: Mapped[InstitutionKind] = mapped_column(
        enum_type(InstitutionKind, "institution_kind")
    )
    district: Mapped[str] = mapped_column(sa.String(120), default="")
    # One of matchmaker.provinces.PROVINCES ("" when not given): the dashboard's province filter.
    province: Mapped[str] = mapped_column(sa.String(80), default="", index=True)
    address: Mapped[str] = mapped_column(sa.String(300), default="")
    website: Mapped[str | None] = mapped_column(sa.String(300))

    def __repr__(self) -> str:
        return f"<Institution {self.slug}>"


class EnterpriseSize(enum.Enum):
    """Size class of a Vietnamese enterprise."""

    MICRO = "micro"
    SMALL = "small"
    MEDIUM = "medium"
    LARGE = "large"


class Enterprise(TimestampMixin, Base):
    """A company that posts technology needs."""

    __tablename__ = "enterprises"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    name: Mapped[str] = mapped_column(sa.String(300))
    tax_code: Mapped[str | None] = mapped_column(sa.String(14), unique=True)
    sector: Mapped[str] = mapped_column(sa.String(200), default="")
    size: Mapped[EnterpriseSize | None] = mapped_column(
        enum_type(EnterpriseSize, "enterprise_size")
    )
    district: Mapped[str] = mapped_column(sa.String(120), default="")
    address: Mapped[str] = mapped_column(sa.String(300), default="")
    website: Mapped[str | None] = mapped_column(sa.String(300))

    representatives: Mapped[list[User]] = relationship(back_populates="enterprise")

    def __repr__(self) -> str:
        return f"<Enterprise {self.slug}>"
