"""Proposals: the deadline, one per PI, who may see them, declines and what the applicant sees."""

from __future__ import annotations

import unicodedata
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from matchmaker.extensions import db
from matchmaker.lifecycle import Action
from matchmaker.models import (
    Council,
    CouncilMember,
    DeclineReason,
    Notification,
    OrderEvent,
    Proposal,
    ProposalStatus,
    ResearchOrder,
    Role,
    utcnow,
)
from matchmaker.services import policy
from matchmaker.services.errors import Conflict, NotAllowed
from matchmaker.services.orders import lifecycle as orders
from matchmaker.services.orders import proposals

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
DEADLINE = NOW + timedelta(days=30)
BEFORE = DEADLINE - timedelta(minutes=1)
AFTER = DEADLINE + timedelta(minutes=1)


def _move(order: ResearchOrder, who, action: Action, data: dict, now: datetime) -> None:
    orders.apply_action(order.id, who, action, data, order.version, now=now)


@pytest.fixture
def open_call(make_published_order, make_user) -> ResearchOrder:
    """An order published with an open call that ends at DEADLINE."""
    approver = make_user(Role.OFFICIAL, can_approve=True)
    return make_published_order(NOW, DEADLINE, title="Dự báo xâm nhập mặn", approver=approver, decided_on=date(2026, 11, 20))  # fmt: skip


def _close_call(order: ResearchOrder, official) -> None:
    call = {"selection_method": "open_selection", "application_deadline": DEADLINE}
    _move(order, official, Action.CLOSE_APPLICATIONS, call, AFTER)


def _input(
    team=(), budget=900_000_000, approach="Mô hình thủy văn"
) -> proposals.ProposalInput:
    return proposals.ProposalInput(
        approach=approach, budget=budget, timeline="18 tháng", team_ids=team
    )


@pytest.fixture
def proposal(open_call, pi, teammate) -> Proposal:
    return proposals.submit_proposal(
        pi, open_call, _input(team=[teammate.id]), now=BEFORE
    )


def _fresh(proposal: Proposal) -> Proposal:
    db.session.expire_all()
    return db.session.get(Proposal, proposal.id)


def _count() -> int:
    return db.session.scalar(sa.select(sa.func.count(Proposal.id)))


def test_submit_proposal_before_deadline_records_it_with_its_team(
    open_call, pi, teammate, institutions
):
    decomposed = unicodedata.normalize("NFD", "  Mô hình thủy văn  ")
    proposal = proposals.submit_proposal(
        pi, open_call, _input(team=[teammate.id], approach=decomposed), now=BEFORE
    )
    fresh = _fresh(proposal)
    assert fresh.status == ProposalStatus.SUBMITTED
    assert fresh.approach == unicodedata.normalize("NFC", "Mô hình thủy văn")
    assert (fresh.pi_id, fresh.institution_id, fresh.budget) == (
        pi.id,
        institutions["ctu"].id,
        900_000_000,
    )
    assert [(m.user_id, m.institution_id) for m in fresh.members] == [
        (teammate.id, institutions["nctu"].id)
    ]


def test_submit_proposal_after_deadline_is_refused(open_call, pi):
    with pytest.raises(Conflict):
        proposals.submit_proposal(pi, open_call, _input(), now=DEADLINE)
    assert _count() == 0


def test_submit_proposal_to_an_unpublished_order_is_refused(institutions, official, pi):
    draft = orders.create_order(
        official, orders.OrderInput(title="Nháp", agency_id=institutions["agency"].id)
    )
    with pytest.raises(Conflict):
        proposals.submit_proposal(pi, draft, _input(), now=BEFORE)
    assert _count() == 0


@pytest.mark.parametrize("role", [Role.ENTERPRISE, Role.OFFICIAL, Role.ADMIN])
def test_submit_proposal_only_by_researchers(open_call, make_user, role):
    with pytest.raises(NotAllowed):
        proposals.submit_proposal(make_user(role), open_call, _input(), now=BEFORE)
    assert _count() == 0


def test_submit_proposal_once_per_pi_and_order(proposal, open_call, pi, make_user):
    with pytest.raises(Conflict):
        proposals.submit_proposal(pi, open_call, _input(), now=BEFORE)
    other = proposals.submit_proposal(
        make_user(Role.RESEARCHER), open_call, _input(), now=BEFORE
    )
    assert _count() == 2 and other.id != proposal.id


@pytest.mark.parametrize("budget", [0, -5, True, 2.5, "900000000", 10**14])
def test_submit_proposal_refuses_a_bad_budget(open_call, pi, budget):
    with pytest.raises(Conflict) as error:
        proposals.submit_proposal(pi, open_call, _input(budget=budget), now=BEFORE)
    assert error.value.field == "budget" and _count() == 0


@pytest.mark.parametrize("approach", ["", "   ", "x" * (proposals.APPROACH_MAX + 1)])
def test_submit_proposal_bounds_the_approach(open_call, pi, approach):
    with pytest.raises(Conflict) as error:
        proposals.submit_proposal(pi, open_call, _input(approach=approach), now=BEFORE)
    assert error.value.field == "approach" and _count() == 0


@pytest.mark.parametrize("role", [Role.ENTERPRISE, Role.OFFICIAL])
def test_submit_proposal_team_members_are_researchers(open_call, pi, make_user, role):
    with pytest.raises(Conflict):
        proposals.submit_proposal(
            pi, open_call, _input(team=[make_user(role).id]), now=BEFORE
        )
    with pytest.raises(Conflict):
        proposals.submit_proposal(pi, open_call, _input(team=[pi.id]), now=BEFORE)
    assert _count() == 0


def test_update_proposal_before_deadline_changes_it(proposal, pi, make_collaborator):
    newcomer = make_collaborator()
    proposals.update_proposal(
        pi, proposal, _input(team=[newcomer.id], budget=800_000_000), now=BEFORE
    )
    fresh = _fresh(proposal)
    assert fresh.budget == 800_000_000
    assert [m.user_id for m in fresh.members] == [newcomer.id]


def test_update_proposal_after_deadline_is_refused_and_nothing_changes(proposal, pi):
    with pytest.raises(Conflict):
        proposals.update_proposal(pi, proposal, _input(budget=1), now=AFTER)
    db.session.rollback()
    assert _fresh(proposal).budget == 900_000_000


def test_update_proposal_only_by_its_pi(proposal, teammate):
    with pytest.raises(NotAllowed):
        proposals.update_proposal(teammate, proposal, _input(budget=1), now=BEFORE)
    assert _fresh(proposal).budget == 900_000_000


def test_withdraw_proposal_before_deadline_frees_the_pi_to_submit_again(
    proposal, open_call, pi
):
    proposals.withdraw_proposal(pi, proposal, now=BEFORE)
    assert _fresh(proposal).status == ProposalStatus.WITHDRAWN
    again = proposals.submit_proposal(pi, open_call, _input(), now=BEFORE)
    assert again.status == ProposalStatus.SUBMITTED and _count() == 2


def test_withdraw_proposal_after_deadline_is_refused(proposal, pi):
    with pytest.raises(Conflict):
        proposals.withdraw_proposal(pi, proposal, now=AFTER)
    db.session.rollback()
    fresh = _fresh(proposal)
    assert fresh.status == ProposalStatus.SUBMITTED and fresh.withdrawn_at is None


def test_withdraw_proposal_after_the_call_closed_is_refused(
    proposal, open_call, pi, official
):
    _close_call(open_call, official)
    with pytest.raises(Conflict):
        proposals.withdraw_proposal(pi, proposal, now=BEFORE)
    assert _fresh(proposal).status == ProposalStatus.SUBMITTED


@pytest.fixture
def viewers(make_user, proposal, pi, teammate, official):
    """One user per kind of viewer of ``proposal``."""
    member = make_user(Role.RESEARCHER)
    council = Council(order_id=proposal.order_id, formed_by_id=official.id)
    council.members = [CouncilMember(user_id=member.id, is_chair=True)]
    db.session.add(council)
    db.session.commit()
    return {
        "author": pi,
        "team_member": teammate,
        "other_researcher": make_user(Role.RESEARCHER),
        "enterprise": make_user(Role.ENTERPRISE),
        "official": official,
        "admin": make_user(Role.ADMIN),
        "council_member": member,
    }


@pytest.mark.parametrize(
    ("viewer", "allowed"),
    [
        ("author", True),
        ("team_member", True),
        ("other_researcher", False),
        ("enterprise", False),
        ("official", True),
        ("admin", True),
        ("council_member", True),
    ],
)
def test_may_view_proposal_per_role(viewers, proposal, open_call, viewer, allowed):
    user = viewers[viewer]
    assert policy.may_view_proposal(user, proposal) is allowed
    expected = [proposal.id] if allowed else []
    assert [p.id for p in proposals.list_proposals_for(user, open_call)] == expected


def test_list_proposals_for_shows_a_researcher_only_their_own(
    proposal, open_call, make_user
):
    other_pi = make_user(Role.RESEARCHER)
    theirs = proposals.submit_proposal(other_pi, open_call, _input(), now=BEFORE)
    assert [p.id for p in proposals.list_proposals_for(other_pi, open_call)] == [
        theirs.id
    ]


def test_decline_proposal_shows_the_reason_to_the_applicant(
    ctx, proposal, open_call, official, pi, outbox
):
    _close_call(open_call, official)
    outbox.clear()
    decided = AFTER + timedelta(days=3)
    proposals.decline_proposal(
        official,
        proposal,
        DeclineReason.OVER_BUDGET,
        " Vượt trần kinh phí ",
        now=decided,
    )
    status = proposals.applicant_status(_fresh(proposal))
    assert status == proposals.ApplicantStatus(
        stage=proposals.ApplicationStage.DECLINED,
        reason_code=DeclineReason.OVER_BUDGET,
        comment="Vượt trần kinh phí",
        decided_at=decided,
        next_decision_date=None,
    )
    [note] = db.session.scalars(
        sa.select(Notification).where(Notification.kind == "proposal_declined")
    )
    assert (note.user_id, note.kind, note.params["reason"]) == (
        pi.id,
        "proposal_declined",
        "over_budget",
    )
    assert [m.to for m in outbox] == [[pi.email]]


@pytest.mark.parametrize("role", [Role.RESEARCHER, Role.ENTERPRISE])
def test_decline_proposal_only_by_officials(ctx, proposal, make_user, role):
    with pytest.raises(NotAllowed):
        proposals.decline_proposal(
            make_user(role), proposal, DeclineReason.INELIGIBLE, ""
        )
    assert _fresh(proposal).status == ProposalStatus.SUBMITTED


def test_decline_proposal_twice_is_refused(ctx, proposal, official):
    proposals.decline_proposal(official, proposal, DeclineReason.INCOMPLETE, "")
    with pytest.raises(Conflict):
        proposals.decline_proposal(official, proposal, DeclineReason.NOT_SELECTED, "")
    assert _fresh(proposal).decline_reason == DeclineReason.INCOMPLETE


def test_applicant_status_while_the_call_is_open_promises_the_deadline(proposal):
    status = proposals.applicant_status(_fresh(proposal))
    assert status.stage == proposals.ApplicationStage.SUBMITTED
    assert status.next_decision_date == DEADLINE
    assert (status.reason_code, status.comment, status.decided_at) == (None, "", None)


def test_applicant_status_after_the_call_closes_is_under_review(
    proposal, open_call, official
):
    _close_call(open_call, official)
    closed_at = db.session.scalar(
        sa.select(OrderEvent.created_at).where(
            OrderEvent.order_id == open_call.id,
            OrderEvent.action == "close_applications",
        )
    )
    status = proposals.applicant_status(_fresh(proposal))
    assert status.stage == proposals.ApplicationStage.UNDER_REVIEW
    # The city decides within SELECTION_DECISION_DAYS of closing the call.
    assert status.next_decision_date == proposals.as_utc(closed_at) + timedelta(days=30)


def test_applicant_status_of_a_withdrawn_proposal(proposal, pi):
    proposals.withdraw_proposal(pi, proposal, now=BEFORE)
    status = proposals.applicant_status(_fresh(proposal))
    assert status.stage == proposals.ApplicationStage.WITHDRAWN


def test_every_decline_reason_has_a_label():
    assert set(proposals.DECLINE_REASON_LABELS) == set(DeclineReason)


def _start_review(order: ResearchOrder, official) -> None:
    _close_call(order, official)
    _move(order, official, Action.START_REVIEW, {}, AFTER)


CONTRACT = {
    "contract_number": "05/HĐ-SKHCN",
    "contract_value": 900_000_000,
    "start_date": date(2027, 1, 15),
    "end_date": date(2028, 7, 15),
    "payment_schedule": [{"amount": 900_000_000, "due_date": None, "label": "Một đợt"}],
}


@pytest.fixture
def rival(proposal, open_call, make_user) -> Proposal:
    """A second proposal to the same call, from another researcher."""
    return proposals.submit_proposal(
        make_user(Role.RESEARCHER), open_call, _input(), now=BEFORE
    )


def _version(order: ResearchOrder) -> int:
    db.session.expire_all()
    return db.session.get(ResearchOrder, order.id).version


def test_award_sets_the_pi_and_declines_the_others_in_one_step(
    ctx, proposal, rival, open_call, official, approver, pi, teammate, outbox
):
    _start_review(open_call, official)
    outbox.clear()
    before = db.session.scalar(sa.select(sa.func.max(Notification.id)))
    decided = AFTER + timedelta(days=2)
    proposals.award(
        approver, open_call, proposal, CONTRACT, _version(open_call), now=decided
    )
    db.session.expire_all()
    fresh = db.session.get(ResearchOrder, open_call.id)
    assert (fresh.state, fresh.pi_id, fresh.contract_number) == (
        "awarded",
        pi.id,
        "05/HĐ-SKHCN",
    )
    assert policy.lifecycle_role(pi, fresh) is not None
    won, lost = _fresh(proposal), _fresh(rival)
    assert (won.status, proposals.as_utc(won.decided_at), won.decided_by_id) == (
        ProposalStatus.AWARDED,
        decided,
        approver.id,
    )
    assert (lost.status, lost.decline_reason) == (
        ProposalStatus.DECLINED,
        DeclineReason.NOT_SELECTED,
    )
    kinds = [
        (n.user_id, n.kind)
        for n in db.session.scalars(
            sa.select(Notification).where(Notification.id > before)
        )
    ]
    assert kinds.count((pi.id, "order_stage_changed")) == 1  # once, not twice
    assert {(pi.id, "order_stage_changed"), (teammate.id, "order_stage_changed"),
            (lost.pi_id, "proposal_declined")} <= set(kinds)  # fmt: skip
    assert {pi.email, teammate.email, lost.pi.email} <= {m.to[0] for m in outbox}
    status = proposals.applicant_status(won)
    assert (status.stage, status.decided_at) == (
        proposals.ApplicationStage.AWARDED,
        decided,
    )


@pytest.mark.parametrize(
    "refusal", ["plain_official", "stale_version", "bad_schedule", "not_under_review"]
)
def test_award_refused_changes_nothing(
    ctx, proposal, rival, open_call, official, approver, refusal
):
    if refusal != "not_under_review":
        _start_review(open_call, official)
    version, contract, who = _version(open_call), dict(CONTRACT), approver
    if refusal == "plain_official":
        who = official
    elif refusal == "stale_version":
        version -= 1
    elif refusal == "bad_schedule":
        contract["contract_value"] = 800_000_000
    state = db.session.get(ResearchOrder, open_call.id).state
    with pytest.raises(Conflict):
        proposals.award(who, open_call, proposal, contract, version)
    db.session.expire_all()
    fresh = db.session.get(ResearchOrder, open_call.id)
    assert (fresh.state, fresh.pi_id, fresh.version) == (
        state,
        None,
        _version(open_call),
    )
    assert {_fresh(proposal).status, _fresh(rival).status} == {ProposalStatus.SUBMITTED}
    assert db.session.scalar(sa.select(sa.func.count(Notification.id)).where(
        Notification.kind == "proposal_declined")) == 0  # fmt: skip


def test_award_only_by_officials_and_only_a_running_proposal(
    ctx, proposal, rival, open_call, official, approver, pi
):
    _start_review(open_call, official)
    with pytest.raises(NotAllowed):
        proposals.award(pi, open_call, proposal, CONTRACT, _version(open_call))
    proposals.decline_proposal(official, rival, DeclineReason.INELIGIBLE, "")
    with pytest.raises(Conflict):
        proposals.award(
            approver, open_call, _fresh(rival), CONTRACT, _version(open_call)
        )
    assert db.session.get(ResearchOrder, open_call.id).state == "under_review"


def test_is_changeable_only_while_the_call_is_open(proposal, pi):
    assert proposals.is_changeable(proposal, BEFORE)
    assert not proposals.is_changeable(proposal, DEADLINE)
    proposals.withdraw_proposal(pi, proposal, now=BEFORE)
    assert not proposals.is_changeable(_fresh(proposal), BEFORE)


def test_list_my_proposals_as_pi_and_as_team_member(
    ctx, proposal, open_call, pi, teammate, official
):
    other = proposals.submit_proposal(teammate, open_call, _input(), now=BEFORE)
    proposals.decline_proposal(official, other, DeclineReason.INCOMPLETE, "Thiếu")
    mine = proposals.list_my_proposals(teammate)
    assert [(m.proposal.id, m.is_pi) for m in mine] == [
        (other.id, True),
        (proposal.id, False),
    ]
    assert mine[0].status.reason_code == DeclineReason.INCOMPLETE
    assert [m.proposal.id for m in proposals.list_my_proposals(pi)] == [proposal.id]


def test_list_assigned_tasks_are_the_orders_the_user_leads(open_call, pi, teammate):
    open_call.pi_id = pi.id
    db.session.commit()
    assert proposals.list_assigned_tasks(pi) == [open_call]
    assert proposals.list_assigned_tasks(teammate) == []


def test_order_panel_per_viewer(proposal, open_call, pi, teammate, official, make_user):
    from flask_login import AnonymousUserMixin

    # The real clock is before DEADLINE only until late 2026; pin the order's deadline far ahead.
    open_call.application_deadline = utcnow() + timedelta(days=30)
    db.session.commit()
    author, team, staff = (
        proposals.order_panel(u, open_call) for u in (pi, teammate, official)
    )
    newcomer = proposals.order_panel(make_user(Role.RESEARCHER), open_call)
    visitor = proposals.order_panel(AnonymousUserMixin(), open_call)
    assert (author.my_proposal_id, author.can_submit) == (proposal.id, False)
    assert team.my_proposal_id == proposal.id
    assert (newcomer.can_submit, newcomer.my_proposal_id, newcomer.is_staff) == (
        True,
        None,
        False,
    )
    assert (staff.is_staff, staff.proposal_count, staff.can_submit) == (True, 1, False)
    assert visitor.can_submit and visitor.call_open and not visitor.is_council_member


def test_submit_proposal_keeps_its_pdf_files(app, open_call, pi):
    from io import BytesIO

    from werkzeug.datastructures import FileStorage

    from matchmaker.models import Attachment

    pdf = FileStorage(BytesIO(b"%PDF-1.4\n%%EOF\n"), filename="ke-hoach.pdf")
    proposal = proposals.submit_proposal(
        pi, open_call, _input(), now=BEFORE, uploads=[pdf]
    )
    [kept] = db.session.scalars(sa.select(Attachment))
    assert (kept.proposal_id, kept.order_id, kept.public) == (
        proposal.id,
        open_call.id,
        False,
    )
    bad = FileStorage(BytesIO(b"not a pdf"), filename="x.pdf")
    with pytest.raises(Conflict):
        proposals.update_proposal(
            pi, proposal, _input(budget=1), now=BEFORE, uploads=[bad]
        )
    assert _fresh(proposal).budget == 900_000_000
    assert db.session.scalar(sa.select(sa.func.count(Attachment.id))) == 1
