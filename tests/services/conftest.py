"""Fixtures shared by the assignment service tests: institutions, an official, researchers and orders."""

from __future__ import annotations

from datetime import timedelta

import pytest

from matchmaker.extensions import db
from matchmaker.models import (
    Institution,
    InstitutionKind,
    Publication,
    ResearcherProfile,
    ResearchOrder,
    Role,
    User,
    utcnow,
)
from matchmaker.validators import title_key


@pytest.fixture
def places(app) -> dict[str, Institution]:
    rows = {
        key: Institution(slug=key, name_vi=name, kind=kind)
        for key, name, kind in [
            ("so", "Sở Khoa học và Công nghệ", InstitutionKind.AGENCY),
            ("ctu", "Trường Đại học Cần Thơ", InstitutionKind.UNIVERSITY),
            ("vlu", "Trường Đại học Cửu Long", InstitutionKind.UNIVERSITY),
            ("tvu", "Trường Đại học Trà Vinh", InstitutionKind.UNIVERSITY),
            ("lua", "Viện Lúa ĐBSCL", InstitutionKind.INSTITUTE),
        ]
    }
    db.session.add_all(rows.values())
    db.session.commit()
    return rows


@pytest.fixture
def official(make_user) -> User:
    return make_user(Role.OFFICIAL, full_name="Lê Văn Cán Bộ")


@pytest.fixture
def make_researcher(make_user, places):
    """A researcher with a profile; ``papers`` are publication titles."""

    def make(name: str, place: str, keywords: list[str], summary: str = "", papers=(), **profile) -> User:  # fmt: skip
        user = make_user(
            Role.RESEARCHER, full_name=name, institution_id=places[place].id
        )
        db.session.add(
            ResearcherProfile(
                user=user, keywords=keywords, summary=summary, links=[],
                publications=[Publication(title=t, title_key=title_key(t), abstract="") for t in papers],
                **profile,
            )
        )  # fmt: skip
        db.session.commit()
        return user

    return make


@pytest.fixture
def make_order(places, official):
    def make(title: str, content: str = "", **extra) -> ResearchOrder:
        values = {
            "title": title,
            "agency_id": places["so"].id,
            "main_content": content,
            "state": "published",
            "created_by_id": official.id,
            "application_deadline": utcnow() + timedelta(days=30),
        }
        order = ResearchOrder(**(values | extra))
        db.session.add(order)
        db.session.commit()
        return order

    return make
