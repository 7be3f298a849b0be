"""The Vietnamese interface to the last message: a need's budget typed as "1,5 tỷ", and a wrong one refused."""

from __future__ import annotations

import pytest

from tests.fixtures.browser import sign_up
from tests.fixtures.messages import english_messages_in

pytestmark = pytest.mark.browser

PASSWORD = "Ninh-Kieu-ben-tau-2026"


def test_need_form_reads_ty_and_refuses_in_vietnamese(page, live_server):
    sign_up(page, live_server, "chu.doanh.nghiep@demo.cantho.example", "Trần Thị Sấy",
            "an enterprise", PASSWORD)  # fmt: skip
    page.get_by_role("button", name="Account menu").click()
    page.get_by_role("link", name="My enterprise").click()
    page.get_by_label("Enterprise name").fill("Công ty TNHH Lúa Gạo Cờ Đỏ")
    page.get_by_label("Tax code (mã số thuế)").fill("1800154794")
    page.get_by_role("button", name="Save").click()

    page.goto("/lang/vi")
    page.goto("/enterprises/needs/new")
    page.locator("#title").fill("Máy sấy lúa tiết kiệm điện")
    page.locator("#description").fill(
        "Sấy 20 tấn lúa mỗi ngày với nửa lượng điện hiện nay."
    )
    page.locator("#budget_min").fill("1,5 tỷ")
    page.locator("#budget_max").fill("hai tỷ")
    page.locator("#submit").click()

    assert page.locator("html").get_attribute("lang") == "vi"
    assert (
        "Hãy nhập số tiền bằng đồng" in page.locator("#budget_max-errors").inner_text()
    )
    assert page.locator("#budget_min-errors").count() == 0  # "1,5 tỷ" was understood
    assert english_messages_in(page.content()) == []
    assert page.locator("#budget_min").input_value() == "1,5 tỷ"
    assert page.locator("#budget_max").input_value() == "hai tỷ"

    page.locator("#budget_max").fill("2 tỷ")
    page.locator("#submit").click()
    assert (
        page.locator("#need-budget").inner_text() == "1.500.000.000 ₫ – 2.000.000.000 ₫"
    )
