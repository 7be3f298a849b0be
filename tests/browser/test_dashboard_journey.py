"""An official opens the results dashboard, filters it by agency, follows a figure to its records and
downloads the workbook.

The orders and their award steps are stored directly, dated this year (the dashboard's default period).
"""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from matchmaker.extensions import db
from matchmaker.lifecycle import Action
from matchmaker.models import (
    Institution,
    InstitutionKind,
    OrderEvent,
    ResearchOrder,
    Role,
    User,
    utcnow,
)

pytestmark = pytest.mark.browser

PASSWORD = "Ben-Ninh-Kieu-2026"
TITLES = {
    "Cảm biến mặn Cái Răng": "so-khcn",
    "Tôm sạch Thốt Nốt": "so-khcn",
    "Lúa Cờ Đỏ": "so-nn",
}


@pytest.fixture(scope="module")
def dashboard_city(live_server) -> dict[str, int]:
    """Two agencies; three orders awarded this year (two of the science department, one of agriculture)."""
    with live_server.app.app_context():
        agencies = {
            slug: Institution(slug=slug, name_vi=name, kind=InstitutionKind.AGENCY)
            for slug, name in [("so-khcn", "Sở Khoa học và Công nghệ"), ("so-nn", "Sở Nông nghiệp")]
        }  # fmt: skip
        official = User(email="canbo@dashboard.example", full_name="Cán bộ Số liệu",
                        role=Role.OFFICIAL, email_verified_at=utcnow())  # fmt: skip
        official.set_password(PASSWORD)
        db.session.add_all([*agencies.values(), official])
        db.session.flush()
        for title, slug in TITLES.items():
            order = ResearchOrder(title=title, agency_id=agencies[slug].id, state="awarded",
                                  contract_value=500_000_000, created_by_id=official.id)  # fmt: skip
            db.session.add(order)
            db.session.flush()
            db.session.add(OrderEvent(order_id=order.id, action=Action.AWARD.value, from_state="under_review",
                                      to_state="awarded", fields={}, created_at=utcnow()))  # fmt: skip
        db.session.commit()
        return {slug: agency.id for slug, agency in agencies.items()}


def _awarded(page) -> str:
    return page.locator("#figure-awarded .mm-figure-value").inner_text().strip()


def test_an_official_filters_the_dashboard_follows_a_figure_and_downloads_the_workbook(dashboard_city, page):  # fmt: skip
    page.goto("/auth/login")
    page.fill("input[name=email]", "canbo@dashboard.example")
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form [type=submit]").last.click()
    page.wait_for_url(lambda url: "/auth/login" not in url)

    page.locator("#nav-dashboard").click()
    expect(page.locator("#section-money")).to_be_visible()
    assert _awarded(page) == "3"

    page.select_option("#agency", str(dashboard_city["so-nn"]))
    page.locator(".mm-dash-filters [type=submit]").click()
    page.wait_for_url(lambda url: f"agency={dashboard_city['so-nn']}" in url)
    assert _awarded(page) == "1"

    page.locator("#figure-awarded a").click()
    page.wait_for_url(lambda url: "/dashboard/records/awarded" in url)
    rows = page.locator("#records tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Lúa Cờ Đỏ")

    page.go_back()
    with page.expect_download() as download:
        page.locator("#export-xlsx").click()
    book = load_workbook(io.BytesIO(download.value.path().read_bytes()))
    orders = book["Nhiệm vụ KH&CN đặt hàng"]  # the "Research orders" section's sheet
    values = {
        row[0]: row[1] for row in orders.iter_rows(values_only=True) if len(row) > 1
    }
    assert values["Hợp đồng đã ký"] == 1  # "Contracts awarded", for the chosen agency
    assert orders["B2"].is_date
