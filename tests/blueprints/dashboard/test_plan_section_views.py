"""The plan section on the officials' dashboard: its line, its records page and the workbook's sheet."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from matchmaker.extensions import db
from matchmaker.models import PlanTask, Role
from matchmaker.services import dashboard
from tests.services.plan.test_standing import TODAY, plan  # noqa: F401 — the nine-task plan fixture


@pytest.fixture
def plan_official(client, auth, monkeypatch, plan):  # noqa: F811
    monkeypatch.setattr(dashboard, "local_today", lambda: TODAY)
    auth.login_as(Role.OFFICIAL)
    return client


def test_officials_see_the_plan_line_and_its_late_tasks(plan_official):
    html = plan_official.get(f"/dashboard/?year={TODAY.year}").get_data(as_text=True)
    assert 'id="section-plan"' in html and 'id="table-plan_by_agency"' in html
    page = plan_official.get(
        f"/dashboard/records/plan_late?year={TODAY.year}"
    ).get_data(as_text=True)
    listed = {int(i) for i in re.findall(r'<tr data-id="(\d+)"', page)}
    late = set(
        db.session.scalars(
            sa.select(PlanTask.id).where(PlanTask.code.in_(["A5", "B1"]))
        )
    )
    assert listed == late
    assert "Nhiệm vụ A5" in page and "/plan/" in page


def test_the_workbook_has_the_plan_sheet(plan_official):
    response = plan_official.get(f"/dashboard/export.xlsx?year={TODAY.year}")
    book = load_workbook(io.BytesIO(response.data))
    sheet = book.worksheets[0]
    numbers = [
        c.value
        for row in sheet.iter_rows()
        for c in row
        if isinstance(c.value, int | float)
    ]
    assert 9 in numbers and 75.0 in numbers


def test_the_public_dashboard_shows_no_plan(client, plan):  # noqa: F811
    html = client.get("/dashboard/public").get_data(as_text=True)
    assert 'id="section-plan"' not in html
    assert client.get("/dashboard/public/records/plan_late").status_code == 404


def test_a_plan_records_page_is_as_of_today_not_a_period(plan_official):
    page = plan_official.get(
        f"/dashboard/records/plan_late?year={TODAY.year}"
    ).get_data(as_text=True)
    summary = re.search(r'id="records-summary">(.*?)</p>', page, re.S).group(1)
    assert f"Tính đến ngày {TODAY:%d/%m/%Y}" in summary and "Từ" not in summary
    dated = plan_official.get(f"/dashboard/records/awarded?year={TODAY.year}").get_data(
        as_text=True
    )
    assert f"Từ 01/01/{TODAY.year} đến 31/12/{TODAY.year}" in dated


def test_on_a_phone_the_filters_wait_behind_a_button_before_the_figures(plan_official):
    html = plan_official.get(f"/dashboard/?year={TODAY.year}&agency=999999").get_data(
        as_text=True
    )
    button = html.index('id="show-dash-filters"')
    form = re.search(r'<form [^>]*id="dash-filters"[^>]*>', html).group(0)
    assert 'data-bs-target="#dash-filters"' in html[button - 200 : button + 200]
    assert "collapse" in form and button < html.index(form) < html.index(
        'id="section-plan"'
    )
    assert "Bộ lọc" in html[button : html.index(form)]
