"""Proposals to an open call: submit, edit, withdraw before the deadline; who sees them; declines, award."""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from matchmaker.extensions import db
from matchmaker.lifecycle import Action, OrderState
from matchmaker.matching.text import normalise
from matchmaker.models import (
    DeclineReason,
    OrderEvent,
    Proposal,
    ProposalMember,
    ProposalStatus,
    ResearchOrder,
    Role,
    User,
    utcnow,
)
from matchmaker.services import events, locking, policy
from matchmaker.services.errors import Conflict, NotAllowed, ServiceError
from matchmaker.services.messaging import notifications
from matchmaker.services.orders import attachments, teams
from matchmaker.services.orders import lifecycle as orders

APPROACH_MAX = 20_000
TIMELINE_MAX = 5_000
COMMENT_MAX = 2_000
TEAM_MAX = 20
BUDGET_MAX = 10**13  # VND; far above any city task, below BigInteger's range

# Order states in which the council reviews the proposals received.
REVIEW_STATES = (OrderState.APPLICATIONS_CLOSED.value, OrderState.UNDER_REVIEW.value)


class ApplicationStage(enum.Enum):
    """What an applicant sees of where their proposal stands."""

    SUBMITTED = "submitted"  # the call is open; the proposal can still change
    UNDER_REVIEW = "under_review"  # the call has closed; the council is reviewing
    DECIDED = (
        "decided"  # the order was awarded to another proposal (kept for older records)
    )
    AWARDED = "awarded"  # this proposal was chosen: its PI leads the task
    AWARDED_TEAM = "awarded_team"  # chosen, as a team member sees it: another person (the PI) leads the task
    CLOSED = "closed"  # the order closed without award, was cancelled or went on
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


# What the applicant reads for each decline reason code.
DECLINE_REASON_LABELS = {
    DeclineReason.NOT_SELECTED: _l("Not selected"),
    DeclineReason.INELIGIBLE: _l("Not eligible for this call"),
    DeclineReason.INCOMPLETE: _l("Incomplete proposal"),
    DeclineReason.OVER_BUDGET: _l("Budget above the order's ceiling"),
    DeclineReason.WITHDRAWN_CALL: _l("The call was withdrawn"),
}


@dataclass(frozen=True)
class ProposalInput:
    """What a principal investigator writes in a proposal; ``team_ids`` are the members' user ids."""

    approach: str
    budget: int
    timeline: str = ""
    team_ids: Sequence[int] = ()


@dataclass(frozen=True)
class ApplicantStatus:
    """The applicant's view: stage, and for a declined proposal the reason, comment and date.

    ``next_decision_date`` is the application deadline while the call is open; during the review it is
    the date the city commits to decide by (:func:`expected_selection_decision`).
    """

    stage: ApplicationStage
    reason_code: DeclineReason | None
    comment: str
    decided_at: datetime | None
    next_decision_date: datetime | None


def as_utc(moment: datetime | None) -> datetime | None:
    """``moment`` as an aware UTC datetime; SQLite hands back naive values of UTC columns."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def is_open(order: ResearchOrder, now: datetime | None = None) -> bool:
    """True while the order takes proposals: published, and before its deadline if it has one."""
    if order.state != OrderState.PUBLISHED.value:
        return False
    deadline = as_utc(order.application_deadline)
    return deadline is None or (now or utcnow()) < deadline


def _check_open(order: ResearchOrder, now: datetime) -> None:
    if not is_open(order, now):
        raise Conflict(
            _("The call for proposals is closed: proposals can no longer change.")
        )


def _check_input(data: ProposalInput) -> tuple[str, str]:
    approach, timeline = normalise(data.approach), normalise(data.timeline)
    if not approach:
        raise Conflict(_("Describe your approach."), field="approach")
    if len(approach) > APPROACH_MAX:
        raise Conflict(
            _("The approach is too long (at most %(n)d characters).", n=APPROACH_MAX),
            field="approach",
        )
    if len(timeline) > TIMELINE_MAX:
        raise Conflict(
            _("The timeline is too long (at most %(n)d characters).", n=TIMELINE_MAX),
            field="timeline",
        )
    if isinstance(data.budget, bool) or not isinstance(data.budget, int):
        raise Conflict(_("The budget is a whole number of đồng."), field="budget")
    if not 0 < data.budget <= BUDGET_MAX:
        raise Conflict(_("The budget must be a positive amount."), field="budget")
    return approach, timeline


def _team(
    pi: User, team_ids: Sequence[int], proposal: Proposal | None = None
) -> list[User]:
    ids = list(dict.fromkeys(team_ids))
    if len(ids) > TEAM_MAX:
        raise Conflict(
            _("A team has at most %(n)d members.", n=TEAM_MAX), field="team_ids"
        )
    if pi.id in ids:
        raise Conflict(
            _("The principal investigator is not also a team member."),
            field="team_ids",
        )
    users = teams.eligible_members(pi, ids, proposal)
    if any(i not in users for i in ids):
        raise Conflict(
            _("Team members must be active researchers open to collaboration."),
            field="team_ids",
        )
    return [users[i] for i in ids]


def _set_team(proposal: Proposal, team: list[User]) -> None:
    proposal.members.clear()
    db.session.flush()
    for user in team:
        proposal.members.append(
            ProposalMember(user_id=user.id, institution_id=user.institution_id)
        )


def active_proposal_of(pi: User, order: ResearchOrder) -> Proposal | None:
    """``pi``'s proposal to ``order`` that was not withdrawn (at most one), if any."""
    if not pi.is_authenticated:
        return None
    return db.session.scalar(
        sa.select(Proposal).where(
            Proposal.order_id == order.id,
            Proposal.pi_id == pi.id,
            Proposal.status != ProposalStatus.WITHDRAWN,
        )
    )


def _attach(proposal: Proposal, pi: User, uploads: Sequence) -> None:
    """Keep the uploaded PDFs with ``proposal`` before the commit; one bad file refuses the whole change."""
    try:
        for upload in uploads:
            if getattr(upload, "filename", ""):
                attachments.store_pdf(
                    upload, order=proposal.order, uploader=pi, proposal=proposal
                )
    except Conflict:
        db.session.rollback()
        raise


def submit_proposal(
    pi: User,
    order: ResearchOrder,
    data: ProposalInput,
    now: datetime | None = None,
    uploads: Sequence = (),
) -> Proposal:
    """Submit ``pi``'s proposal to an open call; one active proposal per PI and order.

    ``uploads`` are PDF files kept with the proposal; a file that is not a PDF or is too large refuses it.
    """
    now = now or utcnow()
    if not pi.is_authenticated or pi.role != Role.RESEARCHER:
        raise NotAllowed(_l("Only researchers submit proposals."))
    # One active proposal per PI and order: a double click (or two tabs) must not make two. The order's
    # row lock makes a second submission wait for the first and then see it.
    locking.lock_object(order)
    _check_open(order, now)
    approach, timeline = _check_input(data)
    team = _team(pi, data.team_ids)
    if active_proposal_of(pi, order) is not None:
        raise Conflict(_("You already have a proposal for this order: edit it."))
    proposal = Proposal(
        order_id=order.id, pi_id=pi.id, institution_id=pi.institution_id,
        approach=approach, timeline=timeline, budget=data.budget,
        status=ProposalStatus.SUBMITTED, submitted_at=now, decline_comment="",
    )  # fmt: skip
    db.session.add(proposal)
    _set_team(proposal, team)
    db.session.flush()
    _attach(proposal, pi, uploads)
    events.commit()
    return proposal


def is_changeable(proposal: Proposal, now: datetime | None = None) -> bool:
    """True while the PI may still edit or withdraw ``proposal``."""
    return proposal.status == ProposalStatus.SUBMITTED and is_open(proposal.order, now)


def _check_pi(pi: User, proposal: Proposal) -> None:
    if not pi.is_authenticated or pi.id != proposal.pi_id:
        raise NotAllowed(_l("Only the principal investigator changes this proposal."))
    if proposal.status != ProposalStatus.SUBMITTED:
        raise Conflict(_("This proposal was withdrawn or declined."))


def update_proposal(
    pi: User,
    proposal: Proposal,
    data: ProposalInput,
    now: datetime | None = None,
    uploads: Sequence = (),
) -> Proposal:
    """Change a proposal's approach, budget, timeline or team while the call is open; add PDF files."""
    now = now or utcnow()
    _check_pi(pi, proposal)
    _check_open(proposal.order, now)
    approach, timeline = _check_input(data)
    team = _team(pi, data.team_ids, proposal)
    proposal.approach, proposal.timeline, proposal.budget = (
        approach,
        timeline,
        data.budget,
    )
    _set_team(proposal, team)
    _attach(proposal, pi, uploads)
    events.commit()
    return proposal


def withdraw_proposal(
    pi: User, proposal: Proposal, now: datetime | None = None
) -> Proposal:
    """Withdraw a proposal while the call is open; the PI may then submit a new one."""
    now = now or utcnow()
    _check_pi(pi, proposal)
    _check_open(proposal.order, now)
    proposal.status = ProposalStatus.WITHDRAWN
    proposal.withdrawn_at = now
    events.commit()
    return proposal


def list_proposals_for(user: User, order: ResearchOrder) -> list[Proposal]:
    """The proposals to ``order`` that ``user`` may see, oldest submission first."""
    if not user.is_authenticated:
        return []
    stmt = sa.select(Proposal).where(Proposal.order_id == order.id)
    if not policy.is_staff(user):
        from matchmaker.services.orders import councils  # councils imports this module

        # The council reads every proposal, except a member who applied too (a rival): only their own.
        if user.id not in policy.council_member_ids(
            order.id
        ) or user.id in councils.applicant_ids(order):
            team = sa.select(ProposalMember.proposal_id).where(
                ProposalMember.user_id == user.id
            )
            stmt = stmt.where(sa.or_(Proposal.pi_id == user.id, Proposal.id.in_(team)))
    return list(db.session.scalars(stmt.order_by(Proposal.submitted_at, Proposal.id)))


def decline_proposal(
    official: User,
    proposal: Proposal,
    reason_code: DeclineReason,
    comment: str = "",
    now: datetime | None = None,
) -> Proposal:
    """Decline a proposal with a reason code and an optional comment, and tell its PI."""
    if not policy.is_staff(official):
        raise NotAllowed(_l("Only city officials decline proposals."))
    if proposal.status != ProposalStatus.SUBMITTED:
        raise Conflict(_("This proposal was already withdrawn or declined."))
    if not isinstance(reason_code, DeclineReason):
        raise Conflict(_("Choose a reason from the list."), field="reason_code")
    comment = normalise(comment)
    if len(comment) > COMMENT_MAX:
        raise Conflict(
            _("The comment is too long (at most %(n)d characters).", n=COMMENT_MAX),
            field="comment",
        )
    proposal.status = ProposalStatus.DECLINED
    proposal.decline_reason = reason_code
    proposal.decline_comment = comment
    proposal.decided_at = now or utcnow()
    proposal.decided_by_id = official.id
    params = {"title": proposal.order.title, "reason": reason_code.value}
    notifications.notify(
        proposal.pi,
        "proposal_declined",
        params,
        "orders.detail",
        order_id=proposal.order_id,
    )
    events.commit()
    return proposal


_ORDER_STAGES = {
    OrderState.PUBLISHED.value: ApplicationStage.SUBMITTED,
    OrderState.APPLICATIONS_CLOSED.value: ApplicationStage.UNDER_REVIEW,
    OrderState.UNDER_REVIEW.value: ApplicationStage.UNDER_REVIEW,
}
_DECIDED_STATES = {
    OrderState.AWARDED, OrderState.IN_PROGRESS, OrderState.ACCEPTANCE_REVIEW, OrderState.ACCEPTED,
    OrderState.NOT_ACCEPTED, OrderState.RESULTS_REGISTERED, OrderState.IN_APPLICATION,
    OrderState.TERMINATED, OrderState.CLOSED_RISK_ACCEPTED,
}  # fmt: skip


def expected_selection_decision(order: ResearchOrder) -> datetime | None:
    """When applicants can expect the selection decision: SELECTION_DECISION_DAYS after the call closed
    (the time applications were closed, or the deadline when that step is not on record yet)."""
    closed = db.session.scalar(
        sa.select(sa.func.max(OrderEvent.created_at)).where(
            OrderEvent.order_id == order.id,
            OrderEvent.action == Action.CLOSE_APPLICATIONS.value,
        )
    )
    start = as_utc(closed) or as_utc(order.application_deadline)
    if start is None:
        return None
    return start + timedelta(days=current_app.config["SELECTION_DECISION_DAYS"])


def applicant_status(
    proposal: Proposal, viewer_id: int | None = None
) -> ApplicantStatus:
    """Where the proposal stands, as its applicant sees it; ``viewer_id``, a team member who is not the
    principal investigator, reads an awarded proposal as their team's (the PI leads the task)."""
    order = proposal.order
    if proposal.status == ProposalStatus.WITHDRAWN:
        stage = ApplicationStage.WITHDRAWN
    elif proposal.status == ProposalStatus.DECLINED:
        stage = ApplicationStage.DECLINED
    elif proposal.status == ProposalStatus.AWARDED:
        led_by_other = viewer_id is not None and viewer_id != proposal.pi_id
        stage = (
            ApplicationStage.AWARDED_TEAM if led_by_other else ApplicationStage.AWARDED
        )
    elif order.state in _ORDER_STAGES:
        stage = _ORDER_STAGES[order.state]
    elif OrderState(order.state) in _DECIDED_STATES:
        stage = ApplicationStage.DECIDED
    else:
        stage = ApplicationStage.CLOSED
    next_date = None
    if stage == ApplicationStage.SUBMITTED:
        next_date = as_utc(order.application_deadline)
    elif stage == ApplicationStage.UNDER_REVIEW:
        next_date = expected_selection_decision(order)
    return ApplicantStatus(
        stage=stage,
        reason_code=proposal.decline_reason,
        comment=proposal.decline_comment,
        decided_at=as_utc(proposal.decided_at),
        next_decision_date=next_date,
    )


@dataclass(frozen=True)
class MyProposal:
    """One of a researcher's proposals, as PI or team member, with what its applicant sees."""

    proposal: Proposal
    is_pi: bool
    status: ApplicantStatus


def list_my_proposals(user: User) -> list[MyProposal]:
    """The proposals ``user`` leads or is a team member of, newest first."""
    if not user.is_authenticated:
        return []
    team = sa.select(ProposalMember.proposal_id).where(
        ProposalMember.user_id == user.id
    )
    stmt = (
        sa.select(Proposal)
        .where(sa.or_(Proposal.pi_id == user.id, Proposal.id.in_(team)))
        .options(selectinload(Proposal.order))
        .order_by(Proposal.submitted_at.desc(), Proposal.id.desc())
    )
    return [
        MyProposal(p, p.pi_id == user.id, applicant_status(p, user.id))
        for p in db.session.scalars(stmt)
    ]


def list_assigned_tasks(user: User) -> list[ResearchOrder]:
    """The orders whose principal investigator is ``user``, newest first."""
    if not user.is_authenticated:
        return []
    stmt = (
        sa.select(ResearchOrder)
        .where(ResearchOrder.pi_id == user.id)
        .order_by(ResearchOrder.id.desc())
    )
    return list(db.session.scalars(stmt))


def _running(order: ResearchOrder, but: Proposal) -> list[Proposal]:
    return list(
        db.session.scalars(
            sa.select(Proposal)
            .where(
                Proposal.order_id == order.id,
                Proposal.status == ProposalStatus.SUBMITTED,
                Proposal.id != but.id,
            )
            .order_by(Proposal.id)
        )
    )


def award(
    official: User,
    order: ResearchOrder,
    proposal: Proposal,
    contract: Mapping[str, Any],
    expected_version: int,
    now: datetime | None = None,
) -> Proposal:
    """Award ``order`` to ``proposal``: its PI leads the task; every other proposal still running is not selected.

    ``contract`` holds the AWARD step's fields (contract_number, contract_value, start_date, end_date,
    payment_schedule). The row changes and the lifecycle step (``orders.record_step``) are one unit of work;
    if the step is refused, everything is rolled back and Conflict is raised.
    """
    now = now or utcnow()
    if not policy.is_staff(official):
        raise NotAllowed(_l("Only city officials award an order."))
    if proposal.order_id != order.id or proposal.status != ProposalStatus.SUBMITTED:
        raise Conflict(_("Only a proposal still under consideration can be awarded."))
    others = _running(order, proposal)
    order.pi_id = proposal.pi_id
    proposal.status = ProposalStatus.AWARDED
    proposal.decided_at, proposal.decided_by_id = now, official.id
    for other in others:
        other.status, other.decline_reason = (
            ProposalStatus.DECLINED,
            DeclineReason.NOT_SELECTED,
        )
        other.decided_at, other.decided_by_id = now, official.id
    # The awarded team (PI and members) hears of the stage change from record_step; the others hear
    # that they were not selected, and nothing of the later stages.
    for other in others:
        notifications.notify(
            other.pi,
            "proposal_declined",
            {"title": order.title, "reason": DeclineReason.NOT_SELECTED.value},
            "orders.detail",
            order_id=order.id,
        )
    try:
        orders.record_step(
            order.id, official, Action.AWARD, dict(contract), expected_version, now=now
        )
    except ServiceError:
        db.session.rollback()
        raise
    events.commit()
    return proposal


@dataclass(frozen=True)
class OrderPanel:
    """What the order page offers a viewer about proposals and the council (links to show)."""

    call_open: bool  # the order takes proposals now
    can_submit: bool  # a researcher (or a visitor who may sign in as one) without an active proposal
    my_proposal_id: int | None  # the viewer's active proposal, as PI or team member
    is_staff: bool  # officials: the proposals, the ranking and the council
    proposal_count: int  # active proposals (for officials)
    is_council_member: bool  # scores the proposals
    is_pi: bool  # leads the awarded task


def order_panel(user: User, order: ResearchOrder) -> OrderPanel:
    """The viewer's links on the order page."""
    call_open, signed_in, staff = (
        is_open(order),
        user.is_authenticated,
        policy.is_staff(user),
    )
    visible = list_proposals_for(user, order)
    mine = [
        p
        for p in visible
        if p.status != ProposalStatus.WITHDRAWN and user.id in p.author_ids
    ]
    return OrderPanel(
        call_open=call_open,
        can_submit=call_open
        and not mine
        and (not signed_in or user.role == Role.RESEARCHER),
        my_proposal_id=mine[0].id if mine else None,
        is_staff=staff,
        proposal_count=sum(p.status == ProposalStatus.SUBMITTED for p in visible)
        if staff
        else 0,
        is_council_member=signed_in and user.id in policy.council_member_ids(order.id),
        is_pi=signed_in and order.pi_id == user.id,
    )
