"""The proposal team picker: a look-up of researchers open to collaboration, never the whole directory.

The look-up needs three typed characters, returns ten researchers at most, ignores case and accents, lists
only active researchers whose profile is open to collaboration, answers researchers only and is rate-limited;
the form still sends team members by id (with a search button when JavaScript is off) and refuses the rest.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from matchmaker.extensions import db
from matchmaker.models import Proposal, ResearcherProfile, Role, utcnow
from matchmaker.services.orders import proposals
from tests.fixtures.constants import PASSWORD

URL = "/orders/proposals/team-candidates"
FORM = {
    "approach": "Mô hình thủy văn MIKE 11 kết hợp cảm biến mặn",
    "timeline": "18 tháng",
    "budget": "900.000.000",
}


@pytest.fixture
def picker_call(make_published_order):
    now = utcnow()
    return make_published_order(now, now + timedelta(days=30))


@pytest.fixture
def picker_people(make_collaborator, make_user, institutions) -> dict:
    """Open researchers, and the ones the picker must never list."""
    nctu = institutions["nctu"].id
    return {
        "binh": make_collaborator(full_name="Trần Thị Bình", institution_id=nctu),
        "duc": make_collaborator(full_name="Đặng Minh Đức"),
        "closed": make_collaborator(open_to_orders=False, full_name="Trần Văn Kín"),
        "inactive": make_collaborator(active=False, full_name="Trần Văn Nghỉ"),
        "no_profile": make_user(Role.RESEARCHER, full_name="Trần Văn Ẩn"),
        "official": make_user(Role.OFFICIAL, full_name="Trần Văn Quan"),
    }


def _names(client, q: str) -> list[str]:
    response = client.get(URL, query_string={"q": q})
    assert response.status_code == 200
    return [r["name"] for r in response.get_json()["results"]]


def test_the_proposal_form_no_longer_lists_every_researcher(
    client, auth, picker_call, pi, picker_people
):
    auth.login(pi.email)
    page = client.get(f"/orders/{picker_call.id}/proposals/new").get_data(as_text=True)
    assert all(person.full_name not in page for person in picker_people.values())
    assert 'role="status"' in page and "team_query" in page


def test_lookup_finds_open_researchers_by_name_or_institution(
    client, auth, pi, picker_people, institutions
):
    auth.login(pi.email)
    response = client.get(URL, query_string={"q": "trần"})
    assert response.headers["Cache-Control"] == "no-store"
    assert response.get_json()["results"] == [
        {
            "id": picker_people["binh"].id,
            "profile_id": db.session.scalar(
                sa.select(ResearcherProfile.id).where(
                    ResearcherProfile.user_id == picker_people["binh"].id
                )
            ),
            "name": "Trần Thị Bình",
            "institution": "Trường Đại học Nam Cần Thơ",
        }
    ]
    assert _names(client, "Nam Cần") == ["Trần Thị Bình"]


@pytest.mark.parametrize("q", ["TRAN THI", "tran thi binh", "Trần THỊ", "  thị bình "])
def test_lookup_ignores_case_and_accents(client, auth, pi, picker_people, q):
    auth.login(pi.email)
    assert _names(client, q) == ["Trần Thị Bình"]


def test_lookup_folds_d_with_stroke(client, auth, pi, picker_people):
    auth.login(pi.email)
    assert _names(client, "dang minh duc") == _names(client, "ĐẶNG") == ["Đặng Minh Đức"]  # fmt: skip


def test_lookup_never_lists_closed_inactive_or_other_accounts_nor_the_pi(
    client, auth, pi, picker_people
):
    auth.login(pi.email)
    assert _names(client, "Trần Văn") == []
    assert _names(client, "Nguyễn Văn An") == []  # the PI is not their own teammate


@pytest.mark.parametrize(
    ("q", "english"),
    [("", True), ("tr", True), ("t r", False), ("Đà", False)],
)
def test_lookup_needs_three_characters(client, auth, pi, picker_people, q, english):
    auth.login(pi.email)
    if english:
        client.get("/lang/en")
    answer = client.get(URL, query_string={"q": q}).get_json()
    assert answer["results"] == []
    expected = "Type at least 3 characters" if english else "Gõ ít nhất 3 ký tự"
    assert answer["message"].startswith(expected)


def test_lookup_returns_ten_at_most_and_says_more_match(
    client, auth, pi, make_collaborator
):
    for n in range(12):
        make_collaborator(full_name=f"Phạm Văn Số {n:02d}")
    auth.login(pi.email)
    client.get("/lang/en")
    answer = client.get(URL, query_string={"q": "pham van"}).get_json()
    assert [r["name"] for r in answer["results"]] == [
        f"Phạm Văn Số {n:02d}" for n in range(10)
    ]
    assert answer["more"] is True and "type more" in answer["message"]


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (None, 302),
        (Role.RESEARCHER, 200),
        (Role.OFFICIAL, 403),
        (Role.ADMIN, 403),
        (Role.ENTERPRISE, 403),
    ],
)
def test_lookup_answers_signed_in_researchers_only(
    client, auth, picker_people, role, status
):
    if role is not None:
        auth.login_as(role)
    response = client.get(URL, query_string={"q": "trần"})
    assert response.status_code == status
    if status == 302:
        assert response.headers["Location"].startswith("/auth/login")
    assert "Trần Thị Bình" not in response.get_data(as_text=True) or status == 200


def test_lookup_is_rate_limited_per_account(
    app, client, auth, pi, picker_people, make_user
):
    app.config["LOOKUP_LIMIT"] = "3 per minute"
    auth.login(pi.email)
    codes = [client.get(URL, query_string={"q": "trần"}).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    other = (
        app.test_client()
    )  # another researcher, from the same address, has their own allowance
    other.post(
        "/auth/login", data={"email": picker_people["duc"].email, "password": PASSWORD}
    )
    assert other.get(URL, query_string={"q": "trần"}).status_code == 200


# The form without JavaScript


def test_search_button_shows_candidates_and_keeps_what_was_typed(
    client, auth, picker_call, pi, picker_people
):
    auth.login(pi.email)
    client.get("/lang/en")
    response = client.post(
        f"/orders/{picker_call.id}/proposals/new",
        data=FORM | {"team_query": "tran thi", "find_team": "Find"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'value="tran thi"' in page and "MIKE 11" in page
    assert 'value="900.000.000"' in page
    assert "1 researcher found" in page
    assert (
        f'<input class="form-check-input" id="team_ids-0" name="team_ids" type="checkbox" value="{picker_people["binh"].id}">'
        in page
    )
    assert "Trần Văn Kín" not in page and 'id="approach-errors"' not in page
    assert db.session.scalar(sa.select(sa.func.count(Proposal.id))) == 0


def test_search_keeps_the_members_already_ticked(
    client, auth, picker_call, pi, picker_people
):
    auth.login(pi.email)
    page = client.post(
        f"/orders/{picker_call.id}/proposals/new",
        data=FORM
        | {
            "team_ids": [str(picker_people["binh"].id)],
            "team_query": "đặng",
            "find_team": "1",
        },
    ).get_data(as_text=True)
    assert f'checked class="form-check-input" id="team_ids-0" name="team_ids" type="checkbox" value="{picker_people["binh"].id}"' in page  # fmt: skip
    assert f'id="team_ids-1" name="team_ids" type="checkbox" value="{picker_people["duc"].id}"' in page  # fmt: skip


def test_form_submits_members_by_id(client, auth, picker_call, pi, picker_people):
    auth.login(pi.email)
    response = client.post(
        f"/orders/{picker_call.id}/proposals/new",
        data=FORM
        | {"team_ids": [str(picker_people["binh"].id), str(picker_people["duc"].id)]},
    )
    saved = db.session.scalar(sa.select(Proposal))
    assert response.headers["Location"] == f"/orders/proposals/{saved.id}"
    assert [m.user_id for m in saved.members] == [
        picker_people["binh"].id,
        picker_people["duc"].id,
    ]


@pytest.mark.parametrize(
    "who", ["closed", "inactive", "no_profile", "official", "pi", "unknown", "huge"]
)
def test_form_refuses_ids_that_may_not_join(
    client, auth, picker_call, pi, picker_people, who
):
    wanted = {"pi": pi.id, "unknown": 999_999, "huge": 10**12}.get(who) or picker_people[who].id  # fmt: skip
    auth.login(pi.email)
    client.get("/lang/en")
    response = client.post(
        f"/orders/{picker_call.id}/proposals/new",
        data=FORM | {"team_ids": [str(picker_people["binh"].id), str(wanted)]},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="team_ids-errors"' in page
    assert "active researchers open to collaboration" in page
    assert db.session.scalar(sa.select(sa.func.count(Proposal.id))) == 0


def test_a_member_whose_profile_closed_stays_listed_and_may_stay(
    client, auth, picker_call, pi, picker_people
):
    proposal = proposals.submit_proposal(
        pi, picker_call, proposals.ProposalInput("Mô hình", 900_000_000, team_ids=[picker_people["binh"].id])
    )  # fmt: skip
    profile = db.session.scalar(
        sa.select(ResearcherProfile).where(ResearcherProfile.user_id == picker_people["binh"].id)
    )  # fmt: skip
    profile.open_to_orders = False
    db.session.commit()
    auth.login(pi.email)
    page = client.get(f"/orders/proposals/{proposal.id}/edit").get_data(as_text=True)
    assert f'checked class="form-check-input" id="team_ids-0" name="team_ids" type="checkbox" value="{picker_people["binh"].id}"' in page  # fmt: skip
    assert "Trần Thị Bình — Trường Đại học Nam Cần Thơ" in page
    response = client.post(
        f"/orders/proposals/{proposal.id}/edit",
        data=FORM
        | {"team_ids": [str(picker_people["binh"].id)], "budget": "800.000.000"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    fresh = db.session.get(Proposal, proposal.id)
    assert (fresh.budget, [m.user_id for m in fresh.members]) == (
        800_000_000,
        [picker_people["binh"].id],
    )
    assert _names(client, "Trần Thị") == []  # but nobody finds them for a new team
