"""User accounts and roles."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash

from matchmaker.models.base import Base, TimestampMixin, enum_type, utcnow

if TYPE_CHECKING:
    from matchmaker.models.institution import Enterprise, Institution


# Argon2id at OWASP's first recommended setting (19 MiB of memory, 2 passes, 1 lane): about 25 ms of one
# core here. The scrypt hashes of earlier versions (Werkzeug's default, N=2^15, below OWASP's 2^17 for scrypt)
# took 130 ms, which the load test saw as seconds of sign-in under load. Those hashes are still read, and
# replaced at the account's next successful sign-in (services/accounts/identity.py).
ARGON2_SETTINGS = {"time_cost": 2, "memory_cost": 19 * 1024, "parallelism": 1}
PASSWORDS = PasswordHasher(**ARGON2_SETTINGS)
ARGON2 = "$argon2"


def hash_password(password: str) -> str:
    """The stored form of a new password."""
    return PASSWORDS.hash(password)


def verify_password(stored: str, password: str) -> bool:
    """Whether ``password`` is the one ``stored`` was made from (Argon2id, or an older Werkzeug hash)."""
    if not stored.startswith(ARGON2):
        return check_password_hash(stored, password)
    try:
        return PASSWORDS.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """A hash of an older method, or of other Argon2 settings than ``PASSWORDS``'s."""
    return not stored.startswith(ARGON2) or PASSWORDS.check_needs_rehash(stored)


class Role(enum.Enum):
    """What a user is on the platform."""

    RESEARCHER = "researcher"
    ENTERPRISE = "enterprise"
    OFFICIAL = "official"
    ADMIN = "admin"


# Roles a visitor may choose when registering; the others are created by an administrator.
SELF_SERVICE_ROLES = (Role.RESEARCHER, Role.ENTERPRISE)


class User(UserMixin, TimestampMixin, Base):
    """A person who signs in: researcher, enterprise representative, official or administrator."""

    __tablename__ = "users"
    # Lists of people sort by name (then id, a total order): the index gives a page without sorting them all.
    __table_args__ = (sa.Index("ix_users_full_name_id", "full_name", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    full_name: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[Role] = mapped_column(enum_type(Role, "user_role"))
    active: Mapped[bool] = mapped_column(default=True)
    # Created by an administrator's import: inactive until the person accepts the invitation.
    invitation_pending: Mapped[bool] = mapped_column(
        default=False, server_default=sa.false()
    )
    email_verified_at: Mapped[datetime | None] = mapped_column(
        sa.DateTime(timezone=True)
    )
    last_login_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    # An official who may take decisions on research orders (approve, award, accept...).
    can_approve: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # Bumped to end every open session (deactivation, password change).
    session_version: Mapped[int] = mapped_column(default=1)
    institution_id: Mapped[int | None] = mapped_column(sa.ForeignKey("institutions.id"))
    # E-mail and name folded as the accounts list's text filter compares them (services/stored_text.py keeps it).
    search_text: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    # When a field the open datasets publish (name, institution, whether active) last changed: their files'
    # fingerprint reads this, not updated_at, which a mere sign-in moves (services/opendata keeps it).
    public_changed_at: Mapped[datetime | None] = mapped_column(
        sa.DateTime(timezone=True), default=utcnow
    )
    enterprise_id: Mapped[int | None] = mapped_column(sa.ForeignKey("enterprises.id"))

    institution: Mapped[Institution | None] = relationship()
    enterprise: Mapped[Enterprise | None] = relationship(
        back_populates="representatives"
    )

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role.value}>"

    def set_password(self, password: str) -> None:
        self.password_hash = hash_password(password)

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and verify_password(
            self.password_hash, password
        )

    @property
    def password_needs_rehash(self) -> bool:
        """The stored hash is of an older method or setting: hash the password again once it is known."""
        return bool(self.password_hash) and needs_rehash(self.password_hash)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    @property
    def is_verified(self) -> bool:
        return self.email_verified_at is not None

    def get_id(self) -> str:
        # The version makes every session and remember-me cookie of an older version invalid.
        return f"{self.id}:{self.session_version}"

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles
