"""Factories for enterprises, their representatives and technology needs."""

from __future__ import annotations

from itertools import count

import pytest

from matchmaker.extensions import db
from matchmaker.models import Enterprise, Role, TechNeed

_WEIGHTS = (31, 29, 23, 19, 17, 13, 7, 5, 3)


def valid_tax_code(seed: int) -> str:
    """A 10-digit tax code with a correct check digit, different for each seed."""
    for n in range(seed * 10, seed * 10 + 10_000):
        base = f"{n % 10**9:09d}"
        check = 10 - sum(int(d) * w for d, w in zip(base, _WEIGHTS, strict=True)) % 11
        if check < 10:
            return base + str(check)
    raise AssertionError("no valid code")


@pytest.fixture
def tax_code():
    """Make a valid tax code from a seed."""
    return valid_tax_code


@pytest.fixture
def make_enterprise(app):
    numbers = count(1)

    def make(**overrides) -> Enterprise:
        n = next(numbers)
        fields = {
            "slug": f"cong-ty-{n}",
            "name": f"Công ty Thủy sản {n}",
            "tax_code": valid_tax_code(1800 + n * 37),
            "sector": "Thủy sản",
        }
        enterprise = Enterprise(**(fields | overrides))
        db.session.add(enterprise)
        db.session.commit()
        return enterprise

    return make


@pytest.fixture
def make_rep(make_user):
    """A representative of ``enterprise``."""

    def make(enterprise: Enterprise, **overrides):
        return make_user(Role.ENTERPRISE, enterprise_id=enterprise.id, **overrides)

    return make


@pytest.fixture
def login_rep(auth):
    """Sign in as a new representative of ``enterprise``."""

    def login(enterprise: Enterprise, **overrides):
        return auth.login_as(Role.ENTERPRISE, enterprise_id=enterprise.id, **overrides)

    return login


@pytest.fixture
def make_need(app):
    def make(enterprise: Enterprise, **overrides) -> TechNeed:
        fields = {
            "title": "Xử lý nước thải ao nuôi tôm",
            "description": "Nước thải ao nuôi gây ô nhiễm kênh rạch.",
            "desired_outcome": "Giảm 50 % chất hữu cơ.",
            "field_code": "405",
            "priority_area": "aquaculture",
        }
        need = TechNeed(enterprise_id=enterprise.id, **(fields | overrides))
        db.session.add(need)
        db.session.commit()
        return need

    return make


@pytest.fixture(autouse=True)
def english(client):
    """These tests read the English messages; the platform itself defaults to Vietnamese."""
    client.get("/lang/en")
