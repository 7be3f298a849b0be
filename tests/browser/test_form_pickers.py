"""The form pickers with the keyboard: a researcher picks a research field and an institution by typing
without accents; an official chooses the ordering agency the same way (static/js/picker.js)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from matchmaker.extensions import db
from matchmaker.models import (
    Institution,
    InstitutionKind,
    ResearcherProfile,
    ResearchOrder,
    Role,
    User,
    utcnow,
)

pytestmark = pytest.mark.browser

PASSWORD = "Ninh-Kieu-Wharf-2026"


def _user(email: str, name: str, role: Role) -> User:
    user = User(email=email, full_name=name, role=role)
    user.set_password(PASSWORD)
    user.email_verified_at = utcnow()
    return user


@pytest.fixture(scope="module")
def form_picker_people(live_server) -> dict[str, int]:
    with live_server.app.test_request_context():
        places = [
            Institution(
                slug="ctu-pick",
                name_vi="Trường Đại học Cần Thơ",
                short_name="CTU",
                kind=InstitutionKind.UNIVERSITY,
            ),  # fmt: skip
            Institution(
                slug="so-nn-pick",
                name_vi="Sở Nông nghiệp và Môi trường thành phố Cần Thơ",
                kind=InstitutionKind.AGENCY,
            ),  # fmt: skip
            Institution(
                slug="so-kh-pick",
                name_vi="Sở Khoa học và Công nghệ thành phố Cần Thơ",
                kind=InstitutionKind.AGENCY,
            ),  # fmt: skip
        ]
        researcher = _user("field.picker@demo.cantho.example", "Trương Hoàng Phúc", Role.RESEARCHER)  # fmt: skip
        official = _user("agency.picker@demo.cantho.example", "Lê Văn Cán Bộ", Role.OFFICIAL)  # fmt: skip
        db.session.add_all([*places, researcher, official])
        db.session.commit()
        return {"researcher": researcher.id, "ctu": places[0].id, "so_nn": places[1].id}


def _login(page, email: str) -> None:
    page.goto("/lang/en")
    page.goto("/auth/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main form [type=submit] >> nth=-1").click()


def test_researcher_picks_a_field_and_an_institution_with_the_keyboard(
    page, live_server, form_picker_people
):
    _login(page, "field.picker@demo.cantho.example")
    page.goto("/researchers/me")
    expect(page.get_by_role("checkbox")).to_have_count(
        2
    )  # the field list is hidden: two yes/no boxes left
    box = page.get_by_role("combobox", name="Find a research field by name or code")
    box.press_sequentially("nong nghiep")
    listbox = page.get_by_role("listbox")
    expect(listbox.get_by_role("option")).to_have_count(7)
    expect(page.locator("#fields-picker [role=status]")).to_have_text("7 research fields found.")  # fmt: skip
    box.press("ArrowDown")
    box.press("ArrowDown")
    second = listbox.get_by_role("option").nth(1)
    expect(second).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", second.get_attribute("id"))
    expect(second).to_contain_text("402 · Animal and dairy science")
    box.press("Enter")  # chooses; does not send the form
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(box).to_have_value("")
    expect(page.get_by_role("button", name="Remove 402 · Animal and dairy science")).to_be_visible()  # fmt: skip

    box.press_sequentially("4.01")  # a code as printed in the classification
    expect(listbox.get_by_role("option")).to_have_count(1)
    box.press("ArrowDown")
    box.press("Enter")
    remove = page.get_by_role("button", name="Remove 401 · Crop science")
    remove.focus()
    page.keyboard.press("Enter")
    expect(remove).to_have_count(0)
    expect(box).to_be_focused()
    expect(page.locator("#fields-picker [role=status]")).to_contain_text("401 · Crop science removed")  # fmt: skip

    institution = page.get_by_role("combobox", name="Institution")
    institution.press_sequentially("dai hoc can tho")
    expect(page.get_by_role("listbox").get_by_role("option")).to_have_count(1)
    institution.press("ArrowDown")
    institution.press("Enter")
    expect(institution).to_have_value("Trường Đại học Cần Thơ")
    expect(page.locator("#institution-picker [role=status]")).to_have_text("Trường Đại học Cần Thơ is chosen.")  # fmt: skip

    page.get_by_role("button", name="Save the profile").click()
    expect(page.get_by_text("Your profile is saved.")).to_be_visible()
    with live_server.app.app_context():
        profile = db.session.scalar(
            sa.select(ResearcherProfile).where(
                ResearcherProfile.user_id == form_picker_people["researcher"]
            )  # fmt: skip
        )
        assert profile.field_codes == ["402"]
        assert profile.user.institution_id == form_picker_people["ctu"]


def test_official_chooses_the_agency_by_typing_without_accents(
    page, live_server, form_picker_people
):
    _login(page, "agency.picker@demo.cantho.example")
    page.goto("/orders/new")
    page.get_by_label("Title").fill("Cảnh báo sớm xâm nhập mặn")
    agency = page.get_by_role("combobox", name="Ordering agency")
    agency.fill("")
    agency.press_sequentially("so nong nghiep")
    options = page.get_by_role("listbox").get_by_role("option")
    expect(options).to_have_count(1)
    expect(options.first).to_have_text("Sở Nông nghiệp và Môi trường thành phố Cần Thơ")
    agency.press("ArrowDown")
    agency.press("Enter")
    expect(agency).to_have_value("Sở Nông nghiệp và Môi trường thành phố Cần Thơ")
    field = page.get_by_role("combobox", name="Research field")
    field.press_sequentially(
        "thuy san"
    )  # Vietnamese words find the field in the English page
    options = page.get_by_role("listbox").get_by_role("option")
    expect(options).to_have_count(1)
    expect(options.first).to_contain_text("Agricultural sciences")  # its group
    field.press("ArrowDown")
    field.press("Enter")
    expect(field).to_have_value(
        "405 · Fisheries and aquaculture"
    )  # typed in Vietnamese
    page.get_by_role("button", name="Save the draft").click()
    expect(page.get_by_text("The draft order is saved.")).to_be_visible()
    with live_server.app.app_context():
        order = db.session.scalar(sa.select(ResearchOrder).where(ResearchOrder.title == "Cảnh báo sớm xâm nhập mặn"))  # fmt: skip
        assert order.agency_id == form_picker_people["so_nn"]
        assert order.field_code == "405"
