"""What people who are not staff see of a research order (issue 11, findings 2, 14, 15 and 17).

One order is walked through its whole life with every kind of file, and every page, download and
notification a visitor, a researcher, the principal investigator, the team, a declined applicant, a council
member and an enterprise user can reach is checked: a word written only in the order's internal parts,
and the figures of an internal budget, never reach them. Staff see both, so the checks could fail.
"""

from __future__ import annotations

import io
import itertools
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from matchmaker.extensions import db
from matchmaker.lifecycle import Action
from matchmaker.models import (
    Attachment,
    Confidentiality,
    Notification,
    Project,
    ResearcherProfile,
    ResearchOrder,
    Role,
    TechNeed,
)
from matchmaker.services.matching import matches as matching
from matchmaker.services.messaging import notifications
from matchmaker.services.orders import councils, proposals
from matchmaker.services.orders import lifecycle as orders
from matchmaker.services.orders import work as progress
from matchmaker.services.search import index as search

# A word that appears only in the order's internal parts (and in its internal files).
SECRET = "quasarmekong"
INTERNAL_TEXT = (
    f"Phao nổi gắn cảm biến lidar {SECRET}, truyền dữ liệu vệ tinh băng tần Ka."
)
PUBLIC_TEXT = "Xâm nhập mặn sông Hậu vào sâu 60 km mùa khô; cần cảnh báo sớm độ mặn."
# Budget figures, all kept internal: none may show to anyone but staff.
STATE_BUDGET, CONTRACT_VALUE = 1_234_567_000, 987_654_321
TRANCHES = (612_345_000, 375_309_321)
FIGURES = [
    f"{n:,}".replace(",", sep)
    for n in (STATE_BUDGET, CONTRACT_VALUE, *TRANCHES)
    for sep in (".", ",", "")
]

START = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
DEADLINE = START + timedelta(days=14)
LATER = DEADLINE + timedelta(days=2)
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
NON_STAFF = ("anonymous", "outsider", "pi", "member", "rival", "judge", "enterprise")


def _pdf(name: str, secret: bool = False) -> SimpleNamespace:
    body = PDF + (f"% {SECRET}\n".encode() if secret else b"")
    return SimpleNamespace(filename=name, stream=io.BytesIO(body))


def _act(
    order_id: int, user, action: Action, data: dict | None = None, now=LATER, **extra
):
    db.session.expire_all()
    version = db.session.get(ResearchOrder, order_id).version
    return orders.apply_action(
        order_id, user, action, data or {}, version, now=now, **extra
    )


@pytest.fixture
def awarded_world(
    make_user, make_collaborator, outbox, agency, rice_enterprise, publish_order
) -> SimpleNamespace:
    """A published, awarded, worked-on and accepted order whose internal parts hold ``SECRET``."""
    firm = rice_enterprise
    w = SimpleNamespace(
        official=make_user(Role.OFFICIAL, institution=agency),
        approver=make_user(Role.OFFICIAL, institution=agency, can_approve=True),
        pi=make_user(Role.RESEARCHER), member=make_collaborator(),
        rival=make_user(Role.RESEARCHER), judge=make_user(Role.RESEARCHER),
        outsider=make_user(Role.RESEARCHER), enterprise=make_user(Role.ENTERPRISE, enterprise_id=firm.id),
    )  # fmt: skip
    for person in (w.pi, w.outsider):
        db.session.add(
            ResearcherProfile(
                user=person, keywords=["xâm nhập mặn"], summary=PUBLIC_TEXT, links=[],
                public=True,
            )
        )  # fmt: skip
    w.need = TechNeed(
        enterprise=firm, title="Cảnh báo độ mặn cho trạm bơm", description=PUBLIC_TEXT,
        confidentiality=Confidentiality.PUBLIC,
    )  # fmt: skip
    db.session.add(w.need)
    db.session.commit()
    order = orders.create_order(
        w.official,
        orders.OrderInput(
            title="Cảnh báo sớm xâm nhập mặn sông Hậu", agency_id=agency.id,
            beneficiary="Nông dân ven sông Hậu", necessity=PUBLIC_TEXT, objectives="Cảnh báo trước 7 ngày.",
            main_content=INTERNAL_TEXT, expected_products=f"Mạng phao {SECRET}.",
            state_budget=STATE_BUDGET, internal_parts=("main_content", "expected_products", "budget"),
        ),
        uploads=[_pdf("cong-khai.pdf")], public_files=True,
    )  # fmt: skip
    orders.update_draft(
        w.official, order,
        orders.OrderInput(
            title=order.title, agency_id=agency.id, beneficiary=order.beneficiary, necessity=PUBLIC_TEXT,
            objectives=order.objectives, main_content=INTERNAL_TEXT, expected_products=order.expected_products,
            state_budget=STATE_BUDGET, internal_parts=("main_content", "expected_products", "budget"),
        ),
        uploads=[_pdf("noi-bo.pdf", secret=True)],
    )  # fmt: skip
    order = publish_order(
        order, START, DEADLINE, by=w.official, approver=w.approver,
        attachment=_pdf("to-trinh.pdf", secret=True),
    )  # fmt: skip
    councils.form_council(w.official, order, w.judge.id, [])
    w.won = proposals.submit_proposal(
        w.pi, order, proposals.ProposalInput("Cảm biến mặn", 900_000_000, team_ids=[w.member.id]),
        now=START, uploads=[_pdf("de-xuat.pdf")],
    )  # fmt: skip
    w.lost = proposals.submit_proposal(
        w.rival, order, proposals.ProposalInput("Mô hình", 800_000_000), now=START
    )
    _act(order.id, w.official, Action.CLOSE_APPLICATIONS)
    _act(order.id, w.official, Action.START_REVIEW)
    contract = {
        "contract_number": "05/HĐ-SKHCN", "contract_value": CONTRACT_VALUE,
        "start_date": date(2026, 11, 1), "end_date": date(2028, 6, 30),
        "payment_schedule": [
            {"amount": TRANCHES[0], "due_date": date(2027, 12, 1), "label": "Đợt 1"},
            {"amount": TRANCHES[1], "due_date": date(2028, 6, 1), "label": "Đợt 2"},
        ],
    }  # fmt: skip
    order = db.session.get(ResearchOrder, order.id)
    proposals.award(w.approver, order, w.won, contract, order.version, now=LATER)
    _act(order.id, w.official, Action.START_WORK)
    data = progress.ProgressInput(
        "Quý IV", progress.vietnam_today(), "Đã lắp 3 phao.", 30
    )
    progress.submit_progress_report(w.pi, order.id, data, _pdf("tien-do.pdf"))
    _act(order.id, w.pi, Action.REQUEST_ACCEPTANCE)
    _act(order.id, w.approver, Action.ACCEPT, {"council_result": "Đạt"})
    search.rebuild()
    matching.refit()
    w.order = db.session.get(ResearchOrder, order.id)
    w.project = db.session.scalar(
        sa.select(Project).where(Project.order_id == order.id)
    )
    w.files = {a.filename: a for a in db.session.scalars(sa.select(Attachment))}
    return w


def _login(client, auth, w, who: str) -> None:
    auth.logout()
    if who != "anonymous":
        assert auth.login(getattr(w, who).email).status_code == 302


def _get_urls(app, w) -> list[str]:
    """Every GET route whose arguments this order can fill, with every value each argument may take."""
    values = {
        "order_id": [w.order.id],
        "proposal_id": [w.won.id, w.lost.id],
        "attachment_id": [a.id for a in w.files.values()],
        "project_id": [w.project.id] if w.project else [],
        "need_id": [w.need.id],
    }
    adapter = app.url_map.bind("localhost")
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.endpoint == "static":
            continue
        if not set(rule.arguments) <= values.keys():
            continue
        names = sorted(rule.arguments)
        for combo in itertools.product(*(values[n] for n in names)):
            urls.append(
                adapter.build(rule.endpoint, dict(zip(names, combo, strict=True)))
            )
    return sorted(set(urls))


def test_staff_see_the_internal_word_and_figures(client, auth, awarded_world):
    """The check below could fail: the word and the figures are really there for staff."""
    _login(client, auth, awarded_world, "official")
    page = client.get(f"/orders/{awarded_world.order.id}").get_data(as_text=True)
    assert SECRET in page and "987.654.321" in page and "1.234.567.000" in page
    work = client.get(f"/orders/{awarded_world.order.id}/work").get_data(as_text=True)
    assert "612.345.000" in work


@pytest.mark.parametrize("who", NON_STAFF)
def test_no_page_a_non_staff_person_opens_shows_internal_text_or_figures(
    app, client, auth, awarded_world, who
):
    _login(client, auth, awarded_world, who)
    urls = _get_urls(app, awarded_world)
    assert (
        f"/orders/{awarded_world.order.id}" in urls
        and f"/orders/{awarded_world.order.id}/work" in urls
    )
    # Searches for internal words (never the word itself: a search page repeats its query).
    extra = [
        "/search/?q=lidar", f"/search/?q={SECRET[:6]}", f"/search/suggest?q={SECRET[:5]}",
        "/search/?q=phao+l%E1%BB%87+tinh+lidar", "/orders/?q=lidar", "/",
    ]  # fmt: skip
    for url in [*urls, *extra]:
        with client.get(url, buffered=True) as response:
            assert response.status_code < 500, url
            body = response.get_data().decode("utf-8", "replace").lower()
        assert SECRET not in body, (who, url)
        leaked = [f for f in FIGURES if len(f) >= 9 and f in body]
        assert not leaked, (who, url, leaked)
    assert f"/orders/{awarded_world.order.id}" not in client.get(
        "/search/?q=lidar"
    ).get_data(as_text=True)


def test_notifications_and_mails_to_non_staff_carry_no_internal_text(
    awarded_world, outbox
):
    non_staff = {
        getattr(awarded_world, who).id for who in NON_STAFF if who != "anonymous"
    }
    for note in db.session.scalars(
        sa.select(Notification).where(Notification.user_id.in_(non_staff))
    ):
        text = f"{notifications.render(note)} {note.params}".lower()
        assert SECRET not in text and not any(f in text for f in FIGURES if len(f) >= 9)
    emails = {
        getattr(awarded_world, who).email for who in NON_STAFF if who != "anonymous"
    }
    for message in outbox:
        if set(message.to) & emails:
            assert SECRET not in f"{message.subject} {message.body}".lower()


# --- Finding 14: every download route, for every role, follows one rule -----------------------------------

# file -> who may download it besides staff
EXPECTED = {
    "cong-khai.pdf": set(NON_STAFF),  # public file of a published order
    "noi-bo.pdf": set(),  # an order file not marked public: internal
    "to-trinh.pdf": set(),  # a history step's file: the officials' record
    "de-xuat.pdf": {"pi", "member", "judge"},  # a proposal's file follows the proposal
    "tien-do.pdf": {
        "pi",
        "member",
    },  # a progress report's file follows the work on the task
}


@pytest.mark.parametrize("who", [*NON_STAFF, "official"])
def test_every_download_route_follows_the_one_rule(
    app, client, auth, awarded_world, who
):
    assert set(awarded_world.files) == set(EXPECTED)
    routes = [r for r in app.url_map.iter_rules() if "attachment_id" in r.arguments]
    assert routes, "no download route found"
    _login(client, auth, awarded_world, who)
    adapter = app.url_map.bind("localhost")
    for rule in routes:
        for name, found in awarded_world.files.items():
            url = adapter.build(
                rule.endpoint, {"order_id": found.order_id, "attachment_id": found.id}
            )
            allowed = who == "official" or who in EXPECTED[name]
            with client.get(url, buffered=True) as response:
                status = response.status_code
            assert status == (200 if allowed else 404), (who, name, url, status)


def test_the_pi_sees_no_internal_part_in_text_nor_in_files(client, auth, awarded_world):
    _login(client, auth, awarded_world, "pi")
    page = client.get(f"/orders/{awarded_world.order.id}").get_data(as_text=True)
    assert "Xâm nhập mặn sông Hậu" in page and "Phao nổi" not in page
    assert "noi-bo.pdf" not in page and "to-trinh.pdf" not in page
    assert 'id="order-history"' not in page
    work = client.get(f"/orders/{awarded_world.order.id}/work").get_data(as_text=True)
    assert "tien-do.pdf" in work and 'id="budget-internal"' in work
    assert "05/HĐ-SKHCN" in work  # the contract itself is not a figure


# --- Finding 2: matching never holds internal text for non-staff -----------------------------------------


def _non_staff_scores(awarded_world, probe: str) -> dict:
    found = matching.recommendations_for(awarded_world.outsider, k=20)
    duplicates = matching.duplicates_for_text(
        probe, viewer=awarded_world.enterprise, k=20
    )
    matches = matching.matches_for_order(awarded_world.order, awarded_world.outsider)
    return {
        "recommended": [(v.kind, v.key, round(v.score, 9), v.terms) for v in found.orders + found.needs],
        "duplicates": [(v.kind, v.key, round(v.score, 9), v.terms) for v in duplicates],
        "matches": [(v.key, round(v.score, 9), v.terms) for v in matches.researchers],
    }  # fmt: skip


def test_internal_text_never_scores_nor_explains_for_non_staff(awarded_world):
    probe = f"{PUBLIC_TEXT} {INTERNAL_TEXT}"
    before = _non_staff_scores(awarded_world, probe)
    assert ("order", awarded_world.order.id) in {v[:2] for v in before["duplicates"]}
    assert SECRET not in repr(before)
    # Typing only the internal words finds the order for an official, never for anyone else.
    assert ("order", awarded_world.order.id) not in {
        (v.kind, v.key) for v in matching.duplicates_for_text(INTERNAL_TEXT, viewer=awarded_world.enterprise)
    }  # fmt: skip
    assert ("order", awarded_world.order.id) in {
        (v.kind, v.key) for v in matching.duplicates_for_text(INTERNAL_TEXT, viewer=awarded_world.official)
    }  # fmt: skip
    # Change the internal parts only (words every profile shares): nothing a non-staff person gets moves.
    db.session.execute(
        sa.update(ResearchOrder)
        .where(ResearchOrder.id == awarded_world.order.id)
        .values(
            main_content=f"{PUBLIC_TEXT} xâm nhập mặn " * 5, expected_products="mặn mặn"
        )
    )
    db.session.commit()
    assert (
        _non_staff_scores(awarded_world, probe) == before
    )  # the live model, kept in step
    matching.refit()
    assert (
        _non_staff_scores(awarded_world, probe) == before
    )  # and a model fitted afresh


def test_a_researcher_is_never_told_of_a_shared_word_only_internal_text_holds(
    awarded_world, make_user, make_published_order
):
    """A profile that shares the internal word: an open call is recommended on its public text alone."""
    now = datetime.now(UTC)
    call = make_published_order(
        now, now + timedelta(days=30), by=awarded_world.official, approver=awarded_world.approver,
        decision_number="2/QĐ", title="Cảnh báo độ mặn kênh Xà No", agency_id=awarded_world.order.agency_id,
        necessity=PUBLIC_TEXT, main_content=INTERNAL_TEXT, internal_parts=("main_content",),
    )  # fmt: skip
    insider = make_user(Role.RESEARCHER)
    db.session.add(
        ResearcherProfile(
            user=insider, keywords=[SECRET, "lidar", "xâm nhập mặn"],
            summary=f"{INTERNAL_TEXT} {PUBLIC_TEXT}", links=[],
        )
    )  # fmt: skip
    db.session.commit()
    found = matching.recommendations_for(insider, k=20)
    assert call.id in {v.key for v in found.orders}
    for view in found.orders:
        assert not {SECRET, "lidar", "phao", "vệ tinh"} & {
            t.lower() for t in view.terms
        }
