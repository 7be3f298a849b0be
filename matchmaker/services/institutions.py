"""Institutions: universities, institutes and city agencies."""

from __future__ import annotations

import sqlalchemy as sa

from matchmaker.extensions import db
from matchmaker.models import Institution


def list_institutions() -> list[Institution]:
    """Every institution, by Vietnamese name."""
    return list(
        db.session.scalars(sa.select(Institution).order_by(Institution.name_vi))
    )
