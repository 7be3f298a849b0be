"""The order's "next step" panel in the browser: an official sees the step at the top of the page on a laptop
and on a phone, opens it, confirms it in the dialog, and the order moves; without JavaScript the same step
opens from its link and asks for the "I confirm" box instead."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from matchmaker.extensions import db
from matchmaker.models import (
    ResearchOrder,
    User,
)
from matchmaker.services.orders import lifecycle as orders
from tests.fixtures.browser import add_official

pytestmark = pytest.mark.browser

PASSWORD = "Ben-Ninh-Kieu-2026"
LAPTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def approver_id(live_server) -> int:
    return add_official(
        live_server, "so-khcn", "duyet@so-khcn.cantho.example", "Võ Thị Duyệt", PASSWORD,
        can_approve=True,
    )  # fmt: skip


def _submitted_order(live_server, approver_id: int, title: str) -> int:
    """A draft submitted for approval, as the services do it."""
    with live_server.app.app_context():
        user = db.session.get(User, approver_id)
        order = orders.create_order(
            user, orders.OrderInput(title=title, agency_id=user.institution_id)
        )
        orders.apply_action(order.id, user, orders.Action.SUBMIT, {}, order.version)
        return order.id


def _state(live_server, order_id: int) -> tuple[str, int]:
    with live_server.app.app_context():
        order = db.session.scalar(
            sa.select(ResearchOrder).where(ResearchOrder.id == order_id)
        )
        return order.state, order.version


@pytest.fixture
def open_as(browser, live_server):
    contexts = []

    def open_(viewport: dict, javascript: bool = True):
        context = browser.new_context(
            base_url=live_server.url, locale="vi-VN", viewport=viewport,
            java_script_enabled=javascript,
        )  # fmt: skip
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto("/lang/en")
        page.goto("/auth/login")
        page.fill("input[name=email]", "duyet@so-khcn.cantho.example")
        page.fill("input[name=password]", PASSWORD)
        with page.expect_navigation():
            page.locator("main form [type=submit] >> nth=-1").click()
        return page

    yield open_
    for context in contexts:
        context.close()


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["laptop", "phone"])
def test_official_approves_from_the_next_step_panel(
    live_server, approver_id, open_as, viewport
):
    order_id = _submitted_order(
        live_server, approver_id, f"Cảnh báo mặn {viewport['width']}"
    )
    page = open_as(viewport)
    page.goto(f"/orders/{order_id}")
    button = page.locator("#open-approve")
    expect(button).to_be_in_viewport()  # no scrolling, nothing to expand
    expect(page.locator("#next-step #order-state")).to_have_text(
        "Submitted for approval"
    )
    expect(page.locator("#step-approve")).to_be_hidden()
    expect(page.locator("#approve-confirm")).to_be_hidden()  # the dialog asks instead

    button.click()
    form = page.locator("#step-approve")
    expect(form).to_be_visible()
    form.locator("[name=decision_number]").fill("12/QĐ-UBND")
    form.locator("[name=decision_date]").fill("2026-01-05")
    form.locator("#do-approve").click()
    dialog = page.locator("#confirm-step")
    expect(dialog).to_be_visible()
    expect(dialog.locator("#confirm-step-title")).to_have_text("Approve")
    # Going back sends nothing.
    dialog.get_by_role("button", name="Go back").first.click()
    expect(dialog).to_be_hidden()
    assert _state(live_server, order_id) == ("submitted", 2)

    form.locator("#do-approve").click()
    expect(dialog).to_be_visible()
    with page.expect_navigation():
        dialog.locator("#confirm-step-ok").click()
    expect(page.locator(".alert-success")).to_contain_text(
        "Done: the order is now “Approved”."
    )
    expect(page.locator("#open-publish")).to_be_in_viewport()
    assert _state(live_server, order_id) == ("approved", 3)


def test_without_javascript_the_step_opens_and_asks_for_the_box(
    live_server, approver_id, open_as
):
    order_id = _submitted_order(
        live_server, approver_id, "Cảnh báo mặn, không JavaScript"
    )
    page = open_as(LAPTOP, javascript=False)
    page.goto(f"/orders/{order_id}")
    page.locator("#open-reject").click()  # a link to #step-reject: CSS shows the target
    form = page.locator("#step-reject")
    expect(form).to_be_visible()
    form.locator("[name=reason]").fill("Trùng với nhiệm vụ năm 2025")
    with page.expect_navigation():
        form.locator("#do-reject").click()
    refused = page.locator("#step-reject")
    expect(
        refused
    ).to_be_visible()  # back open, with what was typed and why it was refused
    expect(refused.locator("[name=reason]")).to_have_value(
        "Trùng với nhiệm vụ năm 2025"
    )
    expect(refused.locator("#reject-confirm-errors")).to_contain_text(
        "Please tick “I confirm”"
    )
    assert _state(live_server, order_id) == ("submitted", 2)

    refused.locator("#reject-confirm").check()
    with page.expect_navigation():
        refused.locator("#do-reject").click()
    expect(page.locator("#order-state")).to_have_text("Rejected")
    assert _state(live_server, order_id) == ("rejected", 3)
