"""A new user signs up, confirms the address, signs in, switches language and signs out."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser

PASSWORD = "Ben-Ninh-Kieu-2026"


def test_new_user_account_journey(page, live_server):
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "vi"
    page.get_by_role("link", name="Đăng ký", exact=True).first.click()

    page.get_by_label("Họ và tên").fill("Lâm Thị Kim Hoa")
    page.get_by_label("Email").fill("kim.hoa@demo.cantho.example")
    page.get_by_label("nhà khoa học", exact=False).check()
    page.get_by_label("Mật khẩu", exact=True).fill(PASSWORD)
    page.get_by_label("Nhập lại mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Tạo tài khoản").click()
    assert page.locator("#check-mail").is_visible()

    link = re.search(
        r"http://\S+/auth/verify/\S+", live_server.sent_mail()[-1].body
    ).group(0)
    page.goto(link)
    assert "/auth/login" in page.url

    page.get_by_label("Email").fill("kim.hoa@demo.cantho.example")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    assert page.locator("#whoami").inner_text() == "Lâm Thị Kim Hoa"

    page.locator("#lang-en").click()
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_role(
        "button", name="Account menu"
    ).click()  # sign-out sits in the account menu
    assert page.get_by_role("button", name="Sign out").is_visible()

    page.get_by_role("button", name="Sign out").click()
    assert page.get_by_role("link", name="Sign in", exact=True).is_visible()
    assert page.locator("#whoami").count() == 0


def test_wrong_password_keeps_email_and_shows_message(page):
    page.goto("/lang/en")
    page.goto("/auth/login")
    page.get_by_label("E-mail").fill("nobody@demo.cantho.example")
    page.get_by_label("Password").fill("Wrong-password-2026")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("alert").inner_text() == "Wrong e-mail address or password."
    assert page.get_by_label("E-mail").input_value() == "nobody@demo.cantho.example"


def test_menu_collapses_on_a_phone(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 375, "height": 740}
    )
    page = context.new_page()
    page.goto("/")
    toggle = page.locator(".navbar-toggler")
    assert toggle.is_visible() and not page.locator("#main-nav").is_visible()
    toggle.click()
    page.locator("#main-nav").wait_for(state="visible")
    context.close()
