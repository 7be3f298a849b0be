"""A principal investigator builds a proposal's team with the keyboard: type a few letters, arrow down, Enter.

The picker is an ARIA combobox (static/js/picker.js): it opens a listbox of researchers open to
collaboration, marks the highlighted option with aria-activedescendant, and Enter adds a ticked checkbox
that the form sends by id; Escape closes the list.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from matchmaker.extensions import db
from matchmaker.models import (
    Institution,
    InstitutionKind,
    Proposal,
    ResearcherProfile,
    ResearchOrder,
    Role,
    User,
    utcnow,
)

pytestmark = pytest.mark.browser

PASSWORD = "Cai-Rang-Floating-2026"


def _user(email: str, name: str, role: Role = Role.RESEARCHER, **fields) -> User:
    user = User(email=email, full_name=name, role=role, **fields)
    user.set_password(PASSWORD)
    user.email_verified_at = utcnow()
    return user


@pytest.fixture(scope="module")
def call(live_server) -> dict[str, int]:
    """An open call, its future PI, and researchers open (or not) to collaboration."""
    with live_server.app.test_request_context():
        nctu = Institution(slug="nctu-picker", name_vi="Trường Đại học Nam Cần Thơ", kind=InstitutionKind.UNIVERSITY)  # fmt: skip
        agency = Institution(slug="so-picker", name_vi="Sở Khoa học và Công nghệ", kind=InstitutionKind.AGENCY)  # fmt: skip
        official = _user(
            "so.picker@demo.cantho.example", "Lê Văn Cán Bộ", Role.OFFICIAL
        )
        pi = _user("pi.picker@demo.cantho.example", "Nguyễn Văn An")
        open_people = [
            _user(f"tran{n}.picker@demo.cantho.example", name, institution=nctu)
            for n, name in enumerate(["Trần Thị Bình", "Trần Thị Bảo", "Trần Thị Bích"])
        ]
        closed = _user("kin.picker@demo.cantho.example", "Trần Thị Kín")
        db.session.add_all([official, pi, *open_people, closed])
        db.session.add_all(
            [ResearcherProfile(user=u, keywords=[], links=[]) for u in open_people]
            + [ResearcherProfile(user=closed, keywords=[], links=[], open_to_orders=False)]
        )  # fmt: skip
        order = ResearchOrder(
            title="Dự báo xâm nhập mặn", agency=agency, state="published",
            created_by=official, application_deadline=utcnow() + timedelta(days=30),
        )  # fmt: skip
        db.session.add(order)
        db.session.commit()
        return {"order": order.id, "pi": pi.id, "bich": open_people[2].id}


def test_pi_adds_a_team_member_with_the_keyboard(page, live_server, call):
    page.goto("/lang/en")
    page.goto("/auth/login")
    page.get_by_label("E-mail").fill("pi.picker@demo.cantho.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main form [type=submit] >> nth=-1").click()
    page.goto(f"/orders/{call['order']}/proposals/new")
    expect(page.get_by_text("Trần Thị Bình")).to_have_count(
        0
    )  # nobody is listed up front
    expect(page.get_by_role("button", name="Find", exact=True)).to_have_count(0)

    box = page.get_by_role("combobox", name="Find a researcher open to collaboration")
    box.press_sequentially("tr")
    expect(page.locator("[data-picker-status]")).to_have_text("")
    expect(box).to_have_attribute("aria-expanded", "false")
    box.press_sequentially("an thi")  # "tran thi": no accents typed
    listbox = page.get_by_role("listbox")
    expect(listbox.get_by_role("option")).to_have_count(3)  # not "Trần Thị Kín": closed
    expect(box).to_have_attribute("aria-expanded", "true")
    box.press("ArrowDown")
    box.press("ArrowDown")
    second = listbox.get_by_role("option").nth(1)
    expect(second).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", second.get_attribute("id"))
    expect(listbox.get_by_role("option").first).to_contain_text(
        "Trần Thị Bảo"
    )  # by name
    expect(second).to_contain_text("Trần Thị Bích")
    box.press("Enter")  # chooses; does not send the form
    expect(box).to_have_attribute("aria-expanded", "false")
    member = page.get_by_role(
        "checkbox", name="Trần Thị Bích — Trường Đại học Nam Cần Thơ"
    )
    expect(member).to_be_checked()
    expect(page.locator("[data-picker-status]")).to_contain_text("Trần Thị Bích")
    expect(box).to_have_value("")

    box.press_sequentially("binh")
    expect(listbox.get_by_role("option")).to_have_count(1)
    box.press("Escape")
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(page.get_by_role("checkbox")).to_have_count(1)

    page.get_by_label(
        "Approach: methods, expected products and how they answer the order"
    ).fill("Mô hình MIKE 11")
    page.get_by_label("Budget requested (đồng)").fill("900.000.000")
    page.get_by_role("button", name="Save the proposal").click()
    expect(page.get_by_text("Your proposal is submitted.")).to_be_visible()
    with live_server.app.app_context():
        saved = db.session.scalar(
            sa.select(Proposal).where(Proposal.pi_id == call["pi"])
        )
        assert [m.user_id for m in saved.members] == [call["bich"]]
