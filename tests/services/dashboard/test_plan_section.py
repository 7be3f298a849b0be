"""The dashboard's plan section: the register's standings (one definition), narrowed to an agency, with records."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from matchmaker.extensions import db
from matchmaker.models import PlanTask
from matchmaker.services import dashboard
from matchmaker.services.dashboard import Filters, Period, Scope, records
from tests.services.plan.test_standing import TODAY, plan  # noqa: F401 — the nine-task plan fixture

SCOPE = Scope(Period.year(TODAY.year), today=TODAY)


def _plan_values(scope: Scope) -> dict:
    return {
        f.key: f.value for f in dashboard.build_dashboard(scope).section("plan").figures
    }


def _codes(key: str, scope: Scope) -> set[str]:
    ids = records.record_ids(key, scope)
    return set(db.session.scalars(sa.select(PlanTask.code).where(PlanTask.id.in_(ids))))


def test_the_plan_line_is_computed_from_the_register(plan):  # noqa: F811
    assert _plan_values(SCOPE) == {
        "plan_tasks": 9, "plan_completed": 4, "plan_completed_on_time": 3, "plan_on_schedule": 2,
        "plan_late": 2, "plan_not_started": 1, "plan_on_time_rate": 75.0,
    }  # fmt: skip


def test_each_plan_figure_lists_exactly_the_tasks_it_counts(plan):  # noqa: F811
    assert _codes("plan_late", SCOPE) == {"A5", "B1"}
    assert _codes("plan_completed_on_time", SCOPE) == {"A1", "A2", "B4"}
    assert _codes("plan_on_schedule", SCOPE) == {"A4", "B3"}
    for key, value in _plan_values(SCOPE).items():
        if key != "plan_on_time_rate":
            assert len(records.record_ids(key, SCOPE)) == value, key


def test_the_agency_filter_keeps_the_tasks_it_leads(plan):  # noqa: F811
    scope = Scope(SCOPE.period, Filters(agency_id=plan["b"].id), today=TODAY)
    values = _plan_values(scope)
    assert (values["plan_tasks"], values["plan_late"], values["plan_on_time_rate"]) == (
        4,
        1,
        100.0,
    )
    assert _codes("plan_tasks", scope) == {"B1", "B2", "B3", "B4"}


def test_each_agency_has_its_row_and_on_time_rate(plan):  # noqa: F811
    table = dashboard.build_dashboard(SCOPE).section("plan").table("plan_by_agency")
    assert {row.label: row.values for row in table.rows} == {
        "Sở Khoa học": (5, 3, 1, 1, 0, 66.7),
        "Sở Nội vụ": (4, 1, 1, 1, 1, 100.0),
    }


def test_the_public_dashboard_has_no_plan(plan):  # noqa: F811
    public = Scope(SCOPE.period, today=TODAY, public=True)
    assert "plan" not in [s.key for s in dashboard.build_dashboard(public).sections]
    with pytest.raises(KeyError):
        records.records_of("plan_late", public)
