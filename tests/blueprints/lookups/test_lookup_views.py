"""The look-ups of the form pickers: signed-in only, limited per account, never more than the form offers."""

from __future__ import annotations

import pytest

from matchmaker.models import InstitutionKind, Role
from tests.fixtures.constants import PASSWORD

FIELDS = "/lookups/fields"


@pytest.fixture
def lookup_places(make_institution) -> dict:
    return {
        "so": make_institution(
            "so-khcn",
            "Sở Khoa học và Công nghệ thành phố Cần Thơ",
            InstitutionKind.AGENCY,
            short_name="Sở KH&CN",
        ),  # fmt: skip
        "ctu": make_institution("ctu", "Trường Đại học Cần Thơ", short_name="CTU"),
        "tvu": make_institution("tvu", "Trường Đại học Trà Vinh"),
    }


def _json(client, url: str, q: str) -> dict:
    response = client.get(url, query_string={"q": q})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    return response.get_json()


def test_fields_lookup_finds_a_group_without_accents(client, auth):
    auth.login_as(Role.RESEARCHER)
    data = _json(client, FIELDS, "nong nghiep")
    assert [r["id"] for r in data["results"]][:2] == ["401", "402"]
    assert data["results"][0] == {"id": "401", "name": "401 · Trồng trọt", "group": "Khoa học nông nghiệp"}  # fmt: skip
    assert data["message"] == "Tìm thấy 7 lĩnh vực nghiên cứu."


def test_fields_lookup_says_when_nothing_matches_in_english(client, auth):
    auth.login_as(Role.RESEARCHER)
    client.get("/lang/en")
    data = _json(client, FIELDS, "zzz")
    assert data["results"] == []
    assert data["message"].startswith("No research field matches")


def test_institution_lookup_for_an_order_lists_agencies_only(
    client, auth, lookup_places
):
    auth.login_as(Role.OFFICIAL)
    data = _json(client, "/lookups/institutions/order", "can tho")
    assert data["results"] == [
        {
            "id": lookup_places["so"].id,
            "name": lookup_places["so"].name_vi,
            "short": "Sở KH&CN",
        }
    ]
    assert data["message"] == "Tìm thấy 1 đơn vị."


def test_institution_lookup_for_a_profile_finds_universities(
    client, auth, lookup_places
):
    auth.login_as(Role.RESEARCHER)
    data = _json(client, "/lookups/institutions/profile", "dai hoc")
    assert [r["name"] for r in data["results"]] == [
        "Trường Đại học Cần Thơ",
        "Trường Đại học Trà Vinh",
    ]


def test_institution_lookup_needs_two_letters(client, auth, lookup_places):
    auth.login_as(Role.RESEARCHER)
    client.get("/lang/en")
    data = _json(client, "/lookups/institutions/profile", "d")
    assert data["results"] == [] and data["message"] == "Type at least 2 letters of the name."  # fmt: skip


def test_a_researcher_finds_only_their_own_institution_for_a_project(
    client, auth, lookup_places
):
    auth.login_as(Role.RESEARCHER, institution_id=lookup_places["tvu"].id)
    data = _json(client, "/lookups/institutions/project", "dai hoc")
    assert [r["id"] for r in data["results"]] == [lookup_places["tvu"].id]


@pytest.mark.parametrize(
    ("role", "purpose", "status"),
    [
        (None, "profile", 302),
        (Role.ENTERPRISE, "profile", 403),
        (Role.RESEARCHER, "order", 403),
        (Role.ENTERPRISE, "order", 403),
        (Role.OFFICIAL, "account", 403),
        (Role.ADMIN, "account", 200),
        (Role.ADMIN, "nonsense", 404),
    ],
)
def test_institution_lookup_answers_only_who_fills_that_form(
    client, auth, lookup_places, role, purpose, status
):
    if role is not None:
        auth.login_as(role)
    response = client.get(f"/lookups/institutions/{purpose}", query_string={"q": "can tho"})  # fmt: skip
    assert response.status_code == status
    if status == 302:
        assert response.headers["Location"].startswith("/auth/login")
    if status != 200:
        assert "Trường Đại học Cần Thơ" not in response.get_data(as_text=True)


def test_fields_lookup_needs_a_sign_in(client):
    response = client.get(FIELDS, query_string={"q": "nong"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")


def test_lookups_are_rate_limited_per_account(
    app, client, auth, make_user, lookup_places
):
    app.config["LOOKUP_LIMIT"] = "3 per minute"
    auth.login_as(Role.OFFICIAL)
    url = "/lookups/institutions/order"
    codes = [client.get(url, query_string={"q": "so"}).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    other = (
        app.test_client()
    )  # another official, from the same address, has their own allowance
    colleague = make_user(Role.OFFICIAL)
    other.post("/auth/login", data={"email": colleague.email, "password": PASSWORD})
    assert other.get(url, query_string={"q": "so"}).status_code == 200
