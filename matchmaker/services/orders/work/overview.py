"""Everything the work page shows of one order, gathered in one call."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from matchmaker import lifecycle
from matchmaker.lifecycle import Action, Entry
from matchmaker.models import (
    Milestone,
    OrderEvent,
    ProgressReport,
    ResearchOrder,
    ResultRecord,
)
from matchmaker.services.orders import lifecycle as orders
from matchmaker.services.orders.work.milestones import list_milestones, list_reports
from matchmaker.services.orders.work.payments import (
    Contract,
    Totals,
    TrancheLine,
    contract,
    totals,
    tranche_lines,
)
from matchmaker.services.orders.work.results import list_results
from matchmaker.services.orders.work.schedule import (
    ScheduleStatus,
    is_overdue,
    schedule_status,
)


@dataclass(frozen=True)
class WorkOverview:
    """Everything the work page shows of one order."""

    contract: Contract | None
    milestones: list[Milestone]
    tranches: list[TrancheLine]
    totals: Totals
    reports: list[ProgressReport]
    status: ScheduleStatus
    mid_term_checks: list[OrderEvent]
    acceptance: list[OrderEvent]
    results: list[ResultRecord]
    registration_number: str
    overdue: frozenset[int]  # ids of the milestones that make the order late
    # Milestone id → the step that sent its deliverable back, while it waits to be handed in again.
    sent_back: dict[int, OrderEvent]


def _sent_back(
    milestones: list[Milestone], events: list[OrderEvent]
) -> dict[int, OrderEvent]:
    waiting = {
        m.id for m in milestones if m.submitted_at is None and not m.is_completed
    }
    found: dict[int, OrderEvent] = {}
    for event in events:  # oldest first: the last one sent back wins
        if event.action == Entry.DELIVERABLE_RETURNED.value:
            milestone_id = event.fields.get("milestone_id")
            if milestone_id in waiting:
                found[milestone_id] = event
    return found


def work_overview(order: ResearchOrder, today: date | None = None) -> WorkOverview:
    """Milestones, money, reports, schedule status, checks, acceptance and results of ``order``."""
    events = orders.history(order)
    status = schedule_status(order, today)
    milestones = list_milestones(order)
    registered = [e for e in events if e.action == Action.REGISTER_RESULTS.value]
    verdicts = {
        Action.ACCEPT.value,
        Action.NOT_ACCEPT.value,
        Action.REQUEST_ACCEPTANCE.value,
    }
    return WorkOverview(
        contract=contract(order), milestones=milestones, tranches=tranche_lines(order),
        totals=totals(order), reports=list_reports(order), status=status,
        mid_term_checks=[e for e in events if e.action == lifecycle.Step.MID_TERM_CHECK.value],
        acceptance=[e for e in events if e.action in verdicts], results=list_results(order),
        registration_number=str(registered[-1].fields.get("registration_number") or "") if registered else "",
        overdue=frozenset(m.id for m in milestones if status.applies and is_overdue(m, status.today)),
        sent_back=_sent_back(milestones, events),
    )  # fmt: skip
