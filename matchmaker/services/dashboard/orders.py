"""Research orders: needs received, lifecycle steps taken in the period, the work's schedule, the funnel."""

from __future__ import annotations

import statistics

import sqlalchemy as sa

from matchmaker.extensions import db
from matchmaker.lifecycle import Action, OrderState
from matchmaker.models import (
    OrderEvent,
    Proposal,
    ProposalStatus,
    ResearchOrder,
    TechNeed,
)
from matchmaker.services import policy
from matchmaker.services.dashboard.days import local_day
from matchmaker.services.dashboard.records import (
    RecordSet,
    count,
    figure,
    ids_of,
    records_of,
)
from matchmaker.services.dashboard.scope import (
    Scope,
    in_scope,
    order_conditions,
    scoped_orders,
)
from matchmaker.services.dashboard.types import Figure, Row, Section, Table
from matchmaker.services.orders import work

# Figures counted by a lifecycle step taken in the period (the order's event), and whether they are public.
STEPS = {
    "approved": (Action.APPROVE, False),
    "published": (Action.PUBLISH, True),
    "awarded": (Action.AWARD, True),
    "accepted": (Action.ACCEPT, True),
    "not_accepted": (Action.NOT_ACCEPT, True),
    "closed_risk_accepted": (Action.CLOSE_WITH_RISK_ACCEPTED, True),
    "calls_closed": (Action.CLOSE_APPLICATIONS, True),
}
# The funnel: every state in the lifecycle's order, the ends that leave it last.
FUNNEL = tuple(state.value for state in OrderState)


def acted(scope: Scope, action: Action) -> sa.Select:
    """The ids of the orders in ``scope`` that took ``action`` during the period."""
    start, end = scope.period.bounds()
    steps = sa.select(OrderEvent.order_id).where(
        OrderEvent.action == action.value,
        OrderEvent.created_at >= start,
        OrderEvent.created_at < end,
    )
    return scoped_orders(scope).where(ResearchOrder.id.in_(steps))


def step_counts(scope: Scope, keys: list[str]) -> dict[str, int]:
    """The figures ``keys`` of ``STEPS`` in one grouped query: per action, the distinct orders in scope
    that took it during the period (what ``acted`` lists for each)."""
    start, end = scope.period.bounds()
    actions = {STEPS[key][0].value: key for key in keys}
    stmt = (
        sa.select(OrderEvent.action, sa.func.count(sa.distinct(OrderEvent.order_id)))
        .where(
            OrderEvent.action.in_(list(actions)),
            OrderEvent.created_at >= start,
            OrderEvent.created_at < end,
            *in_scope(OrderEvent.order_id, scope),
        )
        .group_by(OrderEvent.action)
    )
    counted = {actions[action]: int(n) for action, n in db.session.execute(stmt)}
    return {key: counted.get(key, 0) for key in keys}


def _step_builder(action: Action):
    return lambda scope: RecordSet("order", acted(scope, action))


for _key, (_action, _public) in STEPS.items():
    figure(_key, public=_public)(_step_builder(_action))


def _state_builder(state: str):
    return lambda scope: RecordSet(
        "order", scoped_orders(scope).where(ResearchOrder.state == state)
    )


for _state in FUNNEL:
    figure(f"state_{_state}", public=_state in policy.PUBLIC_STATES)(
        _state_builder(_state)
    )


def needs_conditions(scope: Scope) -> list[sa.ColumnElement[bool]]:
    """The SQL conditions on ``TechNeed`` for the scope's field and priority area (needs have no agency)."""
    conditions = []
    if scope.filters.field_code:
        conditions.append(TechNeed.field_code == scope.filters.field_code)
    if scope.filters.priority_area:
        conditions.append(TechNeed.priority_area == scope.filters.priority_area)
    return conditions


@figure("needs_received")
def _needs_received(scope: Scope) -> RecordSet:
    start, end = scope.period.bounds()
    stmt = sa.select(TechNeed.id).where(
        TechNeed.created_at >= start,
        TechNeed.created_at < end,
        *needs_conditions(scope),
    )
    return RecordSet("need", stmt)


def schedule_split(scope: Scope) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(on schedule, late): the running orders in scope on ``scope.today``, by the rules of
    ``work.schedule_statuses`` (``work.split_running``: one query, whatever the number of orders)."""
    on_time, late = work.split_running(order_conditions(scope), scope.today)
    return ids_of(on_time), ids_of(late)


@figure("on_schedule")
def _on_schedule(scope: Scope) -> RecordSet:
    return RecordSet("order", schedule_split(scope)[0])


@figure("late")
def _late(scope: Scope) -> RecordSet:
    return RecordSet("order", schedule_split(scope)[1])


def days_between(first: Action, then: Action, orders: sa.Select) -> list[int]:
    """Days (Cần Thơ dates) from each order's first ``first`` step to its first ``then`` step, for
    ``orders`` having both: one number per order, worked out in SQL."""

    def first_day(action: Action) -> sa.ColumnElement[int]:
        on_day = sa.case(
            (OrderEvent.action == action.value, local_day(OrderEvent.created_at))
        )
        return sa.func.min(on_day)

    stmt = (
        sa.select(first_day(then) - first_day(first))
        .where(OrderEvent.order_id.in_(orders), OrderEvent.action.in_([first.value, then.value]))
        .group_by(OrderEvent.order_id)
        .having(first_day(first).is_not(None), first_day(then).is_not(None))
    )  # fmt: skip
    return [int(days) for days in db.session.scalars(stmt)]


def proposals_per_call(scope: Scope) -> list[int]:
    """Proposals (not withdrawn) of each call whose applications closed in the period, zeros included."""
    counted = sa.and_(
        Proposal.order_id == ResearchOrder.id,
        Proposal.status != ProposalStatus.WITHDRAWN,
    )
    stmt = (
        sa.select(sa.func.count(Proposal.id))
        .select_from(ResearchOrder)
        .outerjoin(Proposal, counted)
        .where(ResearchOrder.id.in_(acted(scope, Action.CLOSE_APPLICATIONS)))
        .group_by(ResearchOrder.id)
    )
    return list(db.session.scalars(stmt))


def median(values: list[int]) -> float | None:
    return float(statistics.median(values)) if values else None


def mean(values: list[int]) -> float | None:
    return round(statistics.fmean(values), 2) if values else None


def section(scope: Scope) -> Section:
    """The research orders section (the public one: public steps of published orders only)."""
    steps = [
        key for key, (_action, public) in STEPS.items() if public or not scope.public
    ]
    counted = step_counts(scope, steps)
    figures = [Figure(key, counted[key], records=key) for key in steps]
    if not scope.public:
        on_time, late = schedule_split(scope)
        figures.insert(0, Figure("needs_received", count(records_of("needs_received", scope)), records="needs_received"))  # fmt: skip
        figures += [
            Figure("on_schedule", len(on_time), records="on_schedule"),
            Figure("late", len(late), records="late"),
        ]
        approval = days_between(Action.APPROVE, Action.PUBLISH, acted(scope, Action.PUBLISH))  # fmt: skip
        figures.append(Figure("days_approval_to_publication", median(approval), "days"))
    award = days_between(Action.PUBLISH, Action.AWARD, acted(scope, Action.AWARD))
    per_call = proposals_per_call(scope)
    figures += [
        Figure("days_publication_to_award", median(award), "days"),
        Figure("proposals_per_call_median", median(per_call), "number"),
        Figure("proposals_per_call_mean", mean(per_call), "number"),
    ]
    return Section("orders", tuple(figures), (funnel(scope),))


def funnel(scope: Scope) -> Table:
    """How many orders stand in each state now, in the lifecycle's order.

    One grouped query over the same conditions as each state's records (``state_<value>``).
    """
    states = [s for s in FUNNEL if not scope.public or s in policy.PUBLIC_STATES]
    stmt = (
        sa.select(ResearchOrder.state, sa.func.count(ResearchOrder.id))
        .where(*order_conditions(scope))
        .group_by(ResearchOrder.state)
    )
    counted = dict(db.session.execute(stmt).all())
    rows = tuple(
        Row(state, (int(counted.get(state, 0)),), f"state_{state}") for state in states
    )
    return Table("funnel", ("orders",), ("count",), rows)
