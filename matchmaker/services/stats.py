"""Figures about the platform, computed from the database."""

from __future__ import annotations

import sqlalchemy as sa

from matchmaker.extensions import db
from matchmaker.models import Enterprise, Institution, ResearcherProfile


def platform_counts() -> dict[str, int]:
    """How many public researchers, institutions and enterprises the platform knows."""

    def count(stmt: sa.Select) -> int:
        return db.session.scalar(stmt) or 0

    return {
        "researchers": count(
            sa.select(sa.func.count(ResearcherProfile.id)).where(
                ResearcherProfile.public.is_(True)
            )
        ),
        "institutions": count(sa.select(sa.func.count(Institution.id))),
        "enterprises": count(sa.select(sa.func.count(Enterprise.id))),
    }
