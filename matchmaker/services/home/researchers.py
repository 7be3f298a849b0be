"""A researcher's work: proposals to score on their councils, their proposals' next step, milestones due
and the open calls that fit them."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import format_date, ngettext
from flask_babel import gettext as _

from matchmaker.extensions import db
from matchmaker.lifecycle import OrderState
from matchmaker.models import (
    ConflictDeclaration,
    Council,
    CouncilMember,
    Milestone,
    Proposal,
    ProposalMember,
    ProposalScore,
    ProposalStatus,
    ResearchOrder,
    User,
)
from matchmaker.services.home.items import Kind, WorkItem, item, vietnam_day
from matchmaker.services.home.officials import closing_times, selection_decision_due
from matchmaker.services.matching import matches as matching
from matchmaker.services.orders.proposals import REVIEW_STATES
from matchmaker.services.orders.work.common import WORKING_STATES

S = OrderState
# Milestones show this many days before they are due (and every overdue one).
MILESTONE_WINDOW_DAYS = 30
# Open calls that fit the researcher, at most.
MATCHING_CALLS = 3


def _score_items(user: User, today: date) -> list[WorkItem]:
    """One item per council under review with proposals the member has not scored (nor declared a
    conflict with), due when the selection decision is expected."""
    scored = sa.exists().where(
        ProposalScore.member_id == CouncilMember.id,
        ProposalScore.proposal_id == Proposal.id,
    )
    declared = sa.exists().where(
        ConflictDeclaration.member_id == CouncilMember.id,
        ConflictDeclaration.proposal_id == Proposal.id,
    )
    counts = dict(
        db.session.execute(
            sa.select(Proposal.order_id, sa.func.count(Proposal.id))
            .join(ResearchOrder, ResearchOrder.id == Proposal.order_id)
            .join(Council, Council.order_id == ResearchOrder.id)
            .join(CouncilMember, CouncilMember.council_id == Council.id)
            .where(
                CouncilMember.user_id == user.id,
                ResearchOrder.state.in_(REVIEW_STATES),
                Proposal.status == ProposalStatus.SUBMITTED,
                ~scored,
                ~declared,
            )
            .group_by(Proposal.order_id)
        ).all()
    )
    if not counts:
        return []
    orders = db.session.scalars(
        sa.select(ResearchOrder)
        .where(ResearchOrder.id.in_(list(counts)))
        .order_by(ResearchOrder.id)
    ).all()
    rows = [(order, counts[order.id]) for order in orders]
    closed = closing_times([order.id for order, _n in rows])
    return [
        item(
            Kind.PROPOSALS_TO_SCORE, order.title,
            ngettext("%(num)d proposal waits for your marks.", "%(num)d proposals wait for your marks.", n),
            "orders.council.review", {"order_id": order.id}, today,
            due=selection_decision_due(closed, order), key=f"score-{order.id}",
        )
        for order, n in rows
    ]  # fmt: skip


def _proposal_items(
    user: User, today: date, now: datetime
) -> tuple[list[WorkItem], set[int]]:
    """Each running proposal's next step (edit until the call closes; the decision expected after), and
    the orders the researcher applied to."""
    team = sa.select(ProposalMember.proposal_id).where(
        ProposalMember.user_id == user.id
    )
    rows = db.session.execute(
        sa.select(Proposal, ResearchOrder)
        .join(ResearchOrder, ResearchOrder.id == Proposal.order_id)
        .where(sa.or_(Proposal.pi_id == user.id, Proposal.id.in_(team)))
        .order_by(Proposal.id)
    ).all()
    applied = {order.id for _p, order in rows}
    running = [
        (p, o)
        for p, o in rows
        if p.status == ProposalStatus.SUBMITTED
        and o.state in {S.PUBLISHED.value, *REVIEW_STATES}
    ]
    closed = closing_times([o.id for _p, o in running if o.state != S.PUBLISHED.value])
    found = []
    for proposal, order in running:
        lead = proposal.pi_id == user.id
        if order.state == S.PUBLISHED.value:
            note = (
                _("The call is open: you may still change your proposal until the deadline.")
                if lead
                else _("The call is open: your principal investigator may still change the proposal.")
            )  # fmt: skip
            due = order.application_deadline
        else:
            # Waiting for the officials, not for the researcher: a date to know, never "overdue" for them.
            note, due = _review_note(selection_decision_due(closed, order), today), None
        found.append(
            item(
                Kind.PROPOSAL_NEXT_STEP, order.title, note, "orders.proposals.detail",
                {"proposal_id": proposal.id}, today, due=due, key=f"proposal-{proposal.id}",
            )
        )  # fmt: skip
    return found, applied


def _review_note(expected: datetime | None, today: date) -> str:
    day = vietnam_day(expected)
    if day is None:
        return _("The council is reviewing the proposals.")
    if day < today:
        return _(
            "The council is reviewing the proposals; the decision was expected by %(date)s.",
            date=format_date(day),
        )
    return _(
        "The council is reviewing the proposals; the decision is expected by %(date)s.",
        date=format_date(day),
    )


def _milestone_items(user: User, today: date) -> list[WorkItem]:
    """Milestones of the tasks ``user`` leads, due within MILESTONE_WINDOW_DAYS or overdue, not handed in."""
    rows = db.session.execute(
        sa.select(Milestone, ResearchOrder.title)
        .join(ResearchOrder, ResearchOrder.id == Milestone.order_id)
        .where(
            ResearchOrder.pi_id == user.id,
            ResearchOrder.state.in_(WORKING_STATES),
            Milestone.completed_on.is_(None),
            Milestone.submitted_at.is_(None),
            Milestone.due_date <= today + timedelta(days=MILESTONE_WINDOW_DAYS),
        )
        .order_by(Milestone.due_date, Milestone.id)
    )
    return [
        item(
            Kind.MILESTONE_DUE, title,
            _("Milestone “%(name)s”: hand in the deliverable.", name=milestone.title),
            "orders.work.index", {"order_id": milestone.order_id}, today,
            due=milestone.due_date, key=f"milestone-{milestone.id}",
        )
        for milestone, title in rows
    ]  # fmt: skip


def _matching_call_items(
    recommended: list, applied: set[int], today: date
) -> list[WorkItem]:
    """The best open calls for the researcher (from the matching service), with their deadlines."""
    views = [v for v in recommended if v.key not in applied][:MATCHING_CALLS]
    if not views:
        return []
    deadlines = dict(
        db.session.execute(
            sa.select(ResearchOrder.id, ResearchOrder.application_deadline).where(
                ResearchOrder.id.in_([v.key for v in views])
            )
        ).all()
    )
    return [
        item(
            Kind.MATCHING_CALL, view.title,
            _("%(level)s for your profile · %(agency)s", level=view.match_level.label, agency=view.detail),
            "orders.detail", {"order_id": view.key}, today,
            due=deadlines.get(view.key), key=f"match-{view.key}",
        )
        for view in views
    ]  # fmt: skip


def researcher_items(
    user: User, today: date, now: datetime
) -> tuple[list[WorkItem], matching.Recommendations]:
    """Everything waiting for the researcher ``user``, and the recommendations the matching service made
    (the home page shows them too: computed once)."""
    proposal_items, applied = _proposal_items(user, today, now)
    recommended = matching.recommendations_for(user)
    return [
        *_score_items(user, today),
        *proposal_items,
        *_milestone_items(user, today),
        *_matching_call_items(recommended.orders, applied, today),
    ], recommended
