"""Whether a running order keeps to its schedule, and why not."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased

from matchmaker import formatting
from matchmaker.extensions import db
from matchmaker.lifecycle import Action
from matchmaker.models import (
    Disbursement,
    Milestone,
    OrderEvent,
    ResearchOrder,
    Tranche,
)
from matchmaker.services.orders.work.common import (
    SCHEDULED_STATES,
    S,
    vietnam_today,
)
from matchmaker.services.orders.work.payments import (
    Contract,
    as_date,
    contract_of,
    contracts,
)


class Lateness(enum.Enum):
    """Why an order is late."""

    MILESTONE_OVERDUE = "milestone_overdue"
    PAST_END_DATE = "past_end_date"
    TRANCHE_OVERDUE = "tranche_overdue"


LATENESS_MESSAGES = {
    Lateness.MILESTONE_OVERDUE: _l(
        "The milestone “%(subject)s” was due on %(date)s and is not delivered."
    ),
    Lateness.PAST_END_DATE: _l(
        "The contract ended on %(date)s and acceptance has not been requested."
    ),
    Lateness.TRANCHE_OVERDUE: _l(
        "Tranche %(subject)s was due on %(date)s and is not fully disbursed."
    ),
}


@dataclass(frozen=True)
class LateReason:
    """One reason an order is late: what (a milestone's title, a tranche's number) was due when."""

    code: Lateness
    subject: str
    due_date: date

    def describe(self) -> str:
        """The reason in the current language."""
        return str(LATENESS_MESSAGES[self.code]) % {
            "subject": self.subject, "date": formatting.date(self.due_date),
        }  # fmt: skip


@dataclass(frozen=True)
class ScheduleStatus:
    """Whether a running order keeps to its schedule on ``today``; ``applies`` is False outside the work."""

    applies: bool
    today: date
    reasons: tuple[LateReason, ...] = ()

    @property
    def is_late(self) -> bool:
        return bool(self.reasons)


def is_overdue(milestone: Milestone, today: date) -> bool:
    """Past its due date with neither the deliverable submitted nor the milestone confirmed."""
    return (
        milestone.due_date < today
        and milestone.completed_on is None
        and milestone.submitted_at is None
    )


def schedule_status(order: ResearchOrder, today: date | None = None) -> ScheduleStatus:
    """On schedule or late, with every reason: an overdue milestone, the contract's end passed, a tranche overdue.

    A milestone whose deliverable is submitted waits for the officials and does not make the order late.
    """
    return schedule_statuses([order], today)[order.id]


def schedule_statuses(
    orders: Iterable[ResearchOrder], today: date | None = None
) -> dict[int, ScheduleStatus]:
    """``schedule_status`` of many orders at once, in four queries whatever their number.

    The one definition of "on schedule" and "late" for the work page, the lists and the figures.
    """
    today = today or vietnam_today()
    orders = list(orders)
    running = [o.id for o in orders if o.state in SCHEDULED_STATES]
    reasons: dict[int, list[LateReason]] = {order_id: [] for order_id in running}
    overdue = sa.select(
        Milestone.order_id, Milestone.title, Milestone.due_date
    ).where(
        Milestone.order_id.in_(running),
        Milestone.due_date < today,
        Milestone.completed_on.is_(None),
        Milestone.submitted_at.is_(None),
    )  # the is_overdue rule, in SQL; columns only (the dashboard reads every running order's)
    for order_id, title, due in db.session.execute(overdue.order_by(Milestone.due_date, Milestone.id)):  # fmt: skip
        reasons[order_id].append(LateReason(Lateness.MILESTONE_OVERDUE, title, due))
    terms = contracts(running)
    working = {S.AWARDED.value, S.IN_PROGRESS.value}
    for order in orders:
        end = terms[order.id].end_date if order.id in terms else None
        if order.id in reasons and order.state in working and end and end < today:
            reasons[order.id].append(
                LateReason(Lateness.PAST_END_DATE, terms[order.id].number, end)
            )
    for order_id, number, due in _overdue_tranches(running, terms, today):
        reasons[order_id].append(LateReason(Lateness.TRANCHE_OVERDUE, str(number), due))
    return {
        order.id: ScheduleStatus(
            applies=order.id in reasons, today=today, reasons=tuple(reasons.get(order.id, ()))
        )
        for order in orders
    }  # fmt: skip


def _overdue_tranches(
    order_ids: list[int], terms: dict[int, Contract], today: date
) -> list[tuple[int, int, date]]:
    """(order id, tranche number, due date) of every tranche past due and not fully disbursed.

    An award's payment schedule not yet copied into tranches counts as tranches with nothing paid.
    """
    paid = (  # summed per tranche once, then joined (not a sum per tranche row)
        sa.select(
            Disbursement.tranche_id, sa.func.sum(Disbursement.amount).label("amount")
        )
        .group_by(Disbursement.tranche_id)
        .subquery()
    )
    unpaid = Tranche.planned_amount > sa.func.coalesce(paid.c.amount, 0)
    rows = db.session.execute(
        sa.select(Tranche.order_id, Tranche.number, Tranche.due_date, unpaid)
        .outerjoin(paid, paid.c.tranche_id == Tranche.id)
        .where(Tranche.order_id.in_(order_ids))
        .order_by(Tranche.order_id, Tranche.number)
    ).all()  # fmt: skip
    recorded = {order_id for order_id, *_rest in rows}
    found = [
        (order_id, number, due)
        for order_id, number, due, unpaid in rows
        if due is not None and due < today and unpaid
    ]
    for order_id in order_ids:
        if order_id in recorded or order_id not in terms:
            continue
        for number, planned in enumerate(terms[order_id].schedule, start=1):
            if planned.due_date and planned.due_date < today and planned.amount > 0:
                found.append((order_id, number, planned.due_date))
    return found


def split_running(
    conditions: Sequence[sa.ColumnElement[bool]], today: date
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(on schedule, late): the ids of the running orders matching ``conditions`` (on ``ResearchOrder``).

    The rules of ``schedule_statuses`` without the reasons, in one query over the running orders, for the
    dashboard's figures and the late orders list: an overdue milestone and an overdue tranche are found in
    SQL (the same conditions as there); the contract's end date and, while no tranche is recorded, the
    award's payment schedule are read from the last award step's fields and judged as ``contracts`` reads
    them. tests/services/orders/work/test_progress.py checks it agrees with ``schedule_statuses``.
    """
    paid = (
        sa.select(sa.func.coalesce(sa.func.sum(Disbursement.amount), 0))
        .where(Disbursement.tranche_id == Tranche.id)
        .scalar_subquery()
    )
    overdue = sa.or_(
        sa.exists().where(
            Milestone.order_id == ResearchOrder.id,
            Milestone.due_date < today,
            Milestone.completed_on.is_(None),
            Milestone.submitted_at.is_(None),
        ),
        sa.exists().where(
            Tranche.order_id == ResearchOrder.id,
            Tranche.due_date < today,
            Tranche.planned_amount > paid,
        ),
    )
    recorded = sa.exists().where(Tranche.order_id == ResearchOrder.id)
    last = (
        sa.select(OrderEvent.order_id, sa.func.max(OrderEvent.id).label("event_id"))
        .where(OrderEvent.action == Action.AWARD.value)
        .group_by(OrderEvent.order_id)
        .subquery()
    )
    award = aliased(OrderEvent)
    stmt = (
        sa.select(
            ResearchOrder.id, ResearchOrder.state, overdue, award.fields["end_date"],
            sa.case((~recorded, award.fields["payment_schedule"])),
        )
        .outerjoin(last, last.c.order_id == ResearchOrder.id)
        .outerjoin(award, award.id == last.c.event_id)
        .where(ResearchOrder.state.in_(SCHEDULED_STATES), *conditions)
        .order_by(ResearchOrder.id)
    )  # fmt: skip
    working = {S.AWARDED.value, S.IN_PROGRESS.value}
    on_time, late = [], []
    for order_id, state, is_overdue, end, schedule in db.session.execute(stmt):
        end = as_date(end)
        if is_overdue or (state in working and end is not None and end < today):
            late.append(order_id)
        elif schedule and any(
            planned.due_date and planned.due_date < today and planned.amount > 0
            for planned in contract_of({"payment_schedule": schedule}).schedule
        ):
            late.append(order_id)
        else:
            on_time.append(order_id)
    return tuple(on_time), tuple(late)


def list_late_orders(
    today: date | None = None,
) -> list[tuple[ResearchOrder, ScheduleStatus]]:
    """Every running order that is late on ``today``, with its reasons (for reminders)."""
    stmt = sa.select(ResearchOrder).where(ResearchOrder.state.in_(SCHEDULED_STATES))
    orders = db.session.scalars(stmt.order_by(ResearchOrder.id)).all()
    statuses = schedule_statuses(orders, today)
    return [
        (order, statuses[order.id]) for order in orders if statuses[order.id].is_late
    ]
