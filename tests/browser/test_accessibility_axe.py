"""axe-core on the main pages of every role, on a laptop (1366x900) and on a phone (390x844).

Every serious or critical violation fails the test, listed with its rule, impact, elements, page and size,
so a new one is caught the day it is made. axe-core comes inside the axe-playwright-python package (nothing
is downloaded when the tests run). axe-core no longer checks duplicate ids, so this module does that too.

The Cần Thơ demo data is loaded into this module's server: pages show real lists, states and lengths.
Run alone: ``.venv/bin/python -m pytest tests/browser/test_accessibility_axe.py``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from matchmaker.demo import loader as demo
from matchmaker.extensions import db
from matchmaker.models import ResearchOrder, User
from matchmaker.services import policy
from tests.fixtures.messages import english_messages_in

pytestmark = pytest.mark.browser

SIZES = {"1366": {"width": 1366, "height": 900}, "390": {"width": 390, "height": 844}}
BLOCKING = {"serious", "critical"}


@dataclass(frozen=True)
class Step:
    """A page to check: a fixed address, or the first link matching ``pattern`` on an earlier step's page."""

    name: str
    path: str | None = None
    source: str | None = None
    pattern: str | None = None


COMMON = (
    Step("home", "/"),
    Step("search", "/search/?q=lúa"),
    Step("search browse", "/search/"),
    Step("orders", "/orders/"),
    Step("an order", source="orders", pattern=r"/orders/\d+"),
    Step("needs", "/enterprises/needs"),
    Step("a need", source="needs", pattern=r"/enterprises/needs/\d+"),
    Step("researchers", "/researchers/"),
    Step("a researcher", source="researchers", pattern=r"/researchers/\d+"),
    Step("institutions", "/institutions/"),
    Step(
        "an institution", source="institutions", pattern=r"/institutions/(?!new$)[\w-]+"
    ),
    Step("enterprises", "/enterprises/"),
    Step("projects", "/projects/"),
    Step("a project", source="projects", pattern=r"/projects/\d+"),
)
SIGNED_IN = (Step("notifications", "/notifications/"),)
WORK = (
    Step("order work"),
)  # the path is the first order whose work this user follows (see work_path)
OWN = {
    "visitor": (
        Step("sign in", "/auth/login"),
        Step("register", "/auth/register"),
        Step("forgotten password", "/auth/forgot"),
        Step("open data", "/open-data/"),
    ),
    "official": (
        *SIGNED_IN,
        Step("new order", "/orders/new"),
        Step("council", source="home", pattern=r"/orders/\d+/council"),
        Step("order proposals", source="council", pattern=r"/orders/\d+/proposals"),
        *WORK,
    ),
    "researcher": (
        *SIGNED_IN,
        Step("my profile", "/researchers/me"),
        Step("my publications", "/researchers/me/publications"),
        Step("my intellectual property", "/researchers/me/ip"),
        Step("my proposals", "/orders/proposals/mine"),
        Step("a proposal", source="my proposals", pattern=r"/orders/proposals/\d+"),
        Step(
            "council review",
            source="my proposals",
            pattern=r"/orders/\d+/council/review",
        ),
        Step(
            "council scoring",
            source="council review",
            pattern=r"/orders/proposals/\d+/score",
        ),
        *WORK,
    ),
    "enterprise": (
        *SIGNED_IN,
        Step("my need", source="home", pattern=r"/enterprises/needs/\d+(#\w+)?"),
        Step("new need", "/enterprises/needs/new"),
    ),
    "admin": (
        *SIGNED_IN,
        Step("accounts", "/admin/users"),
        Step("an account", source="accounts", pattern=r"/admin/users/\d+"),
        Step("new account", "/admin/users/new"),
        Step("outbox", "/admin/outbox"),
        Step("order proposals", source="an order", pattern=r"/orders/\d+/proposals"),
        *WORK,
    ),
}

DUPLICATE_IDS = """() => {
  const seen = new Map();
  for (const el of document.querySelectorAll('[id]')) seen.set(el.id, (seen.get(el.id) || 0) + 1);
  return [...seen].filter(([, n]) => n > 1).map(([id]) => '#' + id);
}"""
LINKS = "els => els.map(e => e.getAttribute('href'))"


@pytest.fixture(scope="module")
def axe_server(live_server):
    with live_server.app.app_context():
        demo.load_demo_data()
    return live_server


@pytest.fixture(scope="module")
def axe():
    return Axe()  # axe-core's script, read once from the package


def work_path(app, role: str) -> str | None:
    """The work page of the first order (in progress first) whose work the demo user of ``role`` follows."""
    with app.app_context():
        user = db.session.scalar(
            sa.select(User).where(User.email == f"{role}@demo.cantho.example")
        )
        orders = db.session.scalars(
            sa.select(ResearchOrder)
            .where(ResearchOrder.pi_id.is_not(None))
            .order_by(ResearchOrder.state != "in_progress", ResearchOrder.id)
        )
        for order in orders:
            if policy.may_follow_work(user, order):
                return f"/orders/{order.id}/work"
    return None


def _problems(axe, page, where: str, context=None) -> list[str]:
    """The serious and critical violations of the page as shown now, and its duplicate ids."""
    found = []
    for violation in axe.run(page, context=context).response["violations"]:
        if violation["impact"] not in BLOCKING:
            continue
        targets = ", ".join(" ".join(node["target"]) for node in violation["nodes"])
        found.append(
            f"{violation['id']} ({violation['impact']}) on {where}: {targets} — {violation['help']}"
        )
    duplicates = page.evaluate(DUPLICATE_IDS)
    if duplicates:
        found.append(f"duplicate-id on {where}: {', '.join(duplicates)}")
    return found


def _open(browser, server, role: str, viewport: dict):
    context = browser.new_context(
        base_url=server.url, viewport=viewport, locale="vi-VN"
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    if role != "visitor":
        page.goto("/auth/login")
        page.locator("input[name=email]").fill(f"{role}@demo.cantho.example")
        page.locator("input[name=password]").fill(demo.DEMO_PASSWORD)
        page.locator("main form [type=submit] >> nth=-1").click()
        expect(page.locator("#whoami")).to_have_count(1)
    return page


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("role", OWN)
def test_no_serious_accessibility_violation(browser, axe_server, axe, role, size):
    page = _open(browser, axe_server, role, SIZES[size])
    try:
        links: dict[str, list[str]] = {}
        problems: list[str] = []
        for step in (*COMMON, *OWN[role]):
            path = step.path
            if step.name == "order work":
                path = work_path(axe_server.app, role)
            elif step.source:
                path = next(
                    (h for h in links[step.source] if re.fullmatch(step.pattern, h)),
                    None,
                )
            assert path, f"{role}: no page for {step.name!r} in the demo data"
            response = page.goto(path)
            assert response.ok, f"{role} at {size}: {path} answered {response.status}"
            links[step.name] = page.locator("main a[href]").evaluate_all(LINKS)
            problems += _problems(axe, page, f"{step.name} {path} at {size}")
        if role != "visitor":
            # The menus, opened: the phone's folded navigation, then the account menu.
            page.goto("/")
            if page.locator(".navbar-toggler").is_visible():
                page.locator(".navbar-toggler").click()
                # Shown once the unfolding ends ("collapsing" → "show"): a click during it can be lost.
                expect(page.locator("#main-nav")).to_have_class(re.compile(r"\bshow\b"))
            page.locator(".mm-account").click()
            expect(page.locator(".mm-account + .dropdown-menu")).to_be_visible()
            problems += _problems(axe, page, f"open menus / at {size}", "header")
    finally:
        page.context.close()
    assert not problems, f"{role} at {size}:\n" + "\n".join(problems)


def test_a_table_wider_than_the_screen_is_a_named_region_the_keyboard_reaches(
    browser, axe_server, axe
):
    # At 700 px the work page's tranche table (no link in it) is wider than its box: it scrolls sideways.
    page = _open(browser, axe_server, "official", {"width": 700, "height": 900})
    try:
        page.goto(work_path(axe_server.app, "official"))
        box = page.locator(".table-responsive", has=page.locator("#tranche-list"))
        assert box.evaluate("b => b.scrollWidth > b.clientWidth")
        assert box.get_attribute("tabindex") == "0"
        assert box.get_attribute("role") == "region"
        assert box.get_attribute("aria-label")
        page.keyboard.press(
            "Tab"
        )  # from the top, tab until the table's box has the focus
        for _ in range(60):
            if box.evaluate("b => b === document.activeElement"):
                break
            page.keyboard.press("Tab")
        assert box.evaluate("b => b === document.activeElement")
        assert _problems(axe, page, "work at 700") == []
        # Wide enough again, the box leaves the tab order.
        page.set_viewport_size({"width": 1366, "height": 900})
        expect(box).not_to_have_attribute("tabindex", "0")
    finally:
        page.context.close()


# An empty form on a Vietnamese page: the browser must let it through (its own bubble would speak the
# browser's language, English here) and the server answers in Vietnamese.
EMPTY_FORMS = [
    ("visitor", "/auth/register"),
    ("official", "/orders/new"),
    ("researcher", "/researchers/me/publications"),
    ("enterprise", "/enterprises/needs/new"),
    ("admin", "/admin/users/new"),
]


@pytest.mark.parametrize(("role", "path"), EMPTY_FORMS)
def test_an_empty_form_is_answered_in_vietnamese(browser, axe_server, role, path):
    page = _open(browser, axe_server, role, SIZES["1366"])
    try:
        page.goto(path)
        form = page.locator("main form:has([aria-required=true])").last
        assert form.evaluate("f => f.noValidate || f.checkValidity()"), (
            "the browser would stop this form with its own message"
        )
        form.locator("[type=submit]:not(#check-duplicates)").last.click()
        errors = page.locator(".invalid-feedback")
        expect(errors.first).to_be_visible()
        assert any("Trường này là bắt buộc" in t for t in errors.all_inner_texts())
        assert english_messages_in(page.locator("main").inner_html()) == []
    finally:
        page.context.close()
