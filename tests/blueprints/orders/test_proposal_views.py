"""Proposal pages: submitting before the deadline, who sees a proposal, the applicant's list, declines, award."""

from __future__ import annotations

import io
from datetime import date, timedelta
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from matchmaker import formatting
from matchmaker.extensions import db
from matchmaker.lifecycle import Action
from matchmaker.models import (
    Attachment,
    Council,
    CouncilMember,
    DeclineReason,
    Notification,
    Proposal,
    ProposalStatus,
    ResearchOrder,
    Role,
    utcnow,
)
from matchmaker.services.orders import councils, proposals
from matchmaker.services.orders import lifecycle as orders

pytestmark = pytest.mark.usefixtures(
    "english"
)  # the assertions read the English messages

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
FORM = {
    "approach": "Mô hình thủy văn MIKE 11 kết hợp cảm biến mặn",
    "timeline": "18 tháng",
    "budget": "900.000.000",
}
CONTRACT = {
    "contract_number": "05/2027/HĐ-SKHCN",
    "contract_value": "900.000.000",
    "start_date": "2027-01-15",
    "end_date": "2028-07-15",
    "payment_schedule": "600.000.000; 2027-02-01; Đợt 1\n300.000.000; 2028-08-01; Đợt 2",
    "confirm": "y",  # awarding cannot be undone
}


def _publish(institutions, official, approver, call: dict, at) -> ResearchOrder:
    order = orders.create_order(
        official,
        orders.OrderInput(
            title="Dự báo xâm nhập mặn", agency_id=institutions["agency"].id
        ),
    )
    decision = {"decision_number": "1/QĐ", "decision_date": date(2026, 1, 5)}
    for who, action, data in [
        (official, Action.SUBMIT, {}),
        (approver, Action.APPROVE, decision),
        (official, Action.PUBLISH, call),
    ]:
        orders.apply_action(order.id, who, action, data, order.version, now=at)
    return order


@pytest.fixture
def open_order(now, institutions, official, approver) -> ResearchOrder:
    """An open call whose deadline is a month away."""
    call = {
        "selection_method": "open_selection",
        "application_deadline": now + timedelta(days=30),
    }
    return _publish(institutions, official, approver, call, now)


def _past_call(now):
    """A call whose deadline passed an hour before ``now``."""
    return {
        "selection_method": "open_selection",
        "application_deadline": now - timedelta(hours=1),
    }


@pytest.fixture
def late_order(now, institutions, official, approver) -> ResearchOrder:
    """A call published ten days ago whose deadline passed an hour ago (still in the published state)."""
    return _publish(
        institutions, official, approver, _past_call(now), now - timedelta(days=10)
    )


def _submit(pi, order, team=(), budget=900_000_000, at=None) -> Proposal:
    data = proposals.ProposalInput(
        approach="Mô hình thủy văn", budget=budget, timeline="18 tháng", team_ids=team
    )
    return proposals.submit_proposal(pi, order, data, now=at)


@pytest.fixture
def submitted_proposal(open_order, pi, teammate) -> Proposal:
    return _submit(pi, open_order, team=[teammate.id])


@pytest.fixture
def late_proposal(now, late_order, pi, teammate) -> Proposal:
    """A proposal submitted before its call's deadline, which has since passed."""
    return _submit(pi, late_order, team=[teammate.id], at=now - timedelta(days=5))


def _under_review(order, official) -> None:
    for action in (Action.CLOSE_APPLICATIONS, Action.START_REVIEW):
        orders.apply_action(
            order.id, official, action, _past_call(utcnow()) if action == Action.CLOSE_APPLICATIONS else {},
            db.session.get(ResearchOrder, order.id).version,
        )  # fmt: skip


def _fresh(model, row_id):
    db.session.expire_all()
    return db.session.get(model, row_id)


def _count() -> int:
    return db.session.scalar(sa.select(sa.func.count(Proposal.id)))


# Submitting, editing, withdrawing


def test_researcher_submits_a_proposal_with_a_team(
    client, auth, open_order, pi, teammate, institutions
):
    auth.login(pi.email)
    page = client.get(f"/orders/{open_order.id}/proposals/new").get_data(as_text=True)
    assert "Trần Thị Bình" not in page  # found by the team picker, not listed
    response = client.post(
        f"/orders/{open_order.id}/proposals/new",
        data=FORM | {"team_ids": [str(teammate.id)]},
    )
    saved = db.session.scalar(sa.select(Proposal))
    assert response.headers["Location"] == f"/orders/proposals/{saved.id}"
    assert (saved.pi_id, saved.budget, saved.status) == (
        pi.id,
        900_000_000,
        ProposalStatus.SUBMITTED,
    )
    assert [(m.user_id, m.institution_id) for m in saved.members] == [
        (teammate.id, institutions["nctu"].id)
    ]


def test_proposal_form_keeps_input_on_error(client, auth, open_order, pi, teammate):
    auth.login(pi.email)
    response = client.post(
        f"/orders/{open_order.id}/proposals/new",
        data=FORM
        | {"approach": "", "budget": "năm trăm", "team_ids": [str(teammate.id)]},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="approach-errors"' in page and 'id="budget-errors"' in page
    assert 'value="năm trăm"' in page and "18 tháng" in page
    assert (
        f'<input checked class="form-check-input" id="team_ids-0" name="team_ids" type="checkbox" value="{teammate.id}">'
        in page
    )
    assert "Trần Thị Bình — Trường Đại học Nam Cần Thơ" in page
    assert _count() == 0


def test_team_member_must_be_a_listed_researcher(
    client, auth, open_order, pi, make_user
):
    official = make_user(Role.OFFICIAL)
    auth.login(pi.email)
    response = client.post(
        f"/orders/{open_order.id}/proposals/new",
        data=FORM | {"team_ids": [str(official.id)]},
    )
    assert response.status_code == 200 and 'id="team_ids-errors"' in response.get_data(
        as_text=True
    )
    assert _count() == 0


def test_submit_after_the_deadline_is_refused_and_keeps_the_input(
    client, auth, late_order, pi
):
    auth.login(pi.email)
    response = client.post(f"/orders/{late_order.id}/proposals/new", data=FORM)
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "The call for proposals is closed" in page
    assert "Mô hình thủy văn MIKE 11" in page and 'value="900.000.000"' in page
    assert _count() == 0


def test_submit_page_after_the_deadline_says_the_call_is_closed(
    client, auth, late_order, pi
):
    auth.login(pi.email)
    response = client.get(f"/orders/{late_order.id}/proposals/new")
    assert response.headers["Location"] == f"/orders/{late_order.id}"
    assert "The call for proposals is closed" in client.get(
        response.headers["Location"]
    ).get_data(as_text=True)


def test_direct_assignment_takes_a_proposal_without_a_deadline(
    now, client, auth, institutions, official, approver, pi
):
    call = {
        "selection_method": "direct_assignment",
        "assignee_organisation": "Trường Đại học Cần Thơ",
        "justification": "Đơn vị duy nhất có trạm quan trắc mặn.",
    }
    order = _publish(institutions, official, approver, call, now)
    auth.login(pi.email)
    assert client.get(f"/orders/{order.id}/proposals/new").status_code == 200
    response = client.post(f"/orders/{order.id}/proposals/new", data=FORM)
    assert response.status_code == 302 and _count() == 1


def test_unpublished_order_takes_no_proposal(client, auth, institutions, official):
    draft = orders.create_order(
        official, orders.OrderInput(title="Nháp", agency_id=institutions["agency"].id)
    )
    auth.login_as(Role.RESEARCHER)
    assert (
        client.post(f"/orders/{draft.id}/proposals/new", data=FORM).status_code == 404
    )
    assert _count() == 0


@pytest.mark.parametrize("role", [Role.OFFICIAL, Role.ENTERPRISE])
def test_only_researchers_submit(client, auth, open_order, role):
    auth.login_as(role)
    response = client.post(f"/orders/{open_order.id}/proposals/new", data=FORM)
    assert response.status_code == 403 and _count() == 0


def test_second_proposal_to_the_same_order_leads_to_the_first(
    client, auth, submitted_proposal, pi
):
    auth.login(pi.email)
    response = client.get(f"/orders/{submitted_proposal.order_id}/proposals/new")
    assert response.headers["Location"] == f"/orders/proposals/{submitted_proposal.id}"


def test_pi_edits_the_proposal_before_the_deadline(
    client, auth, submitted_proposal, pi, make_collaborator
):
    newcomer = make_collaborator(full_name="Lý Minh Châu")
    auth.login(pi.email)
    page = client.get(f"/orders/proposals/{submitted_proposal.id}/edit").get_data(
        as_text=True
    )
    assert "Mô hình thủy văn" in page and 'value="900,000,000"' in page
    response = client.post(
        f"/orders/proposals/{submitted_proposal.id}/edit",
        data=FORM | {"budget": "800.000.000", "team_ids": [str(newcomer.id)]},
    )
    assert response.headers["Location"] == f"/orders/proposals/{submitted_proposal.id}"
    fresh = _fresh(Proposal, submitted_proposal.id)
    assert fresh.budget == 800_000_000
    assert [m.user_id for m in fresh.members] == [newcomer.id]


def test_edit_after_the_deadline_is_refused_and_nothing_changes(
    client, auth, late_proposal, pi
):
    auth.login(pi.email)
    response = client.get(f"/orders/proposals/{late_proposal.id}/edit")
    assert response.headers["Location"] == f"/orders/proposals/{late_proposal.id}"
    response = client.post(
        f"/orders/proposals/{late_proposal.id}/edit", data=FORM | {"budget": "1.000"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 409 and "The call for proposals is closed" in page
    assert 'value="1.000"' in page
    assert _fresh(Proposal, late_proposal.id).budget == 900_000_000


def test_pi_withdraws_before_the_deadline(client, auth, submitted_proposal, pi):
    auth.login(pi.email)
    page = client.get(f"/orders/proposals/{submitted_proposal.id}").get_data(
        as_text=True
    )
    assert 'id="withdraw"' in page
    response = client.post(f"/orders/proposals/{submitted_proposal.id}/withdraw")
    assert response.status_code == 302
    assert _fresh(Proposal, submitted_proposal.id).status == ProposalStatus.WITHDRAWN


def test_withdraw_after_the_deadline_is_refused(client, auth, late_proposal, pi):
    auth.login(pi.email)
    page = client.get(f"/orders/proposals/{late_proposal.id}").get_data(as_text=True)
    assert 'id="withdraw"' not in page and 'id="locked"' in page
    response = client.post(f"/orders/proposals/{late_proposal.id}/withdraw")
    assert response.status_code == 409
    assert "The call for proposals is closed" in response.get_data(as_text=True)
    assert _fresh(Proposal, late_proposal.id).status == ProposalStatus.SUBMITTED


@pytest.mark.parametrize("who", ["teammate", "other"])
def test_only_the_pi_edits_or_withdraws(
    client, auth, submitted_proposal, teammate, make_user, who
):
    user = teammate if who == "teammate" else make_user(Role.RESEARCHER)
    auth.login(user.email)
    assert (
        client.get(f"/orders/proposals/{submitted_proposal.id}/edit").status_code == 404
    )
    assert (
        client.post(
            f"/orders/proposals/{submitted_proposal.id}/edit",
            data=FORM | {"budget": "1"},
        ).status_code
        == 404
    )
    assert (
        client.post(f"/orders/proposals/{submitted_proposal.id}/withdraw").status_code
        == 404
    )
    fresh = _fresh(Proposal, submitted_proposal.id)
    assert (fresh.budget, fresh.status) == (900_000_000, ProposalStatus.SUBMITTED)


# Who sees a proposal


@pytest.fixture
def proposal_viewers(make_user, submitted_proposal, pi, teammate, official):
    member = make_user(Role.RESEARCHER)
    council = Council(order_id=submitted_proposal.order_id, formed_by_id=official.id)
    council.members = [CouncilMember(user_id=member.id, is_chair=True)]
    db.session.add(council)
    db.session.commit()
    return {
        "author": pi, "team_member": teammate, "other_researcher": make_user(Role.RESEARCHER),
        "enterprise": make_user(Role.ENTERPRISE), "official": official, "admin": make_user(Role.ADMIN),
        "council_member": member,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("viewer", "status"),
    [
        ("author", 200), ("team_member", 200), ("other_researcher", 404), ("enterprise", 404),
        ("official", 200), ("admin", 200), ("council_member", 200), ("anonymous", 302),
    ],
)  # fmt: skip
def test_proposal_detail_per_viewer(
    client, auth, proposal_viewers, submitted_proposal, viewer, status
):
    if viewer != "anonymous":
        auth.login(proposal_viewers[viewer].email)
    response = client.get(f"/orders/proposals/{submitted_proposal.id}")
    assert response.status_code == status
    if status == 302:
        assert "/auth/login" in response.headers["Location"]
    page = response.get_data(as_text=True)
    assert ("Mô hình thủy văn" in page) is (status == 200)


def test_the_order_lists_its_proposals_only_to_officials(
    client, auth, submitted_proposal
):
    auth.login_as(Role.RESEARCHER)
    assert (
        client.get(f"/orders/{submitted_proposal.order_id}/proposals").status_code
        == 403
    )
    auth.logout()
    assert (
        "/auth/login"
        in client.get(f"/orders/{submitted_proposal.order_id}/proposals").headers[
            "Location"
        ]
    )


# What the applicant sees


def test_my_proposals_shows_stage_next_date_and_declines(
    app, client, auth, open_order, late_proposal, pi, official
):
    # One proposal still open (the deadline is the next date), one declined with a reason.
    mine = _submit(pi, open_order)
    proposals.decline_proposal(
        official, late_proposal, DeclineReason.OVER_BUDGET, "Vượt trần kinh phí 20 %"
    )
    auth.login(pi.email)
    page = client.get("/orders/proposals/mine").get_data(as_text=True)
    open_row = page.split(f'id="proposal-{mine.id}"')[1].split("</tr>")[0]
    declined_row = page.split(f'id="proposal-{late_proposal.id}"')[1].split("</tr>")[0]
    with app.test_request_context(), force_locale("en"):
        deadline = formatting.datetime(open_order.application_deadline)
    assert "Submitted: the call is open" in open_row and deadline in open_row
    assert "Budget above the order's ceiling" in declined_row
    assert "Vượt trần kinh phí 20 %" in declined_row and "Decided on" in declined_row
    assert "Declined" in declined_row


def test_my_proposals_shows_team_proposals_and_assigned_tasks(
    client, auth, submitted_proposal, teammate, official
):
    order = _fresh(ResearchOrder, submitted_proposal.order_id)
    order.pi_id = teammate.id  # as an award records it
    db.session.commit()
    auth.login(teammate.email)
    page = client.get("/orders/proposals/mine").get_data(as_text=True)
    assert (
        "Team member"
        in page.split(f'id="proposal-{submitted_proposal.id}"')[1].split("</tr>")[0]
    )
    assert "Dự báo xâm nhập mặn" in page.split('id="my-tasks"')[1]


@pytest.mark.parametrize("role", [Role.OFFICIAL, Role.ENTERPRISE])
def test_my_proposals_is_for_researchers(client, auth, role):
    auth.login_as(role)
    assert client.get("/orders/proposals/mine").status_code == 403


def test_applicant_sees_the_decline_on_the_proposal_page(
    client, auth, submitted_proposal, pi, official
):
    proposals.decline_proposal(
        official, submitted_proposal, DeclineReason.INCOMPLETE, "Thiếu lý lịch"
    )
    auth.login(pi.email)
    page = client.get(f"/orders/proposals/{submitted_proposal.id}").get_data(
        as_text=True
    )
    assert "Incomplete proposal" in page and "Thiếu lý lịch" in page
    assert 'id="decided-at"' in page and 'id="edit-proposal"' not in page


# Officials: decline, ranking, award


def test_official_declines_a_proposal_with_a_reason(
    client, auth, submitted_proposal, official, pi, outbox
):
    auth.login(official.email)
    response = client.post(
        f"/orders/proposals/{submitted_proposal.id}/decline",
        data={"reason_code": "ineligible", "comment": "Không thuộc lĩnh vực"},
    )
    assert (
        response.headers["Location"]
        == f"/orders/{submitted_proposal.order_id}/proposals"
    )
    fresh = _fresh(Proposal, submitted_proposal.id)
    assert (fresh.status, fresh.decline_reason, fresh.decline_comment) == (
        ProposalStatus.DECLINED,
        DeclineReason.INELIGIBLE,
        "Không thuộc lĩnh vực",
    )
    assert [m.to for m in outbox][-1] == [pi.email]


def test_decline_form_keeps_the_comment_on_error(
    client, auth, submitted_proposal, official
):
    auth.login(official.email)
    response = client.post(
        f"/orders/proposals/{submitted_proposal.id}/decline",
        data={"reason_code": "because", "comment": "Ghi chú đã gõ"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="reason_code-errors"' in page
    assert "Ghi chú đã gõ" in page
    assert _fresh(Proposal, submitted_proposal.id).status == ProposalStatus.SUBMITTED


def test_researcher_cannot_decline(client, auth, submitted_proposal, pi):
    auth.login(pi.email)
    response = client.post(
        f"/orders/proposals/{submitted_proposal.id}/decline",
        data={"reason_code": "ineligible"},
    )
    assert response.status_code == 403
    assert _fresh(Proposal, submitted_proposal.id).status == ProposalStatus.SUBMITTED


@pytest.fixture
def reviewed(now, late_order, late_proposal, official, make_user, institutions):
    """Two proposals under review, scored by a neutral council: the second one ranks first."""
    rival = make_user(Role.RESEARCHER, full_name="Phạm Thị Dung")
    second = _submit(rival, late_order, budget=700_000_000, at=now - timedelta(days=4))
    judge = make_user(Role.OFFICIAL, full_name="Hồ Văn Giám Khảo")
    councils.form_council(official, late_order, judge.id, [])
    _under_review(late_order, official)
    councils.score_proposal(judge, late_proposal, dict.fromkeys(councils.CRITERIA, 5))
    councils.score_proposal(judge, second, dict.fromkeys(councils.CRITERIA, 8))
    return {
        "order": late_order,
        "first": second,
        "second": late_proposal,
        "rival": rival,
    }


def test_official_sees_the_ranking(client, auth, reviewed, official):
    auth.login(official.email)
    page = client.get(f"/orders/{reviewed['order'].id}/proposals").get_data(
        as_text=True
    )
    table = page.split('id="ranking"')[1]
    first, second = reviewed["first"].id, reviewed["second"].id
    assert table.index(f'id="ranked-{first}"') < table.index(f'id="ranked-{second}"')
    assert "40.0" in table and "25.0" in table


def test_approver_awards_a_ranked_proposal(
    client, auth, reviewed, approver, pi, outbox
):
    order, winner, loser = reviewed["order"], reviewed["first"], reviewed["second"]
    auth.login(approver.email)
    page = client.get(f"/orders/proposals/{winner.id}/award").get_data(as_text=True)
    assert 'id="award-rank">1' in page and 'value="700,000,000"' in page
    version = _fresh(ResearchOrder, order.id).version
    data = CONTRACT | {"version": str(version), "contract_value": "700.000.000",
                       "payment_schedule": "700.000.000; 2027-02-01; Một đợt"}  # fmt: skip
    response = client.post(f"/orders/proposals/{winner.id}/award", data=data)
    assert response.headers["Location"] == f"/orders/{order.id}"
    fresh = _fresh(ResearchOrder, order.id)
    assert (fresh.state, fresh.pi_id, fresh.contract_number, fresh.contract_value) == (
        "awarded",
        reviewed["rival"].id,
        "05/2027/HĐ-SKHCN",
        700_000_000,
    )
    assert _fresh(Proposal, winner.id).status == ProposalStatus.AWARDED
    declined = _fresh(Proposal, loser.id)
    assert (declined.status, declined.decline_reason) == (
        ProposalStatus.DECLINED,
        DeclineReason.NOT_SELECTED,
    )
    notes = {(n.user_id, n.kind) for n in db.session.scalars(sa.select(Notification))}
    assert {
        (reviewed["rival"].id, "order_stage_changed"),
        (pi.id, "proposal_declined"),
    } <= notes
    assert reviewed["rival"].email in [m.to[0] for m in outbox]


def test_awarded_pi_sees_the_task_and_the_stage(client, auth, reviewed, approver):
    proposals.award(
        approver, reviewed["order"], reviewed["first"],
        {"contract_number": "1/HĐ", "contract_value": 700_000_000, "start_date": date(2027, 1, 1),
         "end_date": date(2028, 1, 1), "payment_schedule": [{"amount": 700_000_000, "due_date": None, "label": ""}]},
        _fresh(ResearchOrder, reviewed["order"].id).version,
    )  # fmt: skip
    auth.login(reviewed["rival"].email)
    page = client.get("/orders/proposals/mine").get_data(as_text=True)
    assert "Awarded: you lead this task" in page
    assert "Dự báo xâm nhập mặn" in page.split('id="my-tasks"')[1]


def test_a_team_member_of_the_awarded_proposal_is_not_told_they_lead_it(
    client, auth, reviewed, approver, pi, teammate
):
    won = reviewed["second"]  # pi's proposal, teammate on its team
    proposals.award(
        approver, reviewed["order"], won,
        {"contract_number": "1/HĐ", "contract_value": 700_000_000, "start_date": date(2027, 1, 1),
         "end_date": date(2028, 1, 1), "payment_schedule": [{"amount": 700_000_000, "due_date": None, "label": ""}]},
        _fresh(ResearchOrder, reviewed["order"].id).version,
    )  # fmt: skip
    auth.login(teammate.email)
    row = client.get("/orders/proposals/mine").get_data(as_text=True)
    row = row.split(f'id="proposal-{won.id}"')[1].split("</tr>")[0]
    assert "Team member" in row and "you lead this task" not in row
    assert "Awarded: your team carries out this task" in row
    detail = client.get(f"/orders/proposals/{won.id}").get_data(as_text=True)
    assert "Awarded: your team carries out this task" in detail.split('id="stage"')[1]
    auth.logout()
    auth.login(pi.email)
    row = client.get("/orders/proposals/mine").get_data(as_text=True)
    assert "Awarded: you lead this task" in row.split(f'id="proposal-{won.id}"')[1]


def test_award_by_a_plain_official_is_refused_and_changes_nothing(
    client, auth, reviewed, official
):
    order, winner = reviewed["order"], reviewed["first"]
    version = _fresh(ResearchOrder, order.id).version
    auth.login(official.email)
    data = CONTRACT | {"version": str(version), "contract_value": "700.000.000",
                       "payment_schedule": "700.000.000; 2027-02-01; Một đợt"}  # fmt: skip
    response = client.post(f"/orders/proposals/{winner.id}/award", data=data)
    assert response.status_code == 409
    assert "Your role does not allow this step" in response.get_data(as_text=True)
    fresh = _fresh(ResearchOrder, order.id)
    assert (fresh.state, fresh.pi_id, fresh.version) == ("under_review", None, version)
    assert {p.status for p in db.session.scalars(sa.select(Proposal))} == {
        ProposalStatus.SUBMITTED
    }


def test_award_refused_by_the_lifecycle_keeps_the_input(
    client, auth, reviewed, approver
):
    order, winner = reviewed["order"], reviewed["first"]
    version = _fresh(ResearchOrder, order.id).version
    auth.login(approver.email)
    # The tranches (900 million) do not add up to the contract value (700 million).
    response = client.post(
        f"/orders/proposals/{winner.id}/award",
        data=CONTRACT | {"version": str(version), "contract_value": "700.000.000"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 409 and 'value="05/2027/HĐ-SKHCN"' in page
    fresh = _fresh(ResearchOrder, order.id)
    assert (fresh.state, fresh.pi_id) == ("under_review", None)
    assert _fresh(Proposal, winner.id).status == ProposalStatus.SUBMITTED


def test_award_form_shape_errors_keep_the_input(client, auth, reviewed, approver):
    auth.login(approver.email)
    response = client.post(
        f"/orders/proposals/{reviewed['first'].id}/award",
        data=CONTRACT | {"version": "1", "payment_schedule": "sáu trăm triệu; hôm nay"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="payment_schedule-errors"' in page
    assert "sáu trăm triệu; hôm nay" in page
    assert _fresh(ResearchOrder, reviewed["order"].id).state == "under_review"


def test_award_without_confirmation_is_refused_and_changes_nothing(
    client, auth, reviewed, approver
):
    order, winner = reviewed["order"], reviewed["first"]
    before = _fresh(ResearchOrder, order.id).version
    auth.login(approver.email)
    data = {k: v for k, v in CONTRACT.items() if k != "confirm"} | {
        "version": str(before), "contract_value": "700.000.000",
        "payment_schedule": "700.000.000; 2027-02-01; Một đợt",
    }  # fmt: skip
    response = client.post(f"/orders/proposals/{winner.id}/award", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="confirm-errors"' in page
    assert "Please tick “I confirm”" in page and 'value="05/2027/HĐ-SKHCN"' in page
    fresh = _fresh(ResearchOrder, order.id)
    assert (fresh.state, fresh.version, fresh.pi_id) == ("under_review", before, None)
    assert _fresh(Proposal, winner.id).status == ProposalStatus.SUBMITTED


def test_award_with_a_stale_version_is_refused(client, auth, reviewed, approver):
    order, winner = reviewed["order"], reviewed["first"]
    stale = _fresh(ResearchOrder, order.id).version - 1
    auth.login(approver.email)
    data = CONTRACT | {"version": str(stale), "contract_value": "700.000.000",
                       "payment_schedule": "700.000.000; 2027-02-01; Một đợt"}  # fmt: skip
    response = client.post(f"/orders/proposals/{winner.id}/award", data=data)
    assert response.status_code == 409
    assert _fresh(ResearchOrder, order.id).pi_id is None
    assert _fresh(Proposal, winner.id).status == ProposalStatus.SUBMITTED


# Attachments


def _pdf(name="ke-hoach.pdf", body=PDF):
    return (io.BytesIO(body), name)


def test_proposal_keeps_its_pdf_for_its_viewers_only(
    client, auth, open_order, pi, make_user
):
    auth.login(pi.email)
    response = client.post(
        f"/orders/{open_order.id}/proposals/new",
        data=FORM | {"attachments": [_pdf()]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    saved = db.session.scalar(sa.select(Proposal))
    [attached] = db.session.scalars(sa.select(Attachment))
    assert (attached.proposal_id, attached.order_id, attached.public) == (
        saved.id,
        open_order.id,
        False,
    )
    url = f"/orders/{open_order.id}/attachments/{attached.id}"
    assert url in client.get(f"/orders/proposals/{saved.id}").get_data(as_text=True)
    assert url in client.get(f"/orders/proposals/{saved.id}/edit").get_data(
        as_text=True
    )
    with client.get(url, buffered=True) as download:
        assert download.status_code == 200 and download.data == PDF
    auth.logout()
    auth.login_as(Role.RESEARCHER)
    assert client.get(url).status_code == 404


def test_proposal_refuses_a_file_that_is_not_a_pdf(client, auth, open_order, pi):
    auth.login(pi.email)
    response = client.post(
        f"/orders/{open_order.id}/proposals/new",
        data=FORM | {"attachments": [_pdf("ke-hoach.pdf", b"MZ not a pdf")]},
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 409 and "Only PDF files can be attached" in page
    assert "Mô hình thủy văn MIKE 11" in page
    assert _count() == 0 and db.session.scalar(sa.select(Attachment)) is None


# Accessibility: every control labelled, one main heading


class _Audit(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.labelled: set[str] = set()
        self.controls: list[dict] = []
        self.h1 = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "label" and a.get("for"):
            self.labelled.add(a["for"])
        elif tag in {"input", "select", "textarea"} and a.get("type") not in {
            "hidden",
            "submit",
        }:
            self.controls.append(a)
        elif tag == "h1":
            self.h1 += 1


def audit(html: str) -> tuple[list[dict], int]:
    """The unlabelled controls of a page and its number of main headings."""
    parser = _Audit()
    parser.feed(html)
    unlabelled = [
        c
        for c in parser.controls
        if c.get("id") not in parser.labelled and not c.get("aria-label")
    ]
    return unlabelled, parser.h1


def test_proposal_pages_are_accessible(
    client, auth, reviewed, approver, pi, open_order
):
    pages = [
        f"/orders/proposals/{reviewed['first'].id}",
        f"/orders/{reviewed['order'].id}/proposals",
        f"/orders/proposals/{reviewed['first'].id}/award",
    ]
    auth.login(approver.email)
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200 and audit(
            response.get_data(as_text=True)
        ) == ([], 1), path
    auth.logout()
    auth.login(pi.email)
    for path in ["/orders/proposals/mine", f"/orders/{open_order.id}/proposals/new"]:
        response = client.get(path)
        assert response.status_code == 200 and audit(
            response.get_data(as_text=True)
        ) == ([], 1), path


@pytest.mark.parametrize(
    "path",
    [
        "/orders/proposals/2147483648",
        "/orders/proposals/99999999999999999999/edit",
        "/orders/99999999999999999999/proposals",
        "/orders/99999999999999999999/council",
        "/orders/proposals/99999999999999999999/score",
    ],
)
def test_ids_beyond_the_database_range_are_not_found(client, auth, path):
    auth.login_as(Role.ADMIN)
    assert client.get(path).status_code == 404
