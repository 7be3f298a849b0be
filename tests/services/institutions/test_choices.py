"""The institutions a form offers and their look-up: one rule for both, accents and case ignored."""

from __future__ import annotations

import pytest

from matchmaker.models import InstitutionKind, Role
from matchmaker.services.institutions import choices


@pytest.fixture
def choice_places(make_institution) -> dict:
    return {
        key: make_institution(key, name, kind, short_name=short)
        for key, name, kind, short in [
            (
                "skhcn",
                "Sở Khoa học và Công nghệ thành phố Cần Thơ",
                InstitutionKind.AGENCY,
                "Sở KH&CN",
            ),  # fmt: skip
            ("syt", "Sở Y tế thành phố Cần Thơ", InstitutionKind.AGENCY, ""),
            ("ctu", "Trường Đại học Cần Thơ", InstitutionKind.UNIVERSITY, "CTU"),
            ("tvu", "Trường Đại học Trà Vinh", InstitutionKind.UNIVERSITY, "TVU"),
            (
                "lua",
                "Viện Lúa Đồng bằng sông Cửu Long",
                InstitutionKind.INSTITUTE,
                "CLRRI",
            ),  # fmt: skip
        ]
    }


def _names(lookup: choices.Lookup) -> list[str]:
    return [i.name_vi for i in lookup.institutions]


@pytest.mark.parametrize("query", ["can tho", "CẦN THƠ", "Can Tho", "cần thơ"])
def test_find_choosable_ignores_case_and_accents(make_user, choice_places, query):
    researcher = make_user(Role.RESEARCHER)
    found = choices.find_choosable(researcher, "profile", query)
    assert _names(found) == [
        "Sở Khoa học và Công nghệ thành phố Cần Thơ",
        "Sở Y tế thành phố Cần Thơ",
        "Trường Đại học Cần Thơ",
    ]


def test_find_choosable_folds_d_with_stroke_and_needs_every_word(
    make_user, choice_places
):
    researcher = make_user(Role.RESEARCHER)
    assert _names(choices.find_choosable(researcher, "profile", "dai hoc")) == [
        "Trường Đại học Cần Thơ",
        "Trường Đại học Trà Vinh",
    ]
    assert _names(choices.find_choosable(researcher, "profile", "tho dai hoc")) == [
        "Trường Đại học Cần Thơ"
    ]
    assert _names(choices.find_choosable(researcher, "profile", "dong bang")) == [
        "Viện Lúa Đồng bằng sông Cửu Long"
    ]


def test_find_choosable_matches_short_names(make_user, choice_places):
    researcher = make_user(Role.RESEARCHER)
    assert _names(choices.find_choosable(researcher, "profile", "clrri")) == [
        "Viện Lúa Đồng bằng sông Cửu Long"
    ]


@pytest.mark.parametrize("query", ["", " ", "c", "đ ", "%"])
def test_find_choosable_needs_two_letters(make_user, choice_places, query):
    found = choices.find_choosable(make_user(Role.RESEARCHER), "profile", query)
    assert found.institutions == [] and found.too_short


def test_find_choosable_treats_like_wildcards_as_letters(make_user, choice_places):
    found = choices.find_choosable(make_user(Role.RESEARCHER), "profile", "%%_")
    assert found.institutions == [] and not found.too_short


def test_find_choosable_stops_at_the_limit_and_says_more_match(
    make_user, choice_places
):
    found = choices.find_choosable(make_user(Role.RESEARCHER), "profile", "th", limit=2)
    assert len(found.institutions) == 2 and found.more


def test_orders_offer_only_the_agencies(make_user, choice_places):
    official = make_user(Role.OFFICIAL)
    assert [i.slug for i in choices.list_choosable(official, "order")] == ["skhcn", "syt"]  # fmt: skip
    assert _names(choices.find_choosable(official, "order", "can tho")) == [
        "Sở Khoa học và Công nghệ thành phố Cần Thơ",
        "Sở Y tế thành phố Cần Thơ",
    ]


def test_a_researcher_registers_projects_for_their_own_institution_only(
    make_user, choice_places
):
    researcher = make_user(Role.RESEARCHER, institution_id=choice_places["ctu"].id)
    assert choices.list_choosable(researcher, "project") == [choice_places["ctu"]]
    assert _names(choices.find_choosable(researcher, "project", "dai hoc")) == [
        "Trường Đại học Cần Thơ"
    ]
    staff = make_user(Role.OFFICIAL)
    assert len(choices.list_choosable(staff, "project")) == 5


@pytest.mark.parametrize(
    ("role", "purpose"),
    [
        (Role.ENTERPRISE, "profile"),
        (Role.RESEARCHER, "order"),
        (Role.ENTERPRISE, "order"),
        (Role.OFFICIAL, "account"),
        (Role.RESEARCHER, "account"),
        (Role.ENTERPRISE, "project"),
        (Role.ADMIN, "no-such-form"),
    ],
)
def test_nobody_finds_what_their_form_would_not_offer(
    make_user, choice_places, role, purpose
):
    user = make_user(role)
    assert choices.list_choosable(user, purpose) == []
    assert choices.find_choosable(user, purpose, "can tho").institutions == []


def test_nothing_for_a_visitor(choice_places):
    assert choices.find_choosable(None, "profile", "can tho").institutions == []
