"""Data health ("đúng, đủ, sạch, sống"): records that stopped moving, or were closed without their evidence."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from matchmaker.models import (
    Milestone,
    NeedStatus,
    OrderEvent,
    ProgressReport,
    ResearcherProfile,
    ResearchOrder,
    TechNeed,
)
from matchmaker.services.dashboard.orders import needs_conditions
from matchmaker.services.dashboard.participation import profiles
from matchmaker.services.dashboard.records import RecordSet, counts, figure, records_of
from matchmaker.services.dashboard.scope import Scope, in_scope, scoped_orders, since
from matchmaker.services.dashboard.types import Figure, Section
from matchmaker.services.orders.work.common import SCHEDULED_STATES

SILENT_WORK_DAYS = 30  # no step, no report, a milestone overdue by this many days
STALE_NEED_DAYS = 180
STALE_PROFILE_DAYS = 365
OPEN_NEEDS = (NeedStatus.OPEN, NeedStatus.IN_DISCUSSION)


@figure("silent_work")
def _silent_work(scope: Scope) -> RecordSet:
    """Running orders with a milestone overdue by N days and neither a step nor a report in those N days."""
    cutoff = since(scope.today, SILENT_WORK_DAYS)
    overdue = sa.select(Milestone.order_id).where(
        Milestone.due_date <= scope.today - timedelta(days=SILENT_WORK_DAYS),
        Milestone.completed_on.is_(None),
        Milestone.submitted_at.is_(None),
    )
    recent_step = sa.select(OrderEvent.order_id).where(OrderEvent.created_at >= cutoff)
    recent_report = sa.select(ProgressReport.order_id).where(ProgressReport.created_at >= cutoff)  # fmt: skip
    stmt = scoped_orders(scope).where(
        ResearchOrder.state.in_(SCHEDULED_STATES),
        ResearchOrder.id.in_(overdue),
        ResearchOrder.id.not_in(recent_step),
        ResearchOrder.id.not_in(recent_report),
    )
    return RecordSet("order", stmt)


@figure("stale_needs")
def _stale_needs(scope: Scope) -> RecordSet:
    stmt = sa.select(TechNeed.id).where(
        TechNeed.status.in_(OPEN_NEEDS),
        TechNeed.updated_at < since(scope.today, STALE_NEED_DAYS),
        *needs_conditions(scope),
    )
    return RecordSet("need", stmt)


@figure("stale_profiles")
def _stale_profiles(scope: Scope) -> RecordSet:
    old = ResearcherProfile.updated_at < since(scope.today, STALE_PROFILE_DAYS)
    return RecordSet("profile", profiles(scope, old))


@figure("milestones_without_evidence")
def _milestones_without_evidence(scope: Scope) -> RecordSet:
    stmt = sa.select(Milestone.id).where(
        *in_scope(Milestone.order_id, scope),
        Milestone.completed_on.is_not(None),
        sa.func.trim(Milestone.evidence) == "",
    )
    return RecordSet("milestone", stmt)


def section(scope: Scope) -> Section:
    """The data health section: each figure a count of records to look at."""
    keys = (
        "silent_work",
        "stale_needs",
        "stale_profiles",
        "milestones_without_evidence",
    )
    values = counts(*(records_of(key, scope) for key in keys))  # one statement
    return Section("health", tuple(Figure(key, value, records=key) for key, value in zip(keys, values, strict=True)))  # fmt: skip
