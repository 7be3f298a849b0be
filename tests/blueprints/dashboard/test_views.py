"""The dashboard's pages: who sees what, filters from the address, records behind figures, the workbook."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from matchmaker.extensions import db
from matchmaker.models import Disbursement, Role
from matchmaker.services import dashboard
from matchmaker.services.dashboard import Filters, Period, Scope, records
from tests.fixtures.dashboard import TODAY


@pytest.fixture
def frozen_today(monkeypatch):
    """The dashboard's "today" is the dataset's: its schedule and data health are as of 30 June 2027."""
    monkeypatch.setattr(dashboard, "local_today", lambda: TODAY)


@pytest.fixture
def official_client(client, city, auth, frozen_today):
    auth.login(city.people.official.email)
    return client


def _figure(html: str, key: str) -> str:
    found = re.search(rf'id="figure-{key}".*?data-value="([^"]*)"', html, re.S)
    assert found, key
    return found.group(1)


def test_officials_see_every_section_with_links_to_records(official_client, city):
    html = official_client.get("/dashboard/?year=2027").get_data(as_text=True)
    for section in ("plan", "orders", "money", "results", "participation", "health"):
        assert f'id="section-{section}"' in html
    assert _figure(html, "awarded") == "2" and _figure(html, "disbursed") == "600000000"
    assert "/dashboard/records/awarded?period=year&amp;year=2027" in html
    assert 'role="img"' in html and "<caption" in html


def test_an_agency_filter_in_the_address_changes_the_figures(official_client, city):
    html = official_client.get(f"/dashboard/?year=2027&agency={city.farm.id}").get_data(as_text=True)  # fmt: skip
    assert _figure(html, "awarded") == "0" and _figure(html, "accepted") == "1"
    assert f"agency={city.farm.id}" in html


def test_bad_filters_show_a_message_and_the_defaults(official_client, city):
    response = official_client.get(
        "/dashboard/?period=decade&agency=%00x&field=zz&year=-1"
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.count('class="alert alert-warning"') == 3


@pytest.mark.parametrize("role", [Role.RESEARCHER, Role.ENTERPRISE])
def test_others_are_refused_the_full_dashboard(client, auth, city, role):
    auth.login_as(role)
    assert client.get("/dashboard/").status_code == 403
    assert client.get("/dashboard/records/approved").status_code == 403
    assert client.get("/dashboard/export.xlsx").status_code == 403


def test_a_records_page_lists_exactly_what_its_figure_counts(official_client, city):
    scope = Scope(Period.year(2027), Filters(agency_id=city.agency.id), TODAY)
    board = dashboard.build_dashboard(scope)
    for key in ("approved", "awarded", "late", "on_schedule", "disbursed", "stale_needs", "state_in_progress"):  # fmt: skip
        html = official_client.get(f"/dashboard/records/{key}?year=2027&agency={city.agency.id}").get_data(as_text=True)  # fmt: skip
        listed = sorted(int(i) for i in re.findall(r'<tr data-id="(\d+)"', html))
        assert listed == records.record_ids(key, scope), key
        if key.startswith("state_"):
            continue
        found = next(f for s in board.sections for f in s.figures if f.key == key)
        if found.unit == "count":
            assert len(listed) == found.value, key


def test_unknown_figures_are_not_found(official_client, city):
    assert official_client.get("/dashboard/records/nope").status_code == 404
    assert official_client.get("/dashboard/public/records/approved").status_code == 404
    assert (
        official_client.get("/dashboard/public/records/state_draft").status_code == 404
    )


def test_the_public_version_shows_no_money_and_nothing_internal(
    client, city, frozen_today
):
    html = client.get("/dashboard/public?year=2027").get_data(as_text=True)
    assert 'id="section-orders"' in html and 'id="section-results"' in html
    assert 'id="section-money"' not in html and 'id="section-health"' not in html
    # O6's budget is marked internal; the draft O5 is not published
    assert "777" not in html and "O5 Bản nháp" not in html
    assert _figure(html, "published") == "2"
    listing = client.get("/dashboard/public/records/published?year=2027").get_data(
        as_text=True
    )
    assert "O6 Đô thị thông minh" in listing and "777" not in listing
    assert "Bản nháp" not in client.get("/dashboard/public/records/awarded?year=2026").get_data(as_text=True)  # fmt: skip


def test_definitions_explain_every_figure(client, app):
    html = client.get("/dashboard/definitions").get_data(as_text=True)
    for keys in dashboard.catalogue.SECTION_FIGURES.values():
        for key in keys:
            assert f'id="def-{key}"' in html


def test_the_workbook_holds_the_services_figures(official_client, city):
    response = official_client.get(
        f"/dashboard/export.xlsx?year=2027&agency={city.agency.id}"
    )
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    board = dashboard.build_dashboard(Scope(Period.year(2027), Filters(agency_id=city.agency.id), TODAY))  # fmt: skip
    assert len(book.sheetnames) == len(board.sections) == 6  # the plan section first
    for sheet, section in zip(book.worksheets, board.sections, strict=True):
        assert sheet["B2"].value.date() == date(2027, 1, 1)
        values = {}
        for row in sheet.iter_rows(values_only=True):
            values.setdefault(row[0], row[1] if len(row) > 1 else None)
        for found in section.figures:
            label = str(dashboard.catalogue.FIGURES[found.key].label)
            assert values[label] == found.value, found.key
    money = book.worksheets[2]
    february = next(r for r in money.iter_rows() if r[0].value is not None and hasattr(r[0].value, "month") and r[0].value.month == 2 and r[0].row > 5)  # fmt: skip
    assert february[1].value == 400_000_000 and "#,##0" in february[1].number_format


@pytest.mark.parametrize(
    "key", ["results_transferred", "regional_institutions_taking_part"]
)
def test_the_new_figures_open_their_records(official_client, city, key):
    html = official_client.get("/dashboard/?year=2027").get_data(as_text=True)
    assert _figure(html, key) == "1"
    page = official_client.get(f"/dashboard/records/{key}?year=2027").get_data(
        as_text=True
    )
    assert ("Giống OM-1" if key == "results_transferred" else city.tdu.name_vi) in page


def test_the_province_filter_is_read_from_the_address(official_client, city):
    html = official_client.get(
        "/dashboard/?year=2027&province=V%C4%A9nh+Long"
    ).get_data(as_text=True)
    assert (
        _figure(html, "awarded") == "0" and _figure(html, "proposals_submitted") == "1"
    )
    assert '<option value="Vĩnh Long" selected' in html


def test_the_workbook_has_the_new_figures_and_the_tranche_table(official_client, city):
    response = official_client.get(
        "/dashboard/export.xlsx?year=2027&province=V%C4%A9nh+Long"
    )
    book = load_workbook(io.BytesIO(response.data))
    cells = {
        c
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for c in row
        if c
    }
    assert {
        "Kết quả đã chuyển giao",
        "Tổ chức trong vùng tham gia",
        "Kế hoạch và đã cấp phát theo đợt",
    } <= cells
    assert "Vĩnh Long" in cells


def test_the_definitions_page_defines_the_new_figures(client):
    page = client.get("/dashboard/definitions").get_data(as_text=True)
    assert "Kết quả đã chuyển giao" in page and "Tổ chức trong vùng tham gia" in page


def _disbursed(client) -> str:
    """The disbursed figure of 2027 on the officials' dashboard, which says when it was computed."""
    html = client.get("/dashboard/?year=2027").get_data(as_text=True)
    assert 'id="figures-computed"' in html
    return _figure(html, "disbursed")


def _paid_elsewhere(old: int, new: int) -> None:
    """Another process's write: its own connection, no session of this one."""
    with db.engine.begin() as connection:
        connection.execute(
            sa.update(Disbursement).where(Disbursement.amount == old).values(amount=new)
        )


def test_the_figures_are_kept_briefly_and_a_write_here_shows_at_once(
    official_client, city, app
):
    """DASHBOARD_CACHE_SECONDS: figures at most that old, the page says when they were computed; a
    change committed through this process shows on the next page; another process's within the time."""

    app.config["DASHBOARD_CACHE_SECONDS"] = 3600
    assert _disbursed(official_client) == "600000000"
    _paid_elsewhere(200_000_000, 250_000_000)
    assert _disbursed(official_client) == "600000000"  # kept: its time is not up
    paid = db.session.scalar(
        sa.select(Disbursement).where(Disbursement.amount == 250_000_000)
    )
    paid.amount = 300_000_000
    db.session.commit()
    assert (
        _disbursed(official_client) == "700000000"
    )  # a write here: counted again at once
    app.config["DASHBOARD_CACHE_SECONDS"] = 0
    _paid_elsewhere(300_000_000, 350_000_000)
    assert _disbursed(official_client) == "750000000"


@pytest.mark.parallel  # the recount runs in a thread of its own: a database file on SQLite
def test_figures_past_their_time_are_served_while_a_thread_counts_them_again(
    official_client, city, app, monkeypatch, caplog
):
    """Older than DASHBOARD_CACHE_SECONDS: the page does not wait for a recount; it shows the kept figures
    (and when they were computed) while one thread counts them again for the next page. A recount that
    fails leaves the kept figures serving."""

    app.config["DASHBOARD_CACHE_SECONDS"] = 3600
    assert _disbursed(official_client) == "600000000"
    _paid_elsewhere(200_000_000, 250_000_000)
    builds = []
    monkeypatch.setattr(
        dashboard, "build_dashboard",
        lambda scope, build=dashboard.build_dashboard: builds.append(scope) or build(scope),
    )  # fmt: skip
    app.config["DASHBOARD_CACHE_SECONDS"] = 0.001
    assert (
        _disbursed(official_client) == "600000000"
    )  # served as kept; counted again behind it
    dashboard.wait_for_refreshes(30)
    assert len(builds) == 1
    assert _disbursed(official_client) == "650000000"
    dashboard.wait_for_refreshes(30)

    def broken(scope):
        raise RuntimeError("database went away")

    monkeypatch.setattr(dashboard, "build_dashboard", broken)
    _paid_elsewhere(250_000_000, 300_000_000)
    assert _disbursed(official_client) == "650000000"
    dashboard.wait_for_refreshes(30)
    assert "dashboard refresh failed" in caplog.text
    assert (
        _disbursed(official_client) == "650000000"
    )  # still served, and asked for again
    dashboard.wait_for_refreshes(30)
