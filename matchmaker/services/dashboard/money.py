"""Money (VND): budget ordered, co-funding, contracts, disbursements by month, agency and field, tranches overdue."""

from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from matchmaker.extensions import db
from matchmaker.lifecycle import Action
from matchmaker.models import (
    Disbursement,
    Institution,
    OrderEvent,
    ResearchOrder,
    Tranche,
)
from matchmaker.services import reference
from matchmaker.services.dashboard.records import (
    RecordSet,
    answer,
    counting,
    figure,
    records_of,
    summing,
)
from matchmaker.services.dashboard.scope import Scope, in_scope, scoped_orders
from matchmaker.services.dashboard.types import Figure, Row, Section, Table
from matchmaker.services.orders.work.common import SCHEDULED_STATES


def _paid() -> sa.ScalarSelect:
    """What has been paid against a tranche, as a column of a query over ``Tranche``."""
    return (
        sa.select(sa.func.coalesce(sa.func.sum(Disbursement.amount), 0))
        .where(Disbursement.tranche_id == Tranche.id)
        .correlate(Tranche)
        .scalar_subquery()
    )


def _disbursements(scope: Scope, *conditions) -> sa.Select:
    return (
        sa.select(Disbursement.id)
        .join(Tranche, Tranche.id == Disbursement.tranche_id)
        .where(*in_scope(Tranche.order_id, scope), *conditions)
    )


@figure("disbursed")
def _disbursed(scope: Scope) -> RecordSet:
    period = scope.period
    return RecordSet("disbursement", _disbursements(
        scope, Disbursement.disbursed_on >= period.start, Disbursement.disbursed_on <= period.end
    ))  # fmt: skip


@figure("disbursed_cumulative")
def _disbursed_cumulative(scope: Scope) -> RecordSet:
    return RecordSet(
        "disbursement", _disbursements(scope, Disbursement.disbursed_on <= scope.period.end)
    )  # fmt: skip


def committed_orders(scope: Scope) -> sa.Select:
    """The ids of the orders in scope awarded (under contract) by the end of the period."""
    _start, end = scope.period.bounds()
    awards = sa.select(OrderEvent.order_id).where(
        OrderEvent.action == Action.AWARD.value, OrderEvent.created_at < end
    )
    return scoped_orders(scope).where(ResearchOrder.id.in_(awards))


@figure("committed")
def _committed(scope: Scope) -> RecordSet:
    return RecordSet("order", committed_orders(scope))


@figure("tranches_overdue")
def _tranches_overdue(scope: Scope) -> RecordSet:
    running = scoped_orders(scope).where(ResearchOrder.state.in_(SCHEDULED_STATES))
    stmt = sa.select(Tranche.id).where(
        Tranche.order_id.in_(running),
        Tranche.due_date < scope.today,
        Tranche.planned_amount > _paid(),
    )
    return RecordSet("tranche", stmt)


def section(scope: Scope) -> Section:
    """The money section (internal only: an order's budget may be marked internal)."""
    approved = records_of("approved", scope)
    overdue = records_of("tranches_overdue", scope)
    (
        budget,
        cofunding,
        contracted,
        paid,
        committed,
        cumulative,
        overdue_count,
        outstanding,
    ) = answer(
        summing(approved, ResearchOrder.state_budget),
        summing(approved, ResearchOrder.cofunding),
        summing(records_of("awarded", scope), ResearchOrder.contract_value),
        summing(records_of("disbursed", scope), Disbursement.amount),
        summing(records_of("committed", scope), ResearchOrder.contract_value),
        summing(records_of("disbursed_cumulative", scope), Disbursement.amount),
        counting(overdue),
        summing(overdue, Tranche.planned_amount - _paid()),
    )  # one statement
    share = round(100 * cumulative / committed, 1) if committed else None
    figures = (
        Figure("state_budget", budget, "vnd", "approved"),
        Figure("cofunding", cofunding, "vnd", "approved"),
        Figure("contract_value", contracted, "vnd", "awarded"),
        Figure("disbursed", paid, "vnd", "disbursed"),
        Figure("committed", committed, "vnd", "committed"),
        Figure("disbursed_cumulative", cumulative, "vnd", "disbursed_cumulative"),
        Figure("disbursed_share", share, "percent"),
        Figure("tranches_overdue", int(overdue_count), "count", "tranches_overdue"),
        Figure(
            "tranches_overdue_amount", int(outstanding or 0), "vnd", "tranches_overdue"
        ),
    )
    tables = (
        by_month(scope), by_group(scope, "agency"), by_group(scope, "field"), by_tranche(scope),
    )  # fmt: skip
    return Section("money", figures, tables)


def by_month(scope: Scope) -> Table:
    """Disbursed in each month of the period."""
    stmt = (
        sa.select(Disbursement.disbursed_on, sa.func.sum(Disbursement.amount))
        .where(Disbursement.id.in_(records_of("disbursed", scope).ids))
        .group_by(Disbursement.disbursed_on)
    )
    months: dict = defaultdict(int)
    for day, amount in db.session.execute(stmt):
        months[day.replace(day=1)] += int(amount or 0)
    rows = tuple(Row(month, (months.get(month, 0),)) for month in scope.period.months())
    return Table("by_month", ("disbursed",), ("vnd",), rows)


def by_group(scope: Scope, group: str) -> Table:
    """State budget, contract value and disbursed (to the end of the period) by agency or by field."""
    column = ResearchOrder.agency_id if group == "agency" else ResearchOrder.field_code
    budgets = db.session.execute(
        sa.select(column, sa.func.sum(ResearchOrder.state_budget), sa.func.sum(ResearchOrder.contract_value))
        .where(ResearchOrder.id.in_(committed_orders(scope)))
        .group_by(column)
    ).all()  # fmt: skip
    paid = dict(
        db.session.execute(
            sa.select(column, sa.func.sum(Disbursement.amount))
            .select_from(Disbursement)
            .join(Tranche, Tranche.id == Disbursement.tranche_id)
            .join(ResearchOrder, ResearchOrder.id == Tranche.order_id)
            .where(Disbursement.id.in_(records_of("disbursed_cumulative", scope).ids))
            .group_by(column)
        ).all()
    )
    names = _names(group, [key for key, *_rest in budgets])
    rows = sorted(
        (
            Row(names.get(key, ""), (int(budget or 0), int(value or 0), int(paid.get(key) or 0)))
            for key, budget, value in budgets
        ),
        key=lambda row: (-row.values[1], str(row.label)),
    )  # fmt: skip
    return Table(f"by_{group}", ("state_budget", "contract_value", "disbursed"), ("vnd",) * 3, tuple(rows))  # fmt: skip


def by_tranche(scope: Scope) -> Table:
    """Planned and disbursed by tranche number (1st, 2nd…), over the recorded tranches of the orders
    awarded up to the end of the period; disbursed counts the payments dated up to its end (the records of
    ``disbursed_cumulative``: every tranche here belongs to an order in scope).

    One query: the payments are summed per tranche first, then joined to the tranches and grouped by number.
    """
    paid = (
        sa.select(
            Disbursement.tranche_id, sa.func.sum(Disbursement.amount).label("amount")
        )
        .where(Disbursement.disbursed_on <= scope.period.end)
        .group_by(Disbursement.tranche_id)
        .subquery()
    )
    stmt = (
        sa.select(
            Tranche.number,
            sa.func.sum(Tranche.planned_amount),
            sa.func.sum(sa.func.coalesce(paid.c.amount, 0)),
        )
        .outerjoin(paid, paid.c.tranche_id == Tranche.id)
        .where(Tranche.order_id.in_(committed_orders(scope)))
        .group_by(Tranche.number)
        .order_by(Tranche.number)
    )
    rows = tuple(
        Row(_l("Tranche %(n)s", n=number), (int(planned or 0), int(done or 0)))
        for number, planned, done in db.session.execute(stmt)
    )
    return Table("by_tranche", ("planned", "disbursed"), ("vnd", "vnd"), rows)


def _names(group: str, keys: list) -> dict:
    if group == "field":
        return {key: reference.field_name(key) if key else "" for key in keys}
    stmt = sa.select(Institution.id, Institution.name_vi).where(
        Institution.id.in_(keys)
    )
    return dict(db.session.execute(stmt).all())
