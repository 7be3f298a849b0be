"""A city official's work: orders waiting for their step, calls closing, councils to form, late work."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext

from matchmaker.extensions import db
from matchmaker.lifecycle import Action, OrderState, SelectionMethod
from matchmaker.models import (
    Council,
    Disbursement,
    Milestone,
    OrderEvent,
    Proposal,
    ProposalStatus,
    ResearchOrder,
    Tranche,
    User,
)
from matchmaker.services import policy
from matchmaker.services.home.items import Kind, WorkItem, item, vietnam_day
from matchmaker.services.orders.work.common import CONFIRMING_STATES, SCHEDULED_STATES

S = OrderState
# A published call shows among "closing soon" this many days before its deadline.
CALL_WINDOW_DAYS = 14

# The step each state waits for, and what the official is asked to do.
NEXT_STEPS: dict[str, tuple[Action, str]] = {
    S.SUBMITTED.value: (Action.APPROVE, "approve"),
    S.APPROVED.value: (Action.PUBLISH, "publish"),
    S.PUBLISHED.value: (Action.CLOSE_APPLICATIONS, "close"),
    S.APPLICATIONS_CLOSED.value: (Action.START_REVIEW, "review"),
    S.UNDER_REVIEW.value: (Action.AWARD, "award"),
    S.AWARDED.value: (Action.START_WORK, "start"),
    S.ACCEPTANCE_REVIEW.value: (Action.ACCEPT, "accept"),
    S.NOT_ACCEPTED.value: (Action.CLOSE_WITH_RISK_ACCEPTED, "close_risk"),
    S.RESULTS_REGISTERED.value: (Action.START_APPLICATION, "apply"),
}
FORMING_STATES = (
    S.PUBLISHED.value,
    S.APPLICATIONS_CLOSED.value,
    S.UNDER_REVIEW.value,
)


def _step_note(step: str, proposals: int) -> str:
    notes = {
        "approve": _("Submitted for approval: approve it, return it for revision or reject it."),
        "publish": _("Approved: publish the call or assign the task directly."),
        "close": _("The application deadline has passed: close the call."),
        "review": _("The call is closed: start the council's review."),
        "award": ngettext(
            "Under review (%(num)d proposal): award the task or close without award.",
            "Under review (%(num)d proposals): award the task or close without award.",
            proposals,
        ),
        "start": _("Awarded: start the work once the contract is signed."),
        "accept": _("Acceptance requested: record the council's acceptance result."),
        "close_risk": _("Not accepted: close the task with its risk accepted when every step is on record."),
        "apply": _("Results registered: follow their application."),
    }  # fmt: skip
    return notes[step]


def selection_decision_due(
    closed: dict[int, datetime], order: ResearchOrder
) -> datetime | None:
    """When the selection decision is expected: SELECTION_DECISION_DAYS after the call closed (the
    recorded closing, else the deadline), as ``proposals.expected_selection_decision`` says, from
    closing times read for many orders at once."""
    start = closed.get(order.id) or order.application_deadline
    if start is None:
        return None
    return start + timedelta(days=current_app.config["SELECTION_DECISION_DAYS"])


def closing_times(order_ids: Collection[int]) -> dict[int, datetime]:
    """When each order's call was closed, for many orders in one query."""
    if not order_ids:
        return {}
    rows = db.session.execute(
        sa.select(OrderEvent.order_id, sa.func.max(OrderEvent.created_at))
        .where(
            OrderEvent.order_id.in_(order_ids),
            OrderEvent.action == Action.CLOSE_APPLICATIONS.value,
        )
        .group_by(OrderEvent.order_id)
    )
    return {order_id: moment for order_id, moment in rows}


def _proposal_counts(order_ids: Collection[int]) -> dict[int, int]:
    if not order_ids:
        return {}
    rows = db.session.execute(
        sa.select(Proposal.order_id, sa.func.count(Proposal.id))
        .where(
            Proposal.order_id.in_(order_ids),
            Proposal.status == ProposalStatus.SUBMITTED,
        )
        .group_by(Proposal.order_id)
    )
    return dict(rows.all())


def _with_council(order_ids: Collection[int]) -> set[int]:
    if not order_ids:
        return set()
    stmt = sa.select(Council.order_id).where(Council.order_id.in_(order_ids))
    return set(db.session.scalars(stmt))


def _order_items(user: User, today: date, now: datetime) -> list[WorkItem]:
    """Steps waiting for ``user``, calls closing soon and councils to form, from one read of the orders."""
    orders = list(
        db.session.scalars(
            sa.select(ResearchOrder)
            .where(
                policy.orders_in_charge(user),
                ResearchOrder.state.in_(list(NEXT_STEPS)),
            )
            .order_by(ResearchOrder.id)
        )
    )
    ids = [o.id for o in orders]
    counts, councils = _proposal_counts(ids), _with_council(ids)
    closed = closing_times([o.id for o in orders if o.state == S.UNDER_REVIEW.value])
    found: list[WorkItem] = []
    for order in orders:
        values = {"order_id": order.id}
        deadline = order.application_deadline
        passed = deadline is not None and _aware(deadline) <= now
        action, step = NEXT_STEPS[order.state]
        waiting = order.state != S.PUBLISHED.value or passed
        if waiting and policy.may_take_step(user, order, action):
            due = None
            if order.state == S.PUBLISHED.value:
                due = deadline
            elif order.state == S.UNDER_REVIEW.value:
                due = selection_decision_due(closed, order)
            found.append(
                item(
                    Kind.ORDER_DECISION, order.title, _step_note(step, counts.get(order.id, 0)),
                    "orders.detail", values, today, due=due,
                    since=None if due else order.updated_at, key=f"order-{order.id}",
                )
            )  # fmt: skip
        if order.state == S.PUBLISHED.value and not passed and deadline is not None:
            if vietnam_day(deadline) <= today + timedelta(days=CALL_WINDOW_DAYS):
                n = counts.get(order.id, 0)
                note = ngettext(
                    "%(num)d proposal received so far.",
                    "%(num)d proposals received so far.",
                    n,
                )
                found.append(
                    item(
                        Kind.CALL_CLOSING, order.title, note, "orders.detail", values,
                        today, due=deadline, key=f"call-{order.id}",
                    )
                )  # fmt: skip
        open_call = order.selection_method == SelectionMethod.OPEN_SELECTION.value
        if (
            order.state in FORMING_STATES
            and open_call
            and order.id not in councils
            and policy.is_staff(user)
        ):
            found.append(
                item(
                    Kind.COUNCIL_TO_FORM, order.title,
                    _("No selection council yet: form it before the call closes."),
                    "orders.council.index", values, today, due=deadline,
                    key=f"council-{order.id}",
                )
            )  # fmt: skip
    return found


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _milestone_items(user: User, today: date) -> list[WorkItem]:
    """Milestones past due with nothing handed in, and deliverables handed in that wait for confirmation."""
    late = sa.and_(
        ResearchOrder.state.in_(SCHEDULED_STATES),
        Milestone.due_date < today,
        Milestone.submitted_at.is_(None),
    )
    to_confirm = sa.and_(
        ResearchOrder.state.in_(CONFIRMING_STATES),
        Milestone.submitted_at.is_not(None),
    )
    rows = db.session.execute(
        sa.select(Milestone, ResearchOrder.title)
        .join(ResearchOrder, ResearchOrder.id == Milestone.order_id)
        .where(
            policy.orders_in_charge(user),
            Milestone.completed_on.is_(None),
            sa.or_(late, to_confirm),
        )
        .order_by(Milestone.due_date, Milestone.id)
    )
    found = []
    for milestone, title in rows:
        values = {"order_id": milestone.order_id}
        if milestone.submitted_at is None:
            found.append(
                item(
                    Kind.MILESTONE_OVERDUE, title,
                    _("Milestone “%(name)s”: the deliverable is not handed in.", name=milestone.title),
                    "orders.work.index", values, today, due=milestone.due_date,
                    key=f"milestone-{milestone.id}",
                )
            )  # fmt: skip
        else:
            found.append(
                item(
                    Kind.DELIVERABLE_TO_CONFIRM, title,
                    _("Milestone “%(name)s”: the deliverable is handed in; confirm it with the evidence.",
                      name=milestone.title),
                    "orders.work.index", values, today, since=milestone.submitted_at,
                    key=f"deliverable-{milestone.id}",
                )
            )  # fmt: skip
    return found


def _tranche_items(user: User, today: date) -> list[WorkItem]:
    """Tranches past due and not fully paid, of running orders in the official's charge."""
    paid = (
        sa.select(sa.func.coalesce(sa.func.sum(Disbursement.amount), 0))
        .where(Disbursement.tranche_id == Tranche.id)
        .scalar_subquery()
    )
    rows = db.session.execute(
        sa.select(Tranche, ResearchOrder.title, paid)
        .join(ResearchOrder, ResearchOrder.id == Tranche.order_id)
        .where(
            policy.orders_in_charge(user),
            ResearchOrder.state.in_(SCHEDULED_STATES),
            Tranche.due_date < today,
            Tranche.planned_amount > paid,
        )
        .order_by(Tranche.due_date, Tranche.id)
    )
    found = [
        item(
            Kind.TRANCHE_OVERDUE, title,
            _("Tranche %(number)d is not fully disbursed.", number=tranche.number),
            "orders.work.index", {"order_id": tranche.order_id}, today,
            due=tranche.due_date, key=f"tranche-{tranche.id}",
        )
        for tranche, title, _paid in rows
    ]  # fmt: skip
    return found + _unrecorded_tranche_items(user, today)


def _unrecorded_tranche_items(user: User, today: date) -> list[WorkItem]:
    """Overdue tranches of awarded orders whose schedule is not copied into tranches yet (nothing paid)."""
    has_rows = sa.exists().where(Tranche.order_id == ResearchOrder.id)
    rows = db.session.execute(
        sa.select(OrderEvent.order_id, OrderEvent.fields, ResearchOrder.title)
        .join(ResearchOrder, ResearchOrder.id == OrderEvent.order_id)
        .where(
            policy.orders_in_charge(user),
            ResearchOrder.state.in_(SCHEDULED_STATES),
            OrderEvent.action == Action.AWARD.value,
            ~has_rows,
        )
        .order_by(OrderEvent.id)
    )
    latest = {order_id: (fields, title) for order_id, fields, title in rows}
    found = []
    for order_id, (fields, title) in latest.items():
        schedule = (fields or {}).get("payment_schedule") or []
        for number, planned in enumerate(schedule, start=1):
            due = (
                _as_date(planned.get("due_date")) if isinstance(planned, dict) else None
            )
            if due is None or due >= today or not planned.get("amount"):
                continue
            found.append(
                item(
                    Kind.TRANCHE_OVERDUE, title,
                    _("Tranche %(number)d is not fully disbursed.", number=number),
                    "orders.work.index", {"order_id": order_id}, today, due=due,
                    key=f"tranche-{order_id}-{number}",
                )
            )  # fmt: skip
    return found


def _as_date(value: object) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def official_items(user: User, today: date, now: datetime) -> list[WorkItem]:
    """Everything waiting for the official ``user`` in the orders in their charge."""
    return [
        *_order_items(user, today, now),
        *_milestone_items(user, today),
        *_tranche_items(user, today),
    ]
