"""The researcher list's field filter (a code or its prefix) and its order (by name, a total order)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from matchmaker.extensions import db
from matchmaker.models import ResearcherField, ResearcherProfile
from matchmaker.services.researchers.profiles import list_researchers

CODES = {"Lúa": "105", "Lũ": "199", "Điện": "201", "Y": "901", "Xã hội": "1001"}


@pytest.fixture
def by_field(make_researcher, official):
    for name, code in CODES.items():
        user = make_researcher(name, "ctu", [])
        profile = db.session.scalar(
            sa.select(ResearcherProfile).where(ResearcherProfile.user_id == user.id)
        )
        profile.field_rows = [ResearcherField(field_code=code)]
    db.session.commit()

    def names(code: str) -> list[str]:
        found = list_researchers(official, 1, field_code=code, per_page=100).items
        return sorted(p.user.full_name for p in found)

    return names


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("105", ["Lúa"]),
        ("1", ["Lũ", "Lúa", "Xã hội"]),  # every code starting with 1, of any length
        ("19", ["Lũ"]),  # the next prefix carries: "19" up to "2", not "1:"
        ("199", ["Lũ"]),
        ("9", ["Y"]),  # nothing after 9: every code from "9" on
        ("10", ["Lúa", "Xã hội"]),
        ("2", ["Điện"]),
        ("3", []),
        ("1%", []),  # not digits: only that very code, no pattern
    ],
)
def test_field_filter_takes_a_code_or_its_prefix(by_field, code, expected):
    assert by_field(code) == sorted(expected)


def test_namesakes_keep_one_order_across_pages(make_researcher, official):
    for place in ["ctu", "vlu", "lua", "ctu", "vlu"]:
        make_researcher("Nguyễn Văn An", place, [])
    make_researcher("Bùi Thị Ba", "ctu", [])
    first = list_researchers(official, 1, per_page=3).items
    second = list_researchers(official, 2, per_page=3).items
    ids = [p.id for p in first + second]
    assert first[0].user.full_name == "Bùi Thị Ba"
    assert len(set(ids)) == 6  # no one twice, no one left out between the pages
    assert [p.user_id for p in first[1:] + second] == sorted(
        p.user_id for p in first[1:] + second
    )
