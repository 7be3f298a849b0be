"""Every model, re-exported so Alembic autogenerate sees them all."""

from matchmaker.models.base import Base, TimestampMixin, utcnow
from matchmaker.models.institution import (
    Enterprise,
    EnterpriseSize,
    Institution,
    InstitutionKind,
)
from matchmaker.models.mail import OutboxMessage
from matchmaker.models.researcher import ResearcherProfile
from matchmaker.models.user import SELF_SERVICE_ROLES, Role, User

__all__ = [
    "Base",
    "Enterprise",
    "EnterpriseSize",
    "Institution",
    "InstitutionKind",
    "OutboxMessage",
    "ResearcherProfile",
    "Role",
    "SELF_SERVICE_ROLES",
    "TimestampMixin",
    "User",
    "utcnow",
]
