"""Whether a running order keeps to its schedule, and why not."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from matchmaker import formatting
from matchmaker.extensions import db
from matchmaker.models import Milestone, ResearchOrder
from matchmaker.services.orders.work.common import (
    SCHEDULED_STATES,
    S,
    vietnam_today,
)
from matchmaker.services.orders.work.milestones import list_milestones
from matchmaker.services.orders.work.payments import contract, tranche_lines


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
    today = today or vietnam_today()
    if order.state not in SCHEDULED_STATES:
        return ScheduleStatus(applies=False, today=today)
    reasons = [
        LateReason(Lateness.MILESTONE_OVERDUE, m.title, m.due_date)
        for m in list_milestones(order)
        if is_overdue(m, today)
    ]
    terms = contract(order)
    working = order.state in {S.AWARDED.value, S.IN_PROGRESS.value}
    if working and terms and terms.end_date and terms.end_date < today:
        reasons.append(LateReason(Lateness.PAST_END_DATE, terms.number, terms.end_date))
    reasons += [
        LateReason(
            Lateness.TRANCHE_OVERDUE, str(line.tranche.number), line.tranche.due_date
        )
        for line in tranche_lines(order)
        if line.tranche.due_date
        and line.tranche.due_date < today
        and line.remaining > 0
    ]
    return ScheduleStatus(applies=True, today=today, reasons=tuple(reasons))


def list_late_orders(
    today: date | None = None,
) -> list[tuple[ResearchOrder, ScheduleStatus]]:
    """Every running order that is late on ``today``, with its reasons (for reminders)."""
    stmt = sa.select(ResearchOrder).where(ResearchOrder.state.in_(SCHEDULED_STATES))
    found = []
    for order in db.session.scalars(stmt.order_by(ResearchOrder.id)).all():
        status = schedule_status(order, today)
        if status.is_late:
            found.append((order, status))
    return found
