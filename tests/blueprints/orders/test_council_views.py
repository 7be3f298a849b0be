"""Council pages: forming the council, conflicts with their reasons, the member's sheet, scoring and refusals."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from matchmaker.extensions import db
from matchmaker.lifecycle import Action
from matchmaker.models import (
    ConflictDeclaration,
    Council,
    Notification,
    Proposal,
    ProposalScore,
    ResearchOrder,
    Role,
    utcnow,
)
from matchmaker.services.orders import councils, proposals
from matchmaker.services.orders import lifecycle as orders

pytestmark = pytest.mark.usefixtures(
    "english"
)  # the assertions read the English messages


def _closing(now):
    """Closing the call: its deadline passed an hour before ``now``."""
    return {
        "selection_method": "open_selection",
        "application_deadline": now - timedelta(hours=1),
    }


MARKS = {"necessity": "8", "approach": "7", "team_capacity": "9", "feasibility": "6", "budget": "5"}  # fmt: skip


@pytest.fixture
def closed_call(now, make_published_order, make_user) -> ResearchOrder:
    """A call published ten days ago whose deadline passed an hour ago."""
    approver = make_user(Role.OFFICIAL, can_approve=True)
    return make_published_order(now - timedelta(days=10), now - timedelta(hours=1), approver=approver, decided_on=date(2026, 1, 5))  # fmt: skip


@pytest.fixture
def late_proposal_of_pi(now, closed_call, pi) -> Proposal:
    data = proposals.ProposalInput(approach="Mô hình thủy văn", budget=900_000_000)
    return proposals.submit_proposal(pi, closed_call, data, now=now - timedelta(days=5))


@pytest.fixture
def neutral_researcher(make_user, institutions):
    """A researcher with no tie to the applicant."""
    return make_user(
        Role.RESEARCHER,
        full_name="Phạm Minh Hội",
        institution_id=institutions["vlu"].id,
    )


@pytest.fixture
def colleague(make_user, institutions):
    """A researcher of the applicant's university: conflicted."""
    return make_user(
        Role.RESEARCHER, full_name="Võ Văn Một", institution_id=institutions["ctu"].id
    )


def _council(order, official, chair, *members) -> Council:
    return councils.form_council(official, order, chair.id, [m.id for m in members])


def _review(order, official) -> None:
    for action, data in [
        (Action.CLOSE_APPLICATIONS, _closing(utcnow())),
        (Action.START_REVIEW, {}),
    ]:
        version = db.session.get(ResearchOrder, order.id).version
        orders.apply_action(order.id, official, action, data, version)


def _scores() -> int:
    return db.session.scalar(sa.select(sa.func.count(ProposalScore.id)))


# Forming the council


def test_official_forms_the_council_and_its_members_are_invited(
    client, auth, closed_call, official, neutral_researcher, colleague, outbox
):
    auth.login(official.email)
    page = client.get(f"/orders/{closed_call.id}/council").get_data(as_text=True)
    assert "Phạm Minh Hội — Researcher — Trường Đại học Cửu Long" in page
    response = client.post(
        f"/orders/{closed_call.id}/council",
        data={"chair": str(neutral_researcher.id), "member_ids": [str(colleague.id)]},
    )
    assert response.headers["Location"] == f"/orders/{closed_call.id}/council"
    council = db.session.scalar(sa.select(Council))
    assert [(m.user_id, m.is_chair) for m in council.members] == [
        (neutral_researcher.id, True),
        (colleague.id, False),
    ]
    invited = db.session.scalars(
        sa.select(Notification.user_id).where(Notification.kind == "council_invited")
    )
    assert set(invited) == {neutral_researcher.id, colleague.id} and len(outbox) == 2


def test_council_form_keeps_the_members_chosen_on_error(
    client, auth, closed_call, official, neutral_researcher
):
    auth.login(official.email)
    response = client.post(
        f"/orders/{closed_call.id}/council",
        data={"chair": "", "member_ids": [str(neutral_researcher.id)]},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="chair-errors"' in page
    assert f'<option selected value="{neutral_researcher.id}">' in page
    assert db.session.scalar(sa.select(Council)) is None


def test_council_refuses_an_enterprise_member(
    client, auth, closed_call, official, neutral_researcher, make_user
):
    outsider = make_user(Role.ENTERPRISE)
    auth.login(official.email)
    response = client.post(
        f"/orders/{closed_call.id}/council",
        data={"chair": str(neutral_researcher.id), "member_ids": [str(outsider.id)]},
    )
    assert (
        response.status_code == 200
        and 'id="member_ids-errors"' in response.get_data(as_text=True)
    )
    assert db.session.scalar(sa.select(Council)) is None


def test_second_council_is_refused(
    client, auth, closed_call, official, neutral_researcher, colleague
):
    _council(closed_call, official, neutral_researcher)
    auth.login(official.email)
    response = client.post(
        f"/orders/{closed_call.id}/council", data={"chair": str(colleague.id)}
    )
    assert response.status_code == 409
    assert "already has a council" in response.get_data(as_text=True)
    assert [m.user_id for m in db.session.scalar(sa.select(Council)).members] == [
        neutral_researcher.id
    ]


@pytest.mark.parallel
def test_parallel_councils_form_one(
    closed_call, official, neutral_researcher, colleague, clients_of, in_parallel
):
    # Six officials' clients form the council at the same moment: one council, the others are refused.
    url, chairs = (
        f"/orders/{closed_call.id}/council",
        [neutral_researcher.id, colleague.id] * 3,
    )
    calls = [
        lambda client=client, chair=chair: client.post(url, data={"chair": str(chair)}).status_code
        for client, chair in zip(clients_of(official, 6), chairs, strict=True)
    ]  # fmt: skip
    assert sorted(in_parallel(calls)) == [302] + [409] * 5
    assert db.session.scalar(sa.select(sa.func.count(Council.id))) == 1


@pytest.mark.parametrize("role", [Role.RESEARCHER, Role.ENTERPRISE])
def test_only_officials_form_a_council(
    client, auth, closed_call, neutral_researcher, role
):
    auth.login_as(role)
    assert client.get(f"/orders/{closed_call.id}/council").status_code == 403
    response = client.post(
        f"/orders/{closed_call.id}/council", data={"chair": str(neutral_researcher.id)}
    )
    assert response.status_code == 403 and db.session.scalar(sa.select(Council)) is None


def test_council_page_needs_sign_in(client, closed_call):
    assert (
        "/auth/login"
        in client.get(f"/orders/{closed_call.id}/council").headers["Location"]
    )


def test_official_sees_every_conflict_with_its_reason(
    client,
    auth,
    closed_call,
    official,
    late_proposal_of_pi,
    pi,
    neutral_researcher,
    colleague,
):
    _council(closed_call, official, neutral_researcher, colleague)
    councils.declare_conflict(
        neutral_researcher, late_proposal_of_pi, "Đồng hướng dẫn luận án"
    )
    auth.login(official.email)
    page = client.get(f"/orders/{closed_call.id}/council").get_data(as_text=True)
    table = page.split('id="conflicts"')[1].split("</table>")[0]
    assert "Võ Văn Một" in table and "Same institution as the applicant" in table
    assert "Trường Đại học Cần Thơ" in table
    assert "Declared by the member" in table and "Đồng hướng dẫn luận án" in table
    assert "Nguyễn Văn An" in table  # the proposal, by its PI


# The member's sheet and scoring


def test_member_sees_the_proposals_to_score(
    client,
    auth,
    closed_call,
    official,
    late_proposal_of_pi,
    neutral_researcher,
    colleague,
):
    _council(closed_call, official, neutral_researcher, colleague)
    _review(closed_call, official)
    auth.login(colleague.email)
    page = client.get(f"/orders/{closed_call.id}/council/review").get_data(as_text=True)
    row = page.split(f'id="sheet-{late_proposal_of_pi.id}"')[1].split("</tr>")[0]
    assert "Nguyễn Văn An" in row and "Conflict of interest" in row
    assert 'id="conflicts"' not in page  # only the chair sees the council's conflicts


def test_chair_sees_all_the_conflicts(
    client,
    auth,
    closed_call,
    official,
    late_proposal_of_pi,
    neutral_researcher,
    colleague,
):
    _council(closed_call, official, neutral_researcher, colleague)
    auth.login(neutral_researcher.email)
    page = client.get(f"/orders/{closed_call.id}/council/review").get_data(as_text=True)
    table = page.split('id="conflicts"')[1].split("</table>")[0]
    assert "Võ Văn Một" in table and "Same institution as the applicant" in table


@pytest.mark.parametrize("who", ["other_researcher", "official", "pi"])
def test_non_members_do_not_reach_the_sheet_or_the_scores(
    client,
    auth,
    closed_call,
    official,
    late_proposal_of_pi,
    neutral_researcher,
    make_user,
    pi,
    who,
):
    _council(closed_call, official, neutral_researcher)
    _review(closed_call, official)
    user = {
        "other_researcher": make_user(Role.RESEARCHER),
        "official": official,
        "pi": pi,
    }[who]
    auth.login(user.email)
    assert client.get(f"/orders/{closed_call.id}/council/review").status_code == 404
    assert (
        client.get(f"/orders/proposals/{late_proposal_of_pi.id}/score").status_code
        == 404
    )
    response = client.post(
        f"/orders/proposals/{late_proposal_of_pi.id}/score", data=MARKS
    )
    assert response.status_code == 404 and _scores() == 0
    response = client.post(
        f"/orders/proposals/{late_proposal_of_pi.id}/conflict", data={"reason": "x"}
    )
    assert response.status_code == 404


def test_member_scores_a_proposal(
    client, auth, closed_call, official, late_proposal_of_pi, neutral_researcher
):
    _council(closed_call, official, neutral_researcher)
    _review(closed_call, official)
    auth.login(neutral_researcher.email)
    page = client.get(f"/orders/proposals/{late_proposal_of_pi.id}/score").get_data(
        as_text=True
    )
    assert 'id="score-form"' in page and "Team capacity" in page
    response = client.post(
        f"/orders/proposals/{late_proposal_of_pi.id}/score", data=MARKS
    )
    assert response.headers["Location"] == f"/orders/{closed_call.id}/council/review"
    [score] = db.session.scalars(sa.select(ProposalScore))
    assert (score.total, score.marks["team_capacity"]) == (35, 9)
    page = client.get(f"/orders/{closed_call.id}/council/review").get_data(as_text=True)
    assert "Total 35" in page
    page = client.get(f"/orders/proposals/{late_proposal_of_pi.id}/score").get_data(
        as_text=True
    )
    assert 'name="team_capacity" type="number" value="9"' in page


def test_conflicted_member_is_refused(
    client,
    auth,
    closed_call,
    official,
    late_proposal_of_pi,
    neutral_researcher,
    colleague,
):
    _council(closed_call, official, neutral_researcher, colleague)
    _review(closed_call, official)
    auth.login(colleague.email)
    page = client.get(f"/orders/proposals/{late_proposal_of_pi.id}/score").get_data(
        as_text=True
    )
    assert 'id="conflicted"' in page and 'id="score-form"' not in page
    assert "Same institution as the applicant" in page
    response = client.post(
        f"/orders/proposals/{late_proposal_of_pi.id}/score", data=MARKS
    )
    assert response.status_code == 409
    assert "You have a conflict of interest" in response.get_data(as_text=True)
    assert _scores() == 0


def test_declared_conflict_stops_the_member_scoring(
    client, auth, closed_call, official, late_proposal_of_pi, neutral_researcher
):
    _council(closed_call, official, neutral_researcher)
    _review(closed_call, official)
    auth.login(neutral_researcher.email)
    response = client.post(
        f"/orders/proposals/{late_proposal_of_pi.id}/conflict",
        data={"reason": " Người thân của chủ nhiệm "},
    )
    assert (
        response.headers["Location"]
        == f"/orders/proposals/{late_proposal_of_pi.id}/score"
    )
    [declared] = db.session.scalars(sa.select(ConflictDeclaration))
    assert declared.reason == "Người thân của chủ nhiệm"
    assert (
        client.post(
            f"/orders/proposals/{late_proposal_of_pi.id}/score", data=MARKS
        ).status_code
        == 409
    )
    assert _scores() == 0


def test_conflict_form_needs_a_reason(
    client, auth, closed_call, official, late_proposal_of_pi, neutral_researcher
):
    _council(closed_call, official, neutral_researcher)
    auth.login(neutral_researcher.email)
    response = client.post(
        f"/orders/proposals/{late_proposal_of_pi.id}/conflict", data={"reason": ""}
    )
    assert response.status_code == 200 and 'id="reason-errors"' in response.get_data(
        as_text=True
    )
    assert db.session.scalar(sa.select(ConflictDeclaration)) is None


def test_marks_out_of_range_keep_the_input(
    client, auth, closed_call, official, late_proposal_of_pi, neutral_researcher
):
    _council(closed_call, official, neutral_researcher)
    _review(closed_call, official)
    auth.login(neutral_researcher.email)
    response = client.post(
        f"/orders/proposals/{late_proposal_of_pi.id}/score",
        data=MARKS | {"budget": "11"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="budget-errors"' in page
    assert 'value="11"' in page and 'value="9"' in page
    assert _scores() == 0


def test_scoring_waits_for_the_call_to_close(
    client, auth, closed_call, official, late_proposal_of_pi, neutral_researcher
):
    _council(closed_call, official, neutral_researcher)
    auth.login(neutral_researcher.email)
    page = client.get(f"/orders/proposals/{late_proposal_of_pi.id}/score").get_data(
        as_text=True
    )
    assert 'id="score-form"' not in page
    response = client.post(
        f"/orders/proposals/{late_proposal_of_pi.id}/score", data=MARKS
    )
    assert response.status_code == 409 and _scores() == 0


def test_member_finds_the_council_in_my_proposals(
    client, auth, closed_call, official, neutral_researcher
):
    _council(closed_call, official, neutral_researcher)
    auth.login(neutral_researcher.email)
    page = client.get("/orders/proposals/mine").get_data(as_text=True)
    assert (
        f"/orders/{closed_call.id}/council/review" in page.split('id="my-councils"')[1]
    )


def test_council_pages_are_accessible(
    client,
    auth,
    closed_call,
    official,
    late_proposal_of_pi,
    neutral_researcher,
    make_user,
):
    from test_proposal_views import audit

    auth.login(official.email)
    page = client.get(f"/orders/{closed_call.id}/council").get_data(as_text=True)
    assert audit(page) == ([], 1)  # the form
    _council(closed_call, official, neutral_researcher)
    _review(closed_call, official)
    page = client.get(f"/orders/{closed_call.id}/council").get_data(as_text=True)
    assert audit(page) == ([], 1)  # the members and conflicts
    auth.logout()
    auth.login(neutral_researcher.email)
    for path in [
        f"/orders/{closed_call.id}/council/review",
        f"/orders/proposals/{late_proposal_of_pi.id}/score",
    ]:
        assert audit(client.get(path).get_data(as_text=True)) == ([], 1), path
