"""Declarative base with a constraint naming convention, and shared column helpers."""

from __future__ import annotations

import enum
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Base class of every model."""

    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


class TimestampMixin:
    """created_at / updated_at columns in UTC."""

    created_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), default=utcnow
    )
    updated_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


def enum_type(enum_cls: type[enum.Enum], name: str) -> sa.Enum:
    """A database enum that stores the members' values (``"open"``), not their names (``"OPEN"``)."""
    return sa.Enum(
        enum_cls, name=name, values_callable=lambda members: [m.value for m in members]
    )
