"""The dashboard's cost: a build runs a fixed number of SQL queries, however many orders the city has."""

from __future__ import annotations

import sqlalchemy as sa

from matchmaker.extensions import db
from matchmaker.services import dashboard
from matchmaker.services.dashboard import Filters, Period, Scope
from tests.fixtures.dashboard import TODAY, City, award_fields

# Queries per section of the officials' board (SQLite and PostgreSQL alike), counted when this was written:
# plan 2 (standings, per agency), orders 7 (steps, needs, the running orders' schedule, two medians, proposals
# per call, funnel), money 8 (the totals and the overdue tranches in one statement, by month, by agency and by
# field with their names, by tranche), results 2, participation 2 (the counts in one statement, profiles),
# health 1 — 22. Each query answers one figure or one table for every order at once; the bound leaves room
# for two more, and fails on a query per order or per row.
QUERY_BOUND = 24


def _queries(scope: Scope) -> int:
    statements: list[str] = []

    def note(*args, into=statements):
        into.append(args[2])

    sa.event.listen(db.engine, "before_cursor_execute", note)
    try:
        dashboard.build_dashboard(scope)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", note)
    return len(statements)


def _more_orders(city, count: int) -> None:
    """``count`` more orders, each published, awarded with two tranches, paid in part, with a milestone."""
    walk = City(city.people)
    for n in range(count):
        order = walk.publish(f"Thêm {n}", city.agency, ("2027-01-05", "2027-01-08", "2027-01-15"), "2027-02-15",
                             field_code="101", state_budget=100_000_000)  # fmt: skip
        walk.award(order, "2027-02-16", [(city.people.pi, city.ctu, "2027-01-20", [])], "2027-03-17",
                   award_fields(100_000_000, [(50_000_000, "2027-04-01"), (50_000_000, "2027-12-01")],
                                "2027-04-01", "2028-03-31"))  # fmt: skip
        walk.pay(order, 1, 20_000_000, "2027-04-10")


def test_a_build_runs_the_same_queries_whatever_the_number_of_orders(city):
    scopes = [
        Scope(Period.year(2027), today=TODAY),
        Scope(
            Period.year(2027),
            Filters(field_code="101", agency_id=city.agency.id),
            TODAY,
        ),
        Scope(Period.year(2027), today=TODAY, public=True),
        Scope(Period.year(2027), Filters(field_code="101"), TODAY, public=True),
    ]
    before = [_queries(scope) for scope in scopes]
    awarded = dashboard.build_dashboard(scopes[0]).value("awarded")
    _more_orders(city, 3)
    db.session.expire_all()
    assert dashboard.build_dashboard(scopes[0]).value("awarded") == awarded + 3
    assert [_queries(scope) for scope in scopes] == before
    assert max(before) <= QUERY_BOUND, before
