"""On the demo data, the official and the researcher open the home page and find what waits for them."""

from __future__ import annotations

import pytest

from matchmaker.demo import loader as demo
from matchmaker.services.matching import matches as matching

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def demo_home(live_server, tmp_path_factory):
    """The demo data loaded into the live server."""
    app = live_server.app
    app.config["SEARCH_INDEX_PATH"] = str(tmp_path_factory.mktemp("index") / "search")
    with app.test_request_context():
        demo.load_demo_data()
        matching.refit()  # as `matchmaker match rebuild` after loading: no page waits for a first fit
    return live_server


def _sign_in(page, email: str) -> None:
    # An order's page matches researchers: slower than a form when the whole suite runs at once.
    page.set_default_navigation_timeout(30_000)
    page.goto("/lang/en")
    page.goto("/auth/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(demo.DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/auth/login" not in url)
    page.goto("/")


def test_the_official_home_lists_the_orders_waiting_and_links_to_them(demo_home, page):
    _sign_in(page, "official@demo.cantho.example")
    work = page.locator("#my-work")
    assert work.get_by_role("heading", name="My work").is_visible()
    assert page.get_by_text("Sign in with your official account").count() == 0
    assert work.locator('ul[data-kind="order_decision"] li.work-item').count() >= 1
    first = work.locator("li.work-item").first
    assert first.get_attribute("data-severity") == "overdue"  # most urgent first
    decision = work.locator('ul[data-kind="order_decision"] li.work-item a').first
    title = decision.inner_text()
    decision.click()
    page.wait_for_url("**/orders/*")
    assert page.locator("h1").inner_text().strip().startswith(title.strip()[:40])


def test_the_researcher_home_shows_the_council_to_score_and_its_deadline(
    demo_home, page
):
    _sign_in(page, "researcher@demo.cantho.example")
    scoring = page.locator('#my-work ul[data-kind="proposals_to_score"] li.work-item')
    assert scoring.count() == 1
    text = scoring.first.inner_text()
    assert "wait for your marks" in text or "waits for your marks" in text
    assert (
        "overdue" in text or "in " in text
    )  # the scoring deadline, as days left or late
    scoring.first.locator("a").click()
    page.wait_for_url("**/council/review")
