"""Access tokens in the browser: an official creates a token, sees it once, and revokes it through the page's
confirmation dialog (the platform's one dialog for irreversible steps, here red and labelled "Revoke")."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.fixtures.browser import add_official

pytestmark = pytest.mark.browser

PASSWORD = "Cau-Rach-Mieu-2026"


@pytest.fixture(scope="module")
def official_email(live_server) -> str:
    email = "baocao@so-khcn.cantho.example"
    add_official(live_server, "so-khcn-token", email, "Lâm Báo Cáo", PASSWORD)
    return email


def test_an_official_creates_a_token_and_revokes_it_in_the_dialog(page, official_email):
    page.goto("/lang/en")
    page.goto("/auth/login")
    page.fill("input[name=email]", official_email)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.locator("main form [type=submit] >> nth=-1").click()
    page.goto("/auth/api-tokens")
    page.locator("#create-token [name=name]").fill("Báo cáo quý")
    with page.expect_navigation():
        page.locator("#create-token [type=submit]").click()
    assert page.locator("#token-secret").input_value().startswith("mm_")

    revoke = page.locator("form.revoke-token")
    revoke.locator("button[type=submit]").click()
    dialog = page.locator("#confirm-step")
    expect(dialog).to_be_visible()
    expect(dialog.locator("#confirm-step-title")).to_have_text(
        "Revoke the token “Báo cáo quý”?"
    )
    expect(dialog.locator("#confirm-step-text")).to_have_text(
        "Scripts using it stop working at once."
    )
    ok = dialog.locator("#confirm-step-ok")
    expect(ok).to_have_text("Revoke")
    expect(ok).to_have_class("btn btn-danger")
    with page.expect_navigation():
        ok.click()
    expect(page.locator("form.revoke-token")).to_have_count(0)
    expect(page.locator("main")).to_contain_text("revoked")
    # The secret is never shown again.
    expect(page.locator("#token-secret")).to_have_count(0)
