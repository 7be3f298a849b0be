"""Results of funded tasks: registered, applied, intellectual property filed, where they are applied."""

from __future__ import annotations

import sqlalchemy as sa

from matchmaker.extensions import db
from matchmaker.models import IPStatus, ResearchOrder, ResultRecord
from matchmaker.services import policy
from matchmaker.services.dashboard.records import RecordSet, count, figure, records_of
from matchmaker.services.dashboard.scope import Scope, scoped_orders
from matchmaker.services.dashboard.types import Figure, Row, Section, Table

WHERE_APPLIED_ROWS = 10


def _results(scope: Scope, *conditions) -> RecordSet:
    start, end = scope.period.bounds()
    orders = scoped_orders(scope)
    if (
        scope.public
    ):  # results are public once the order's results are (policy.results_are_public)
        orders = orders.where(ResearchOrder.state.in_(policy.PUBLIC_RESULT_STATES))
    stmt = sa.select(ResultRecord.id).where(
        ResultRecord.order_id.in_(orders),
        ResultRecord.created_at >= start,
        ResultRecord.created_at < end,
        *conditions,
    )
    return RecordSet("result", stmt)


@figure("results_registered", public=True)
def _registered(scope: Scope) -> RecordSet:
    return _results(scope)


@figure("results_applied", public=True)
def _applied(scope: Scope) -> RecordSet:
    return _results(scope, sa.func.trim(ResultRecord.applied_at) != "")


@figure("results_transferred", public=True)
def _transferred(scope: Scope) -> RecordSet:
    return _results(scope, sa.func.trim(ResultRecord.transferred_to) != "")


@figure("ip_filed", public=True)
def _ip_filed(scope: Scope) -> RecordSet:
    return _results(scope, ResultRecord.ip_kind.is_not(None))


@figure("ip_granted", public=True)
def _ip_granted(scope: Scope) -> RecordSet:
    return _results(scope, ResultRecord.ip_status == IPStatus.GRANTED)


def section(scope: Scope) -> Section:
    """The results section."""
    keys = (
        "results_registered", "results_applied", "results_transferred", "ip_filed", "ip_granted",
    )  # fmt: skip
    figures = tuple(
        Figure(key, count(records_of(key, scope)), records=key) for key in keys
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
