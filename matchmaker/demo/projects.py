"""Demo research projects of Cần Thơ's universities and institutes (past and under way)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from matchmaker.extensions import db
from matchmaker.matching.text import normalise
from matchmaker.models import Institution, Project, ProjectStatus, User

DATA = Path(__file__).resolve().parent / "data" / "projects.json"
Progress = Callable[[int], Any]
_TEXT = ("title", "summary", "pi_name", "products", "ip", "applied_at")


def rows() -> list[dict]:
    """The demo projects as written in the data file."""
    return json.loads(DATA.read_text(encoding="utf-8"))


def load_projects(progress: Progress | None = None) -> int:
    """Create every demo project that is missing (by title); return how many were created.

    The search index is not touched: rebuild it once all demo data is loaded.
    """
    step = progress or (lambda _n: None)
    existing = set(db.session.scalars(sa.select(Project.title)))
    places = {i.slug: i.id for i in db.session.scalars(sa.select(Institution))}
    created = 0
    for row in rows():
        if normalise(row["title"]) not in existing:
            db.session.add(_project(row, places))
            created += 1
        step(1)
    db.session.commit()
    return created


def _project(row: dict, places: dict[str, int]) -> Project:
    pi = (
        db.session.scalar(sa.select(User).where(User.email == row["pi_email"]))
        if row.get("pi_email")
        else None
    )
    return Project(
        **{name: normalise(row.get(name, "")) for name in _TEXT},
        pi_id=pi.id if pi else None,
        team=[normalise(name) for name in row.get("team", [])],
        institution_id=places.get(row["institution"]),
        field_code=row.get("field_code"),
        priority_area=row.get("priority_area"),
        start_year=row.get("start_year"),
        end_year=row.get("end_year"),
        status=ProjectStatus(row["status"]),
        budget=row.get("budget"),
    )
