"""A scientist registers, fills in a profile, imports a BibTeX file and sees the public page."""

from __future__ import annotations

import pytest

from tests.fixtures.browser import sign_up

pytestmark = pytest.mark.browser

PASSWORD = "Song-Hau-phu-sa-2026"
BIBTEX = """@article{mekong2024,
  title = {Dự báo xâm nhập mặn vùng ven biển Đồng bằng sông Cửu Long},
  author = {Đặng Minh Thư and Trần Văn Hậu},
  year = {2024},
  journal = {Tạp chí Khoa học Trường Đại học Cần Thơ},
  doi = {10.22144/ctu.jvn.2024.077}
}
@article{broken,
  title = {Không đóng ngoặc,
"""


def test_scientist_fills_profile_imports_bibtex_and_sees_public_page(
    page, browser, live_server, tmp_path
):
    sign_up(
        page,
        live_server,
        "dang.minh.thu@demo.cantho.example",
        "Đặng Minh Thư",
        "a scientist",
        PASSWORD,
    )
    page.goto("/researchers/me")
    # The institution is chosen in a combobox named in words, in the page's language (English here).
    assert page.get_by_role("combobox", name="Institution").is_visible()
    page.get_by_label("Degree").select_option("TS")
    page.get_by_label("Department").fill("Khoa Môi trường và Tài nguyên thiên nhiên")
    page.get_by_label("Expertise keywords").fill(
        "xâm nhập mặn, thủy văn, salinity intrusion, MIKE 21, nguồn nước"
    )
    page.get_by_label("Research interests").fill(
        "Dự báo **xâm nhập mặn** cho các tỉnh ven biển."
    )
    page.get_by_label("ORCID iD").fill("0000-0002-1825-0097")
    page.get_by_role("button", name="Save the profile").click()
    errors = page.locator(".invalid-feedback, .alert").all_inner_texts()
    assert page.get_by_role("heading", level=1).inner_text() == "TS. Đặng Minh Thư", (
        errors
    )

    page.goto("/researchers/me/publications/import")
    bib = tmp_path / "thu.bib"
    bib.write_text(BIBTEX, encoding="utf-8")
    page.get_by_label("BibTeX (.bib) or RIS (.ris) file").set_input_files(str(bib))
    page.get_by_role("button", name="Preview the import").click()
    assert (
        "Dự báo xâm nhập mặn vùng ven biển" in page.locator("#import-new").inner_text()
    )
    assert page.locator("#import-problems li").count() == 1
    page.locator("#confirm-import").click()

    page.get_by_role("link", name="Your public profile").click()
    assert page.locator("strong", has_text="xâm nhập mặn").count() == 1
    assert (
        "Dự báo xâm nhập mặn vùng ven biển Đồng bằng sông Cửu Long"
        in page.locator(".publications").inner_text()
    )
    assert page.locator("#completeness").get_attribute("value") != "0"

    # A visitor who is not signed in sees the page, without the contact address.
    visitor = browser.new_context(base_url=live_server.url)
    public = visitor.new_page()
    public.goto(page.url)
    assert "Đặng Minh Thư" in public.get_by_role("heading", level=1).inner_text()
    assert "dang.minh.thu@demo.cantho.example" not in public.content()
    visitor.close()
