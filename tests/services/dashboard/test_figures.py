"""The dashboard's figures on a hand-built city (tests/fixtures/dashboard.py), each worked out by hand."""

from __future__ import annotations

from datetime import date

import pytest

from matchmaker.services import dashboard
from matchmaker.services.dashboard import (
    Filters,
    Period,
    Scope,
    catalogue,
    orders,
    records,
)
from matchmaker.services.reference import HOME_PROVINCE
from tests.fixtures.dashboard import FIELD, REGIONAL, TODAY

YEAR = Scope(Period.year(2027), today=TODAY)
M = 1_000_000

EXPECTED_2027 = {
    # the action plan: this city has no plan tasks (tests/services/dashboard/test_plan_section.py has some)
    "plan_tasks": 0, "plan_completed": 0, "plan_completed_on_time": 0, "plan_on_schedule": 0, "plan_late": 0,
    "plan_not_started": 0, "plan_on_time_rate": None,
    # orders: steps taken in 2027, the work's schedule on 30 June 2027, medians of the 2027 steps
    "needs_received": 1, "approved": 2, "published": 2, "awarded": 2, "accepted": 1, "not_accepted": 1,
    "closed_risk_accepted": 1, "calls_closed": 1, "on_schedule": 1, "late": 1,
    "days_approval_to_publication": 4.0,  # O2: 7 days, O6: 1 day
    "days_publication_to_award": 76.5,  # O1: 92 days (10 Oct → 10 Jan), O2: 61 days
    "proposals_per_call_median": 2.0, "proposals_per_call_mean": 2.0,
    # money
    "state_budget": 500 * M + 777_777_777, "cofunding": 50 * M, "contract_value": 1400 * M,
    "disbursed": 600 * M, "committed": 1900 * M, "disbursed_cumulative": 900 * M,
    "disbursed_share": 47.4, "tranches_overdue": 1, "tranches_overdue_amount": 200 * M,
    # results
    "results_registered": 3, "results_applied": 2, "results_transferred": 1, "ip_filed": 2, "ip_granted": 1,
    # participation (O2's two proposals; Tây Đô is in Vĩnh Long, a regional institution)
    "proposals_submitted": 2, "researchers_taking_part": 2, "institutions_taking_part": 2,
    "regional_institutions_taking_part": 1,
    "enterprises_taking_part": 1, "interests_expressed": 1, "profiles_total": 3, "profiles_complete": 1,
    "profiles_complete_share": 33.3,
    # data health
    "silent_work": 1, "stale_needs": 1, "stale_profiles": 1, "milestones_without_evidence": 1,
}  # fmt: skip


def _values(scope: Scope) -> dict:
    board = dashboard.build_dashboard(scope)
    return {f.key: f.value for s in board.sections for f in s.figures}


def _rows(scope: Scope, section: str, table: str) -> list:
    found = dashboard.build_dashboard(scope).section(section).table(table)
    return [(row.label, row.values) for row in found.rows]


def test_every_figure_of_2027(city):
    assert _values(YEAR) == EXPECTED_2027


def test_funnel_counts_orders_by_current_state_in_lifecycle_order(city):
    rows = _rows(YEAR, "orders", "funnel")
    assert [label for label, _v in rows][:4] == [
        "draft",
        "submitted",
        "approved",
        "published",
    ]
    assert {label: v[0] for label, v in rows if v[0]} == {
        "draft": 1, "published": 1, "in_progress": 2, "results_registered": 1,
        "closed_risk_accepted": 1,
    }  # fmt: skip


def test_money_by_month_agency_and_field(city):
    months = dict(_rows(YEAR, "money", "by_month"))
    assert len(months) == 12 and months[date(2027, 2, 1)] == (400 * M,)
    assert months[date(2027, 4, 1)] == (200 * M,)
    assert sum(v[0] for v in months.values()) == 600 * M
    assert _rows(YEAR, "money", "by_agency") == [
        ("Sở Khoa học và Công nghệ", (1300 * M, 1400 * M, 600 * M)),
        ("Sở Nông nghiệp", (500 * M, 500 * M, 300 * M)),
    ]
    assert [values for _label, values in _rows(YEAR, "money", "by_field")] == [
        (800 * M, 900 * M, 400 * M), (500 * M, 500 * M, 300 * M), (500 * M, 500 * M, 200 * M),
    ]  # fmt: skip


def test_where_results_are_applied(city):
    assert _rows(YEAR, "results", "where_applied") == [("HTX Thới Lai", (2,))]


def test_the_period_changes_the_period_figures_only(city):
    last_year = _values(Scope(Period.year(2026), today=TODAY))
    assert {
        k: last_year[k] for k in ("approved", "published", "awarded", "accepted")
    } == {
        "approved": 3,
        "published": 3,
        "awarded": 2,
        "accepted": 0,
    }
    assert (last_year["disbursed"], last_year["committed"], last_year["disbursed_cumulative"]) == (
        300 * M, 500 * M, 300 * M,
    )  # fmt: skip
    # the schedule and data health are as of today, whatever the period
    assert (last_year["late"], last_year["stale_needs"]) == (1, 1)
    first_quarter = _values(Scope(Period.quarter(2027, 1), today=TODAY))
    assert {
        k: first_quarter[k] for k in ("approved", "awarded", "accepted", "disbursed")
    } == {
        "approved": 1,
        "awarded": 2,
        "accepted": 1,
        "disbursed": 400 * M,
    }


def test_an_agency_filter_keeps_that_agencys_orders(city):
    values = _values(Scope(Period.year(2027), Filters(agency_id=city.agency.id), TODAY))
    changed = {
        "accepted": 0, "not_accepted": 0, "closed_risk_accepted": 0, "committed": 1400 * M,
        "disbursed_cumulative": 600 * M, "disbursed_share": 42.9, "results_registered": 0,
        "results_applied": 0, "ip_filed": 0, "ip_granted": 0,
    }  # fmt: skip
    assert {key: values[key] for key in changed} == changed
    same = (
        "approved",
        "published",
        "awarded",
        "state_budget",
        "contract_value",
        "disbursed",
        "late",
    )
    assert {key: values[key] for key in same} == {
        key: EXPECTED_2027[key] for key in same
    }
    other = _values(Scope(Period.year(2027), Filters(agency_id=city.farm.id), TODAY))
    assert (other["approved"], other["accepted"], other["results_registered"]) == (
        0,
        1,
        3,
    )


def test_field_and_institution_filters(city):
    field = _values(Scope(Period.year(2027), Filters(field_code=FIELD), TODAY))
    assert (field["awarded"], field["needs_received"], field["profiles_total"]) == (
        1,
        1,
        2,
    )
    team = _values(Scope(Period.year(2027), Filters(institution_id=city.tdu.id), TODAY))
    assert (team["awarded"], team["proposals_submitted"], team["profiles_total"]) == (
        0,
        0,
        1,
    )


def _figures_with_records(scope: Scope):
    board = dashboard.build_dashboard(scope)
    for section in board.sections:
        for found in section.figures:
            if found.records == found.key and found.unit == "count":
                yield found
        for table in section.tables:
            for row in table.rows:
                if row.records:
                    yield dashboard.Figure(
                        row.records, row.values[0], records=row.records
                    )


@pytest.mark.parametrize("public", [False, True])
def test_each_figure_lists_exactly_as_many_records_as_it_counts(city, public):
    for scope in (Scope(Period.year(2027), today=TODAY, public=public),
                  Scope(Period.year(2027), Filters(agency_id=city.agency.id), TODAY, public)):  # fmt: skip
        checked = list(_figures_with_records(scope))
        assert len(checked) > 10
        for found in checked:
            assert len(records.record_ids(found.key, scope)) == found.value, found.key


def test_money_is_the_sum_over_its_listed_records(city):
    listed = records.list_records("disbursed", YEAR).items
    assert sum(d.amount for d in listed) == EXPECTED_2027["disbursed"]
    committed = records.list_records("committed", YEAR).items
    assert sum(o.contract_value for o in committed) == EXPECTED_2027["committed"]


def test_records_are_the_right_ones(city):
    ids = lambda key: records.record_ids(key, YEAR)  # noqa: E731
    assert ids("late") == [city.O1.id] and ids("on_schedule") == [city.O2.id]
    assert ids("awarded") == [city.O1.id, city.O2.id]
    assert ids("approved") == [city.O2.id, city.O6.id]
    assert ids("silent_work") == [city.O1.id]
    assert ids("state_draft") == [city.O5.id]


def test_the_public_dashboard_has_public_figures_only(city):
    board = dashboard.build_dashboard(
        Scope(Period.year(2027), today=TODAY, public=True)
    )
    assert [s.key for s in board.sections] == ["orders", "results"]
    values = {f.key: f.value for s in board.sections for f in s.figures}
    assert values == {
        "published": 2, "awarded": 2, "accepted": 1, "not_accepted": 1, "closed_risk_accepted": 1,
        "calls_closed": 1, "days_publication_to_award": 76.5, "proposals_per_call_median": 2.0,
        "proposals_per_call_mean": 2.0, "results_registered": 3, "results_applied": 2,
        "results_transferred": 1, "ip_filed": 2,
        "ip_granted": 1,
    }  # fmt: skip
    states = [row.label for row in board.section("orders").table("funnel").rows]
    assert "draft" not in states and "approved" not in states and "published" in states
    assert not records.is_known("approved", public=True)
    assert not records.is_known("state_draft", public=True)


@pytest.mark.parametrize(
    ("args", "messages"),
    [
        ({}, 0),
        ({"period": "quarter", "year": "2027", "quarter": "2"}, 0),
        ({"period": "decade"}, 1),
        ({"period": "quarter", "year": "2027", "quarter": "9"}, 1),
        ({"period": "custom", "from": "2027-05-01", "to": "2027-01-01"}, 1),
        ({"year": "99999999999"}, 1),
        (
            {
                "field": "nope",
                "area": "moon",
                "agency": "x",
                "institution": "999",
                "province": "Mars",
            },
            5,
        ),
        ({"province": "An Giang"}, 0),
    ],
)
def test_bad_query_values_fall_back_to_defaults_with_a_message(city, args, messages):
    parsed = dashboard.parse_args(args, TODAY)
    assert len(parsed.messages) == messages
    if messages:
        assert parsed.filters == Filters() or parsed.period.kind != "custom"


def test_query_values_are_read(city):
    parsed = dashboard.parse_args(
        {"period": "custom", "from": "2027-02-01", "to": "2027-03-31", "field": FIELD,
         "agency": str(city.agency.id), "institution": str(city.ctu.id)}, TODAY,
    )  # fmt: skip
    assert parsed.period == Period(date(2027, 2, 1), date(2027, 3, 31), "custom")
    assert parsed.filters == Filters(FIELD, None, city.agency.id, city.ctu.id)
    assert parsed.messages == ()
    assert dashboard.parse_args({}, TODAY).period == Period.year(2027)
    # an agency is not a performing institution, and an institution is not an agency
    wrong = dashboard.parse_args({"agency": str(city.ctu.id), "institution": str(city.agency.id)}, TODAY)  # fmt: skip
    assert wrong.filters == Filters() and len(wrong.messages) == 2


def test_a_province_filter_keeps_the_teams_and_participants_of_that_province(city):
    regional = _values(Scope(Period.year(2027), Filters(province=REGIONAL), TODAY))
    # every order's team (principal investigator) is at Cần Thơ University: no order is Vĩnh Long's
    assert (
        regional["awarded"],
        regional["results_registered"],
        regional["disbursed"],
    ) == (0, 0, 0)
    # participants: the rival's proposal to O2 from Tây Đô; the member's profile at Tây Đô
    assert {key: regional[key] for key in (
        "proposals_submitted", "researchers_taking_part", "institutions_taking_part",
        "regional_institutions_taking_part", "profiles_total", "profiles_complete",
    )} == {
        "proposals_submitted": 1, "researchers_taking_part": 1, "institutions_taking_part": 1,
        "regional_institutions_taking_part": 1, "profiles_total": 1, "profiles_complete": 0,
    }  # fmt: skip
    home = _values(Scope(Period.year(2027), Filters(province=HOME_PROVINCE), TODAY))
    assert (
        home["awarded"],
        home["results_transferred"],
        home["proposals_submitted"],
    ) == (2, 1, 1)
    assert (
        home["institutions_taking_part"],
        home["regional_institutions_taking_part"],
    ) == (1, 0)
    assert (
        home["profiles_total"] == 1
    )  # the PI's; the old researcher has no institution


def test_new_figures_list_the_right_records(city):
    ids = lambda key, scope=YEAR: records.record_ids(key, scope)  # noqa: E731
    assert ids("regional_institutions_taking_part") == [city.tdu.id]
    transferred = records.list_records("results_transferred", YEAR).items
    assert [r.product for r in transferred] == ["Giống OM-1"]
    public = Scope(Period.year(2027), today=TODAY, public=True)
    assert records.is_known("results_transferred", public=True)
    assert len(ids("results_transferred", public)) == 1
    assert not records.is_known("regional_institutions_taking_part", public=True)


def test_money_by_tranche(city):
    """Recorded tranches of O1..O4 (awarded by the end of 2027); O4's were never recorded (no payment)."""
    rows = [
        (str(label), values) for label, values in _rows(YEAR, "money", "by_tranche")
    ]
    assert [values for _label, values in rows] == [
        (
            600 * M + 500 * M + 300 * M,
            400 * M + 200 * M + 300 * M,
        ),  # O1, O2, O3's first tranches
        (300 * M, 0),  # O1's second, due at the end of 2027
    ]
    assert rows[0][0].endswith("1") and rows[1][0].endswith("2")
    agency = Scope(Period.year(2027), Filters(agency_id=city.agency.id), TODAY)
    assert [v for _l, v in _rows(agency, "money", "by_tranche")] == [
        (1100 * M, 600 * M),
        (300 * M, 0),
    ]


def test_the_figures_as_of_today_list_the_same_records_whatever_the_period(city):
    """The records page says "as of <date>" for these figures, instead of the period: it must be true."""
    periods = [Period.year(2027), Period.year(2020), Period.quarter(2027, 1)]
    keys = sorted(catalogue.AS_OF_TODAY) + [f"state_{state}" for state in orders.FUNNEL]
    for key in keys:
        listed = [
            records.record_ids(key, Scope(period, today=TODAY)) for period in periods
        ]
        assert listed[0] == listed[1] == listed[2], key
    assert not catalogue.is_as_of_today("awarded") and catalogue.is_as_of_today(
        "state_draft"
    )
    assert records.record_ids("awarded", Scope(Period.year(2020), today=TODAY)) == []
