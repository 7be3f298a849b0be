"""Fixtures for researcher profile tests."""

from __future__ import annotations

import pytest

from matchmaker.extensions import db
from matchmaker.models import Institution, InstitutionKind, ResearcherProfile, Role


@pytest.fixture
def institution(app) -> Institution:
    inst = Institution(
        slug="ctu",
        name_vi="Trường Đại học Cần Thơ",
        short_name="CTU",
        kind=InstitutionKind.UNIVERSITY,
    )
    db.session.add(inst)
    db.session.commit()
    return inst


@pytest.fixture
def researcher(auth):
    """A signed-in researcher."""
    return auth.login_as(Role.RESEARCHER, full_name="Trương Hoàng Phúc")


@pytest.fixture
def make_profile(make_user):
    def make(public: bool = True, **overrides) -> ResearcherProfile:
        user = make_user(
            Role.RESEARCHER,
            **{
                k: overrides.pop(k)
                for k in ("full_name", "institution")
                if k in overrides
            },
        )
        profile = ResearcherProfile(
            user=user,
            keywords=overrides.pop("keywords", []),
            links=[],
            public=public,
            **overrides,
        )
        db.session.add(profile)
        db.session.commit()
        return profile

    return make
