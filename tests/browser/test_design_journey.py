"""The design seen in a browser: the navigation fits one line on a laptop and folds on a phone, for every role;
search results come before the filters on a phone; screenshots of the main pages for people to look at.

The Cần Thơ demo data is loaded into this module's server, so pages show real names, states and lengths.
Screenshots go to tests/browser/screenshots/ (git-ignored), named <role>-<page>-<width>.png.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from matchmaker.demo import loader as demo

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
ROLES = ("official", "researcher", "enterprise", "admin")
SCREENSHOTS = Path(__file__).parent / "screenshots"
MAIN_PAGES = {
    "home": "/",
    "orders": "/orders/",
    "needs": "/enterprises/needs",
    "researchers": "/researchers/",
    "search": "/search/?q=lúa",
}
# A one-line navigation bar is the height of one link plus its padding (58 px); two lines would be about 100 px.
ONE_LINE = 64


@pytest.fixture(scope="module")
def demo_server(live_server):
    with live_server.app.app_context():
        demo.load_demo_data()
    return live_server


@pytest.fixture(scope="module")
def open_page(browser, demo_server):
    """The browser of ``role`` (None: a visitor) at ``viewport``, showing ``language``.

    One signed-in browser per role and size serves the whole module (signing in hashes a password: slow).
    """
    pages = {}

    def open_as(role: str | None, viewport: dict, language: str = "vi"):
        key = (role, viewport["width"])
        if key not in pages:
            context = browser.new_context(
                base_url=demo_server.url, viewport=viewport, locale="vi-VN"
            )
            page = pages[key] = context.new_page()
            page.set_default_timeout(20_000)
            if role:
                page.goto("/auth/login")
                page.locator("input[name=email]").fill(f"{role}@demo.cantho.example")
                page.locator("input[name=password]").fill(demo.DEMO_PASSWORD)
                page.locator("main form [type=submit] >> nth=-1").click()
                expect(page.locator("#whoami")).to_have_count(1)
        page = pages[key]
        page.goto(f"/lang/{language}")
        return page

    yield open_as
    for page in pages.values():
        page.context.close()


def _top_level_items(page):
    return page.locator("#main-nav > ul > li")


@pytest.mark.parametrize("language", ["vi", "en"])
@pytest.mark.parametrize("role", [None, *ROLES])
def test_navigation_fits_one_line_at_1366(open_page, role, language):
    page = open_page(role, LAPTOP, language)
    page.goto("/")
    height = page.locator("header nav").bounding_box()["height"]
    middles = {round(b["y"] + b["height"] / 2) for b in _boxes(_top_level_items(page))}
    assert height <= ONE_LINE, height
    # Every group, the language, the bell and the account menu sit on one row.
    assert max(middles) - min(middles) <= 4, middles
    assert page.locator(".navbar-toggler").is_hidden()


def _boxes(locator) -> list[dict]:
    return [locator.nth(i).bounding_box() for i in range(locator.count())]


@pytest.mark.parametrize("role", [None, *ROLES])
def test_navigation_folds_into_a_menu_on_a_phone(open_page, role):
    page = open_page(role, PHONE)
    page.goto("/")
    assert page.locator("header nav").bounding_box()["height"] <= ONE_LINE
    assert page.locator("#main-nav").is_hidden()
    page.locator(".navbar-toggler").click()
    expect(page.locator("#nav-orders")).to_be_visible()
    page.locator("#nav-orders").click()
    expect(page.get_by_role("link", name="Nhiệm vụ KH&CN đặt hàng")).to_be_visible()
    # Touch-sized: every top-level entry of the open menu is at least 44 px high.
    heights = [
        box["height"] for box in _boxes(page.locator("#main-nav > ul > li > .nav-link"))
    ]
    assert heights and min(heights) >= 44, heights


def test_search_results_come_before_the_filters_on_a_phone(open_page):
    page = open_page(None, PHONE)
    page.goto("/search/?q=lúa")
    first = page.locator("#search-results > li").first
    assert page.locator("#search-filters").is_hidden()
    assert (
        first.bounding_box()["y"] < PHONE["height"]
    )  # the first result shows without scrolling
    page.locator("#show-filters").click()
    expect(page.locator("#search-filters")).to_be_visible()
    page.locator('#search-filters a[data-facet="kind"]').first.click()
    expect(page.locator("#show-filters .badge")).to_have_text("1")


def test_search_filters_stay_beside_the_results_on_a_laptop(open_page):
    page = open_page(None, LAPTOP)
    page.goto("/search/?q=lúa")
    filters = page.locator("#search-filters").bounding_box()
    results = page.locator("#search-results").bounding_box()
    assert page.locator("#show-filters").is_hidden()
    assert filters["x"] + filters["width"] <= results["x"]


def test_order_states_are_coloured_by_meaning(open_page):
    page = open_page("official", LAPTOP)
    page.goto("/orders/")
    meanings = set(
        page.locator("#main .status").evaluate_all(
            "els => els.map(e => e.dataset.meaning)"
        )
    )
    assert {"in-progress", "done", "failed"} <= meanings
    colours = page.locator("#main .status").evaluate_all(
        "els => els.map(e => getComputedStyle(e).backgroundColor)"
    )
    assert len(set(colours)) >= 3  # not every badge grey


def test_tables_reflow_into_labelled_cards_on_a_phone(open_page):
    page = open_page("official", PHONE)
    page.goto("/orders/")
    cell = page.locator("table.mm-reflow tbody tr").first.locator("td").nth(2)
    assert cell.get_attribute("data-label") == "Trạng thái"
    table = page.locator("table.mm-reflow").bounding_box()
    assert table["width"] <= PHONE["width"]  # no sideways scrolling


def _disbursed(page) -> list[int]:
    return [
        int(a)
        for a in page.locator("#order-list td[data-amount]").evaluate_all(
            "els => els.map(e => e.dataset.amount)"
        )
    ]


def test_an_official_sorts_the_orders_by_amount_disbursed(open_page):
    page = open_page("official", LAPTOP)
    page.goto("/orders/")
    header = page.locator('#order-list th[data-sort="disbursed"]')
    expect(header).not_to_have_attribute("aria-sort", "descending")
    header.get_by_role("link").click()
    expect(header).to_have_attribute("aria-sort", "descending")
    most_first = _disbursed(page)
    assert most_first == sorted(most_first, reverse=True) and most_first[0] > 0
    header.get_by_role("link").click()  # again: the other way
    expect(header).to_have_attribute("aria-sort", "ascending")
    assert _disbursed(page) == sorted(_disbursed(page))


def test_on_a_phone_the_sort_is_a_menu_and_rows_are_cards(open_page):
    page = open_page("official", PHONE)
    page.goto("/orders/")
    page.get_by_role("button", name="Lọc và sắp xếp").click()
    expect(page.locator("#order-filters")).to_have_class(re.compile(r"\bshow\b"))
    page.locator("#sort").select_option("disbursed")
    page.locator("#dir").select_option("desc")
    with (
        page.expect_navigation()
    ):  # the sorted list is a new page: wait for it, however busy the machine
        page.locator("#order-filters [type=submit]").click()
    expect(page.locator('#order-list th[data-sort="disbursed"]')).to_have_attribute(
        "aria-sort", "descending"
    )
    box = page.locator("#sort").bounding_box()
    assert box["height"] >= 44  # touch-sized
    assert page.locator("table.mm-reflow").bounding_box()["width"] <= PHONE["width"]


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["1366", "390"])
@pytest.mark.parametrize("role", ["visitor", *ROLES])
def test_screenshots_of_the_main_pages(open_page, role, viewport):
    page = open_page(None if role == "visitor" else role, viewport)
    SCREENSHOTS.mkdir(exist_ok=True)
    for name, path in MAIN_PAGES.items():
        response = page.goto(path)
        assert response.ok, path
        page.screenshot(path=SCREENSHOTS / f"{role}-{name}-{viewport['width']}.png")


def test_the_test_browser_asks_for_reduced_motion_so_panels_open_at_once(open_page):
    page = open_page("official", PHONE)
    page.goto("/orders/")
    assert page.evaluate("matchMedia('(prefers-reduced-motion: reduce)').matches")
    # Bootstrap's sliding collapse (0.35 s) is off for such a browser: panels are open by the next frame.
    sliding = page.evaluate(
        """() => { const probe = document.createElement('div'); probe.className = 'collapsing';
                   document.body.append(probe); const d = getComputedStyle(probe).transitionDuration;
                   probe.remove(); return d; }"""
    )
    assert sliding == "0s"
