"""A visitor finds "Dữ liệu mở" in the footer, downloads the research orders as CSV and reads it back with
its Vietnamese intact (a demo order's title, diacritics and all)."""

from __future__ import annotations

import csv
import io

import pytest
from playwright.sync_api import expect

from matchmaker.demo import loader as demo

pytestmark = pytest.mark.browser

DEMO_TITLE_PART = "cảnh báo sớm xâm nhập mặn trên sông Hậu"


@pytest.fixture(scope="module")
def open_data_site(live_server, tmp_path_factory):
    """The demo data loaded into the live server."""
    app = live_server.app
    app.config["SEARCH_INDEX_PATH"] = str(tmp_path_factory.mktemp("index") / "search")
    with app.test_request_context():
        demo.load_demo_data()
    return live_server


def test_a_visitor_downloads_the_orders_csv_with_vietnamese_intact(
    open_data_site, page
):
    page.goto("/")
    page.locator("#footer-open-data").click()
    expect(page).to_have_url(f"{open_data_site.url}/open-data/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Dữ liệu mở")
    expect(page.locator("#open-data-license")).to_have_text("CC BY 4.0")
    expect(page.locator("#open-data-api-docs")).to_have_attribute(
        "href", "/api/v1/docs/"
    )
    orders = page.locator("#orders")
    expect(orders.get_by_role("heading", level=3)).to_have_text(
        "Các nhiệm vụ khoa học công nghệ do thành phố đặt hàng"
    )
    with page.expect_download() as waiting:
        orders.locator("#download-orders-csv").click()
    download = waiting.value
    assert download.suggested_filename == "cantho-orders-v1.0.csv"
    raw = download.path().read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the mark Excel needs to read UTF-8
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    titles = [row["title"] for row in rows]
    assert any(DEMO_TITLE_PART in title for title in titles), titles
    shown = orders.get_by_text("bản ghi").inner_text()
    assert shown.startswith(f"{len(rows)} bản ghi")


def test_the_page_reads_in_english_too(open_data_site, page):
    page.goto("/lang/en")
    page.goto("/open-data/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Open data")
    expect(page.get_by_role("heading", name="Using the API")).to_be_visible()
