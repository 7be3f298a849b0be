"""Demo research projects of Cần Thơ's universities and institutes (past and under way)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from matchmaker.extensions import db
from matchmaker.matching.text import normalise
from matchmaker.models import (
    Institution,
    MemberStatus,
    Project,
    ProjectMember,
    ProjectStatus,
    User,
    utcnow,
)

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


def _user(email: str | None) -> User | None:
    if not email:
        return None
    return db.session.scalar(sa.select(User).where(User.email == email))


def _members(row: dict) -> list[ProjectMember]:
    """The team members with an account, as if each had confirmed (the names without one stay in ``team``)."""
    users = [u for u in map(_user, row.get("members", [])) if u is not None]
    return [
        ProjectMember(
            user_id=u.id, status=MemberStatus.CONFIRMED, confirmed_at=utcnow()
        )
        for u in users
    ]


def _project(row: dict, places: dict[str, int]) -> Project:
    pi = _user(row.get("pi_email"))
    return Project(
        **{name: normalise(row.get(name, "")) for name in _TEXT},
        pi_id=pi.id if pi else None,
        team=[normalise(name) for name in row.get("team", [])],
        members=_members(row),
        institution_id=places.get(row["institution"]),
        field_code=row.get("field_code"),
        priority_area=row.get("priority_area"),
        start_year=row.get("start_year"),
        end_year=row.get("end_year"),
        status=ProjectStatus(row["status"]),
        budget=row.get("budget"),
    )
