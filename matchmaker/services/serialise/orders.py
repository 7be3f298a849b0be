"""Research orders (their public parts, or every part for staff) and the registered results of the tasks.

The internal audience (``policy.api_audience``: officials and administrators, on the API with a token)
gets the same record with its internal fields filled: every part, the money, which parts are internal,
what has been disbursed and whether the work keeps to its schedule. For the public they are ``null``.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from pydantic import Field

from matchmaker.extensions import db
from matchmaker.models import ResearchOrder, ResultRecord, User
from matchmaker.services import policy
from matchmaker.services.orders import work
from matchmaker.services.serialise.common import (
    InstitutionRef,
    Record,
    Timestamp,
    institution_ref,
    internal_field,
)


class Order(Record):
    """A research order the city placed. A part an official kept internal is ``null`` for the public."""

    id: int
    title: str
    state: str = Field(
        description="Lifecycle state, e.g. published, in_progress, closed."
    )
    agency: InstitutionRef | None
    beneficiary: str
    field_code: str | None = Field(
        description="National classification of research fields."
    )
    priority_area: str | None
    trl: int | None = Field(description="Technology readiness level sought (1-9).")
    duration_months: int | None
    selection_method: str | None
    application_deadline: Timestamp | None
    decision_number: str | None
    decision_date: date | None
    assignee_organisation: str | None
    principal_investigator: str | None
    contract_number: str | None
    need_id: int | None = Field(
        description="The enterprise need it answers, when that need is public."
    )
    necessity: str | None
    objectives: str | None
    main_content: str | None
    expected_products: str | None
    state_budget: int | None = Field(
        description="In đồng; null when the budget is internal."
    )
    cofunding: int | None
    contract_value: int | None
    created_at: Timestamp
    updated_at: Timestamp
    # Internal: null for the public.
    internal_parts: list[str] | None = internal_field(
        "the parts an official keeps from the public."
    )
    disbursed: int | None = internal_field(
        "disbursed so far, in đồng (0 before any tranche)."
    )
    schedule: str | None = internal_field(
        "on_schedule or late while the task runs, else null."
    )
    late_reasons: list[str] | None = internal_field(
        "why a running task is late (milestone_overdue, past_end_date, "
        "tranche_overdue)."
    )


_TEXT_PARTS = ("necessity", "objectives", "main_content", "expected_products")


def order(
    row: ResearchOrder,
    viewer: User | None = None,
    disbursed: int | None = None,
    schedule: work.ScheduleStatus | None = None,
) -> Order:
    """``row`` as ``viewer`` may read it (anonymous: the public parts of a published order).

    ``disbursed`` and ``schedule``, when a list has them already (``orders.listing``), spare the queries
    of the internal fields. Raises ``LookupError`` if ``viewer`` may not see the order at all.
    """
    if not policy.may_view_order(viewer, row):
        raise LookupError(row.id)
    internal = policy.api_audience(viewer) == "internal"
    if internal:
        schedule = schedule or work.schedule_status(row)
        if disbursed is None:
            disbursed = _disbursed(row)
    parts = policy.visible_order_parts(viewer, row)
    budget = "budget" in parts
    need = (
        row.need
        if row.need is not None and policy.may_view_need(viewer, row.need)
        else None
    )
    return Order(
        id=row.id, title=row.title, state=row.state, agency=institution_ref(row.agency),
        beneficiary=row.beneficiary or "", field_code=row.field_code, priority_area=row.priority_area,
        trl=row.trl, duration_months=row.duration_months, selection_method=row.selection_method,
        application_deadline=row.application_deadline, decision_number=row.decision_number,
        decision_date=row.decision_date, assignee_organisation=row.assignee_organisation,
        principal_investigator=row.pi.full_name if row.pi else None, contract_number=row.contract_number,
        need_id=need.id if need else None,
        **{part: (getattr(row, part) or "") if part in parts else None for part in _TEXT_PARTS},
        state_budget=row.state_budget if budget else None, cofunding=row.cofunding if budget else None,
        contract_value=row.contract_value if budget else None,
        created_at=row.created_at, updated_at=row.updated_at,
        internal_parts=sorted(row.internal_parts or ()) if internal else None,
        disbursed=int(disbursed or 0) if internal else None,
        schedule=("late" if schedule.is_late else "on_schedule") if internal and schedule.applies else None,
        late_reasons=[r.code.value for r in schedule.reasons] if internal and schedule.applies else None,
    )  # fmt: skip


def _disbursed(row: ResearchOrder) -> int:
    stmt = (
        sa.select(work.disbursed_total())
        .select_from(ResearchOrder)
        .where(ResearchOrder.id == row.id)
    )
    return int(db.session.scalar(stmt) or 0)


class Result(Record):
    """A registered result of an accepted task: the product, its IP filing, where it is applied."""

    id: int
    order_id: int
    order_title: str
    product: str
    description: str
    ip_kind: str | None = Field(
        description="patent, utility_solution, plant_variety or copyright."
    )
    ip_number: str
    ip_status: str | None = Field(description="filed, granted or expired.")
    applied_at: str
    beneficiary: str
    created_at: Timestamp


def result(row: ResultRecord, viewer: User | None = None) -> Result:
    """``row`` as ``viewer`` may read it; raises ``LookupError`` unless its order's results are public or
    ``viewer`` is staff."""
    parent = row.order
    if not (
        policy.is_staff(viewer)
        or (policy.may_view_order(viewer, parent) and policy.results_are_public(parent))
    ):
        raise LookupError(row.id)
    return Result(
        id=row.id, order_id=parent.id, order_title=parent.title, product=row.product,
        description=row.description or "", ip_kind=row.ip_kind.value if row.ip_kind else None,
        ip_number=row.ip_number or "", ip_status=row.ip_status.value if row.ip_status else None,
        applied_at=row.applied_at or "", beneficiary=row.beneficiary or "", created_at=row.created_at,
    )  # fmt: skip
