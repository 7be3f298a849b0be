"""Results of funded tasks: registered, applied, intellectual property filed, where they are applied."""

from __future__ import annotations

import sqlalchemy as sa

from matchmaker.extensions import db
from matchmaker.models import IPStatus, ResearchOrder, ResultRecord
from matchmaker.services import policy
from matchmaker.services.dashboard.records import RecordSet, figure, records_of
from matchmaker.services.dashboard.scope import Scope, in_scope, scoped_orders
from matchmaker.services.dashboard.types import Figure, Row, Section, Table

WHERE_APPLIED_ROWS = 10


def _conditions(scope: Scope) -> list[sa.ColumnElement[bool]]:
    """The results of the orders in scope registered during the period (the public: of public results)."""
    start, end = scope.period.bounds()
    conditions = [ResultRecord.created_at >= start, ResultRecord.created_at < end]
    if (
        scope.public
    ):  # results are public once the order's results are (policy.results_are_public)
        orders = scoped_orders(scope).where(ResearchOrder.state.in_(policy.PUBLIC_RESULT_STATES))  # fmt: skip
        return [ResultRecord.order_id.in_(orders), *conditions]
    return [*in_scope(ResultRecord.order_id, scope), *conditions]


# What each figure adds to the results in scope.
KINDS = {
    "results_registered": None,
    "results_applied": lambda: sa.func.trim(ResultRecord.applied_at) != "",
    "results_transferred": lambda: sa.func.trim(ResultRecord.transferred_to) != "",
    "ip_filed": lambda: ResultRecord.ip_kind.is_not(None),
    "ip_granted": lambda: ResultRecord.ip_status == IPStatus.GRANTED,
}


def _results(scope: Scope, *conditions) -> RecordSet:
    stmt = sa.select(ResultRecord.id).where(*_conditions(scope), *conditions)
    return RecordSet("result", stmt)


@figure("results_registered", public=True)
def _registered(scope: Scope) -> RecordSet:
    return _results(scope)


@figure("results_applied", public=True)
def _applied(scope: Scope) -> RecordSet:
    return _results(scope, KINDS["results_applied"]())


@figure("results_transferred", public=True)
def _transferred(scope: Scope) -> RecordSet:
    return _results(scope, KINDS["results_transferred"]())


@figure("ip_filed", public=True)
def _ip_filed(scope: Scope) -> RecordSet:
    return _results(scope, KINDS["ip_filed"]())


@figure("ip_granted", public=True)
def _ip_granted(scope: Scope) -> RecordSet:
    return _results(scope, KINDS["ip_granted"]())


def section(scope: Scope) -> Section:
    """The results section: its five counts in one query, by the conditions of each figure's records."""
    columns = [
        sa.func.count(ResultRecord.id) if kind is None else sa.func.coalesce(sa.func.sum(sa.case((kind(), 1), else_=0)), 0)
        for kind in KINDS.values()
    ]  # fmt: skip
    row = db.session.execute(sa.select(*columns).where(*_conditions(scope))).one()
    figures = tuple(
        Figure(key, int(value or 0), records=key)
        for key, value in zip(KINDS, row, strict=True)
    )
    return Section("results", figures, (where_applied(scope),))


def where_applied(scope: Scope) -> Table:
    """The places results were applied most often (as written on the records)."""
    place = sa.func.trim(ResultRecord.applied_at)
    stmt = (
        sa.select(place, sa.func.count(ResultRecord.id))
        .where(ResultRecord.id.in_(records_of("results_applied", scope).ids))
        .group_by(place)
        .order_by(sa.func.count(ResultRecord.id).desc(), place)
        .limit(WHERE_APPLIED_ROWS)
    )
    rows = tuple(Row(name, (int(n),)) for name, n in db.session.execute(stmt))
    return Table("where_applied", ("results",), ("count",), rows)
