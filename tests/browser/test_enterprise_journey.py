"""An enterprise posts a need and receives a researcher's expression of interest."""

from __future__ import annotations

import pytest

from tests.fixtures.browser import sign_out, sign_up

pytestmark = pytest.mark.browser

PASSWORD = "Cai-Rang-noi-cho-2026"


def test_enterprise_posts_need_and_receives_interest(page, live_server):
    sign_up(
        page,
        live_server,
        "giam.doc@demo.cantho.example",
        "Võ Thị Giám Đốc",
        "an enterprise",
        PASSWORD,
    )
    page.get_by_role("button", name="Account menu").click()
    page.get_by_role("link", name="My enterprise").click()
    page.get_by_label("Enterprise name").fill("Công ty TNHH Thủy sản Sông Hậu")
    page.get_by_label("Tax code (mã số thuế)").fill("1800154794")
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()

    page.goto("/enterprises/needs/new")
    page.get_by_label("Title").fill("Cảnh báo sớm độ mặn cho ao nuôi tôm")
    page.get_by_label("The problem").fill(
        "Ao nuôi ở Cù Lao Dung bị nước mặn vượt 25‰ vào tháng 3, tôm chết hàng loạt."
    )
    page.get_by_label("Budget from (đồng)").fill("300.000.000")
    page.get_by_label("Budget up to (đồng)").fill("900000000")
    with page.expect_navigation():
        page.get_by_role("button", name="Save the need").click()
    need_url = page.url
    assert (
        "300,000,000" in page.locator("#need-budget").inner_text()
    )  # English separators
    sign_out(page)

    sign_up(
        page,
        live_server,
        "nha.khoa.hoc@demo.cantho.example",
        "Lý Văn Mặn",
        "a scientist",
        PASSWORD,
    )
    page.goto(need_url)
    page.get_by_label("Message to the enterprise").fill(
        "Nhóm chúng tôi có mô hình dự báo mặn 7 ngày cho sông Hậu."
    )
    with page.expect_navigation():
        page.get_by_role("button", name="Express interest").click()
    assert page.locator("#own-interest").is_visible()
    sign_out(page)

    page.goto("/auth/login")
    page.get_by_label("E-mail").fill("giam.doc@demo.cantho.example")
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    assert page.locator("#unread-count").inner_text().startswith("1")
    with page.expect_navigation():
        page.get_by_role("link", name="Notifications").click()
    assert "Lý Văn Mặn" in page.locator("main").inner_text()
    page.goto(need_url)
    assert "mô hình dự báo mặn" in page.locator("main").inner_text()
    with page.expect_navigation():
        page.get_by_role("button", name="Accept").click()
    assert "Lý Văn Mặn" in page.locator("main").inner_text()
    assert any(
        m.to == ["nha.khoa.hoc@demo.cantho.example"]
        for m in live_server.sent_mail()[-2:]
    )
