"""A research order from draft to acceptance, every step taken in the browser by the person who takes it.

An approving official of the city's science department drafts, submits, approves and publishes the order;
two researchers submit proposals; a council (a researcher from another university, chairing, and the
official) scores them; the official awards the order to the best-ranked proposal, starts the work, the
principal investigator asks for acceptance and the official records the acceptance council's result.
Only facts of time are set in the database: the application deadline is moved into the past before the
official closes the call, as a real deadline would pass.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from babel.dates import format_datetime
from playwright.sync_api import expect

from matchmaker import formatting
from matchmaker.extensions import db
from matchmaker.lifecycle import VIETNAM_TZ, Action
from matchmaker.models import (
    DeclineReason,
    Institution,
    InstitutionKind,
    OrderEvent,
    Project,
    Proposal,
    ProposalScore,
    ProposalStatus,
    ResearcherProfile,
    ResearchOrder,
    Role,
    User,
    utcnow,
)
from matchmaker.services.orders import lifecycle as orders
from matchmaker.services.orders.proposals import as_utc
from matchmaker.services.search import index as search

pytestmark = pytest.mark.browser

PASSWORD = "Cho-Noi-Cai-Rang-2026"
TITLE = "Dự báo xâm nhập mặn 7 ngày cho các cửa sông Hậu"
COUNCIL_NAME = "Hội đồng tuyển chọn số 12/HĐ-SKHCN"
COUNCIL_RESULT = "Hội đồng nghiệm thu đánh giá: Đạt (8/9 phiếu)"
CONTRACT = "15/2026/HĐ-SKHCN"
# The council's marking grid, as the English score form labels it.
CRITERIA = (
    "Necessity",
    "Scientific approach",
    "Team capacity",
    "Feasibility",
    "Budget",
)
# Steps of the order's history, in order, as the English page names them.
HISTORY = [
    "Created",
    "Submit for approval",
    "Approve",
    "Publish",
    "Close applications",
    "Start the council review",
    "Award",
    "Start the work",
    "Request acceptance",
    "Accept the results",
]


@pytest.fixture(scope="module")
def journey_people(live_server) -> dict[str, int]:
    """An approving official of the city's science department and three researchers of two universities."""
    with live_server.app.app_context():
        agency = Institution(
            slug="so-khcn-ct",
            name_vi="Sở Khoa học và Công nghệ thành phố Cần Thơ",
            kind=InstitutionKind.AGENCY,
        )
        ctu = Institution(
            slug="dhct",
            name_vi="Trường Đại học Cần Thơ",
            kind=InstitutionKind.UNIVERSITY,
        )
        nctu = Institution(
            slug="dhnct",
            name_vi="Trường Đại học Nam Cần Thơ",
            kind=InstitutionKind.UNIVERSITY,
        )
        db.session.add_all([agency, ctu, nctu])
        db.session.flush()
        accounts = {
            "official": User(
                email="pho.giam.doc@so-khcn.cantho.example",
                full_name="Trương Quốc Duyệt",
                role=Role.OFFICIAL,
                can_approve=True,
                institution_id=agency.id,
            ),
            "pi": User(
                email="tran.van.hau@ctu.example",
                full_name="Trần Văn Hậu",
                role=Role.RESEARCHER,
                institution_id=ctu.id,
            ),
            "rival": User(
                email="le.thi.phu.sa@ctu.example",
                full_name="Lê Thị Phù Sa",
                role=Role.RESEARCHER,
                institution_id=ctu.id,
            ),
            "chair": User(
                email="nguyen.hoi.dong@nctu.example",
                full_name="Nguyễn Hội Đồng",
                role=Role.RESEARCHER,
                institution_id=nctu.id,
            ),
        }
        for user in accounts.values():
            user.set_password(PASSWORD)
            user.email_verified_at = utcnow()
        db.session.add_all(accounts.values())
        db.session.flush()
        db.session.add_all(
            [
                ResearcherProfile(
                    user_id=accounts["pi"].id,
                    degree="TS",
                    department="Khoa Môi trường và Tài nguyên thiên nhiên",
                    keywords=["xâm nhập mặn", "thủy văn", "MIKE 21"],
                    summary="Mô hình dự báo mặn cho Đồng bằng sông Cửu Long.",
                ),
                ResearcherProfile(
                    user_id=accounts["rival"].id,
                    degree="ThS",
                    keywords=["nguồn nước"],
                ),
                ResearcherProfile(
                    user_id=accounts["chair"].id,
                    degree="PGS.TS",
                    keywords=["thủy lực", "quản lý tài nguyên nước"],
                ),
            ]
        )
        db.session.commit()
        search.rebuild()  # a published order joins the search index, as in a real deployment
        ids = {key: user.id for key, user in accounts.items()}
        return ids | {"agency": agency.id}


@pytest.fixture
def sign_in(browser, live_server):
    """Open a fresh browser of a person, signed in and showing the English pages; closed after the test."""
    contexts = []

    def open_as(user_id: int):
        with live_server.app.app_context():
            email = db.session.get(User, user_id).email
        context = browser.new_context(base_url=live_server.url, locale="vi-VN")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto("/lang/en")
        page.goto("/auth/login")
        page.get_by_label("E-mail").fill(email)
        page.get_by_label("Password").fill(PASSWORD)
        submit(page, page.get_by_role("button", name="Sign in"))
        expect(page.locator("#whoami")).to_be_visible()
        return page

    yield open_as
    for context in contexts:
        context.close()


def submit(page, button) -> None:
    """Click a submit button and wait for the page the server answers with."""
    with page.expect_navigation():
        button.click()


def take_step(page, action: str, **fields: str) -> None:
    """Press the step's button in the order's "next step" panel, fill its form and send it, confirming
    an irreversible step in the dialog that asks.

    The fields are found by name inside the step's own form: several step forms share field names.
    """
    button = page.locator(f"#next-step #open-{action}")
    expect(
        button
    ).to_be_in_viewport()  # at the top of the page, nothing to scroll or expand
    button.click()
    form = page.locator(f"form[action$='/act/{action}']")
    expect(form).to_be_visible()
    for name, value in fields.items():
        control = form.locator(f"[name={name}]")
        if control.evaluate("e => e.tagName") == "SELECT":
            control.select_option(value)
        else:
            control.fill(value)
    send(page, form.locator(f"#do-{action}"), form.get_attribute("data-confirm-title"))


def send(page, button, asks: str | None) -> None:
    """Press a step's submit button; when the step cannot be undone, confirm it in the dialog."""
    if asks is None:
        submit(page, button)
        return
    button.click()
    dialog = page.locator("#confirm-step")
    expect(dialog).to_be_visible()
    expect(dialog.locator("#confirm-step-title")).to_have_text(asks)
    submit(page, dialog.locator("#confirm-step-ok"))


def expect_state(page, label: str) -> None:
    expect(page.locator("#order-state")).to_have_text(label)


def expect_done(page, label: str) -> None:
    expect(page.locator(".alert-success")).to_contain_text(
        f"Done: the order is now “{label}”."
    )


def submit_proposal(page, order_url: str, approach: str, budget: str) -> int:
    page.goto(order_url)
    submit(page, page.locator("#submit-proposal"))
    page.locator("#approach").fill(approach)
    page.locator("#timeline").fill(
        "Tháng 1–6: thu thập số liệu; tháng 7–18: mô hình; tháng 19–24: chuyển giao."
    )
    page.locator("#budget").fill(budget)
    submit(page, page.get_by_role("button", name="Save the proposal"))
    expect(page.locator(".alert-success")).to_contain_text(
        "Your proposal is submitted."
    )
    expect(page.locator("#proposal-status")).to_have_text("Submitted")
    expect(page.locator("#stage")).to_have_text("Submitted: the call is open")
    return int(page.url.rstrip("/").rsplit("/", 1)[1])


def score(page, order_url: str, proposal_id: int, marks: tuple[int, ...]) -> None:
    """A council member opens the proposal from their review sheet and saves their marks."""
    page.goto(order_url)
    submit(page, page.locator("#council-review"))
    submit(page, page.locator(f"#sheet-{proposal_id}").get_by_role("link"))
    for label, mark in zip(CRITERIA, marks, strict=True):
        page.get_by_label(label, exact=True).fill(str(mark))
    submit(page, page.get_by_role("button", name="Save my marks"))
    expect(page.locator(".alert-success")).to_contain_text("Your marks are saved.")
    total = sum(marks)
    expect(page.locator(f"#sheet-{proposal_id}")).to_contain_text(f"Total {total}")


def test_order_from_draft_to_accepted_results(live_server, journey_people, sign_in):
    app = live_server.app
    vietnam_now = utcnow().astimezone(VIETNAM_TZ)

    # The official drafts the order.
    official = sign_in(journey_people["official"])
    official.goto("/orders/new")
    official.get_by_label("Title").fill(TITLE)
    agency = official.get_by_role(
        "combobox", name="Ordering agency"
    )  # typed, accents optional
    agency.fill("")  # it starts with the official's own agency
    agency.press_sequentially("so khoa hoc")
    option = official.get_by_role("listbox").get_by_role("option").first
    expect(option).to_contain_text("Sở Khoa học và Công nghệ thành phố Cần Thơ")
    agency.press("ArrowDown")
    agency.press("Enter")
    expect(official.locator("select#agency")).to_have_value(
        str(journey_people["agency"])
    )
    official.locator("#necessity").fill(
        "Mặn vượt 4‰ tại cống Cái Côn vào tháng 3 năm 2024, 12.000 ha lúa bị ảnh hưởng."
    )
    official.locator("#objectives").fill(
        "Dự báo độ mặn 7 ngày tới cho các cửa sông Hậu, sai số dưới 1‰."
    )
    official.locator("#expected_products").fill(
        "Mô hình dự báo vận hành tại Trung tâm; bản tin hằng ngày."
    )
    official.locator("#duration_months").fill("24")
    official.locator("#state_budget").fill("1.200.000.000")
    submit(official, official.get_by_role("button", name="Save the draft"))
    expect(official.locator(".alert-success")).to_contain_text(
        "The draft order is saved."
    )
    expect_state(official, "Draft")
    order_url = official.url
    order_id = int(order_url.rstrip("/").rsplit("/", 1)[1])

    # …submits it for approval, approves it (the official may approve) and publishes an open call.
    take_step(official, "submit", note="Đề xuất từ Hội đồng tư vấn tháng 2.")
    expect_done(official, "Submitted for approval")
    expect_state(official, "Submitted for approval")
    decided = (vietnam_now - timedelta(days=1)).date()
    take_step(
        official,
        "approve",
        decision_number="245/QĐ-UBND",
        decision_date=decided.isoformat(),
    )
    expect_done(official, "Approved")
    expect(official.locator("main")).to_contain_text("245/QĐ-UBND")
    deadline = (vietnam_now + timedelta(days=14)).replace(second=0, microsecond=0)
    take_step(
        official,
        "publish",
        selection_method="open_selection",
        application_deadline=deadline.strftime("%Y-%m-%dT%H:%M"),
    )
    expect_done(official, "Published: open call")
    expect_state(official, "Published: open call")
    with app.app_context():
        published = db.session.get(ResearchOrder, order_id)
        assert published.selection_method == "open_selection"

    # Two researchers answer the call.
    pi = sign_in(journey_people["pi"])
    chosen = submit_proposal(
        pi,
        order_url,
        "Ghép mô hình MIKE 11 với học máy trên số liệu 30 trạm đo mặn.",
        "1.100.000.000",
    )
    rival = sign_in(journey_people["rival"])
    other = submit_proposal(
        rival, order_url, "Khảo sát thực địa và bản đồ mặn theo mùa.", "950.000.000"
    )
    pi.goto(order_url)
    expect(pi.locator("#my-proposal")).to_be_visible()
    expect(pi.locator("#submit-proposal")).to_have_count(0)

    # The official forms the selection council while the call is open.
    official.goto(order_url)
    expect(official.locator("#proposal-list .badge")).to_have_text("2")
    submit(official, official.locator("#council-link"))
    official.get_by_label("Chair", exact=True).select_option(
        str(journey_people["chair"])
    )
    official.get_by_label("Members", exact=True).select_option(
        [str(journey_people["official"])]
    )
    submit(official, official.get_by_role("button", name="Form the council"))
    expect(official.locator(".alert-success")).to_contain_text(
        "The council is formed; its members are invited."
    )
    members = official.locator("#council-members li")
    expect(members).to_have_count(2)
    expect(members.filter(has_text="Nguyễn Hội Đồng")).to_contain_text("chair")
    expect(official.locator("#conflicts")).to_contain_text(
        "No conflict of interest detected or declared."
    )

    # The deadline passes (a fact of time, set in the database), and the official closes the call,
    # then opens the council's review.
    passed = (utcnow() - timedelta(hours=1)).replace(second=0, microsecond=0)
    with app.app_context():
        db.session.get(ResearchOrder, order_id).application_deadline = passed
        db.session.commit()
    official.goto(order_url)
    # Closing the call checks the deadline recorded at publication; nothing is typed again.
    take_step(official, "close_applications")
    expect_done(official, "Applications closed")
    expect_state(official, "Applications closed")
    take_step(official, "start_review", council=COUNCIL_NAME)
    expect_done(official, "Under review by the council")
    expect_state(official, "Under review by the council")

    # The applicant now sees the proposal under review and locked.
    pi.goto(order_url)
    submit(pi, pi.locator("#my-proposal"))
    expect(pi.locator("#stage")).to_have_text("Under review by the council")
    expect(pi.locator("#locked")).to_be_visible()
    expect(pi.locator("#edit-proposal")).to_have_count(0)

    # The council scores both proposals: the chair, then the official.
    chair = sign_in(journey_people["chair"])
    for member, proposal, marks in [
        (chair, chosen, (9, 8, 9, 8, 7)),  # 41
        (chair, other, (7, 5, 6, 6, 8)),  # 32
        (official, chosen, (8, 8, 8, 7, 7)),  # 38
        (official, other, (6, 6, 5, 6, 7)),  # 30
    ]:
        score(member, order_url, proposal, marks)

    # The official reads the ranking and awards the order to the best proposal.
    official.goto(order_url)
    submit(official, official.locator("#proposal-list"))
    rows = official.locator("#ranking tbody tr")
    expect(rows).to_have_count(2)
    first, second = rows.nth(0), rows.nth(1)
    expect(first).to_have_id(f"ranked-{chosen}")
    expect(first).to_contain_text("Trần Văn Hậu")
    expect(first.locator("td").nth(3)).to_have_text("39.5")
    expect(first.locator("td").nth(4)).to_have_text("2")
    expect(second).to_have_id(f"ranked-{other}")
    expect(second.locator("td").nth(3)).to_have_text("31.0")
    submit(official, first.get_by_role("link", name="Award"))
    expect(official.locator("#award-rank")).to_have_text("1 · mean score 39.5")
    start = (vietnam_now + timedelta(days=30)).date()
    end = start + timedelta(days=730)
    official.get_by_label("Contract number").fill(CONTRACT)
    official.get_by_label("Contract value (đồng)").fill("1.100.000.000")
    official.get_by_label("Start date").fill(start.isoformat())
    official.get_by_label("End date").fill(end.isoformat())
    official.locator("#payment_schedule").fill(
        f"660.000.000; {start.isoformat()}; Đợt 1\n440.000.000; {end.isoformat()}; Đợt 2"
    )
    send(
        official,
        official.get_by_role("button", name="Award the order to this proposal"),
        "Award the order",
    )
    expect(official.locator(".alert-success")).to_contain_text("The order is awarded")
    assert official.url.rstrip("/").endswith(f"/orders/{order_id}")
    expect_state(official, "Awarded")
    investigator = official.locator("dt", has_text="Principal investigator")
    expect(investigator.locator("xpath=following-sibling::dd[1]")).to_have_text(
        "Trần Văn Hậu"
    )
    expect(official.locator("main")).to_contain_text(CONTRACT)

    # The other applicant learns the proposal was not selected.
    rival.goto(f"/orders/proposals/{other}")
    expect(rival.locator("#proposal-status")).to_have_text("Declined")
    expect(rival.locator("#decline-reason")).to_have_text("Not selected")

    # The work starts; the principal investigator asks for acceptance from the order page.
    take_step(official, "start_work", note="Ký hợp đồng và tạm ứng đợt 1.")
    expect_done(official, "In progress")
    pi.goto(order_url)
    expect(pi.locator("#work-link")).to_be_visible()
    take_step(pi, "request_acceptance", note="Đã nộp báo cáo tổng kết và sản phẩm.")
    expect_done(pi, "Acceptance review")
    expect_state(pi, "Acceptance review")

    # The official records the acceptance council's result.
    official.goto(order_url)
    take_step(official, "accept", council_result=COUNCIL_RESULT)
    expect_done(official, "Accepted")
    expect_state(official, "Accepted")

    # The history lists every step, in order, with who took it.
    entries = official.locator("#order-history > li")
    expect(entries).to_have_count(len(HISTORY))
    texts = entries.all_inner_texts()
    for text, step in zip(texts, HISTORY, strict=True):
        assert f"· {step}" in text, (step, text)
    assert "Trần Văn Hậu" in texts[HISTORY.index("Request acceptance")]
    assert "Trương Quốc Duyệt" in texts[HISTORY.index("Accept the results")]
    assert "Accepted" in texts[-1]

    # What the database keeps.
    with app.app_context():
        order = db.session.get(ResearchOrder, order_id)
        assert order.state == "accepted"
        assert order.pi_id == journey_people["pi"]
        assert order.decision_number == "245/QĐ-UBND"
        assert order.contract_number == CONTRACT
        assert order.contract_value == 1_100_000_000
        events = db.session.scalars(
            sa.select(OrderEvent)
            .where(OrderEvent.order_id == order_id)
            .order_by(OrderEvent.id)
        ).all()
        assert [e.action for e in events] == [
            "create", "submit", "approve", "publish", "close_applications",
            "start_review", "award", "start_work", "request_acceptance", "accept",
        ]  # fmt: skip
        by_action = {e.action: e for e in events}
        assert by_action["accept"].fields["council_result"] == COUNCIL_RESULT
        assert by_action["accept"].actor_id == journey_people["official"]
        assert by_action["request_acceptance"].actor_id == journey_people["pi"]
        assert by_action["start_review"].fields["council"] == COUNCIL_NAME
        assert by_action["approve"].fields["decision_date"] == decided.isoformat()
        assert [t["amount"] for t in by_action["award"].fields["payment_schedule"]] == [
            660_000_000,
            440_000_000,
        ]
        won, lost = db.session.get(Proposal, chosen), db.session.get(Proposal, other)
        assert won.status == ProposalStatus.AWARDED
        assert (lost.status, lost.decline_reason) == (
            ProposalStatus.DECLINED,
            DeclineReason.NOT_SELECTED,
        )
        assert db.session.scalar(sa.select(sa.func.count(ProposalScore.id))) == 4
        project = db.session.scalar(
            sa.select(Project).where(Project.order_id == order_id)
        )
        assert project is not None and project.pi_id == journey_people["pi"]


def test_published_deadline_is_the_one_typed(live_server, journey_people, sign_in):
    """The deadline an official types in Cần Thơ time is the one kept, shown and enforced."""
    typed = (utcnow().astimezone(VIETNAM_TZ) + timedelta(days=10)).replace(
        hour=17, minute=0, second=0, microsecond=0
    )
    with live_server.app.test_request_context():
        official = db.session.get(User, journey_people["official"])
        order = orders.create_order(
            official,
            orders.OrderInput(
                title="Bản đồ sụt lún Ninh Kiều", agency_id=journey_people["agency"]
            ),
        )
        orders.apply_action(order.id, official, Action.SUBMIT, {}, 1)
        decided = typed.date() - timedelta(days=11)
        decision = {"decision_number": "7/QĐ-UBND", "decision_date": decided}
        orders.apply_action(order.id, official, Action.APPROVE, decision, 2)
        order_id = order.id
    page = sign_in(journey_people["official"])
    page.goto(f"/orders/{order_id}")
    take_step(
        page,
        "publish",
        selection_method="open_selection",
        application_deadline=typed.strftime("%Y-%m-%dT%H:%M"),
    )
    expect_done(page, "Published: open call")
    pattern = formatting.DATETIME_PATTERNS["en"]
    shown = format_datetime(typed, pattern, tzinfo=VIETNAM_TZ, locale="en")
    heading = page.locator("#order-meta")  # under the title: agency and deadline
    expect(heading).to_contain_text(f"Application deadline: {shown}")
    with live_server.app.app_context():
        kept = db.session.get(ResearchOrder, order_id).application_deadline
        assert as_utc(kept) == typed
