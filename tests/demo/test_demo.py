"""The Cần Thơ demo dataset."""

from __future__ import annotations

import unicodedata
from collections import Counter

import sqlalchemy as sa

from matchmaker.demo import loader as demo
from matchmaker.extensions import db
from matchmaker.models import Enterprise, Institution, ResearcherProfile, Role, User

PRIORITY_AREAS = {
    "aquaculture", "rice_fruit", "salinity_water", "renewable_energy", "health",
    "biotechnology", "ai", "blockchain", "automation", "digital_transformation",
}  # fmt: skip


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_demo_data_has_the_promised_content(app):
    demo.load_demo_data()
    assert _count(ResearcherProfile) >= 40 and _count(Enterprise) >= 10
    areas = Counter(db.session.scalars(sa.select(ResearcherProfile.priority_area)))
    assert set(areas) == PRIORITY_AREAS and min(areas.values()) >= 3
    kinds = {k.value for k in db.session.scalars(sa.select(Institution.kind))}
    assert {"university", "institute", "agency"} <= kinds
    roles = set(db.session.scalars(sa.select(User.role)))
    assert roles == set(Role)


def test_demo_text_is_nfc_vietnamese(app):
    demo.load_demo_data()
    names = list(db.session.scalars(sa.select(User.full_name)))
    assert all(unicodedata.is_normalized("NFC", n) for n in names)
    assert any("đ" in n.lower() or "Đ" in n for n in names)
    ctu = db.session.scalar(
        sa.select(Institution).where(Institution.name_vi.like("%Đại học Cần Thơ%"))
    )
    assert ctu is not None


def test_demo_data_is_idempotent(app):
    first = demo.load_demo_data()
    stamps = sorted(db.session.execute(sa.select(User.email, User.updated_at)).all())
    second = demo.load_demo_data()
    assert first == second
    assert (
        sorted(db.session.execute(sa.select(User.email, User.updated_at)).all())
        == stamps
    )


def test_demo_logins_in_readme_work(client):
    demo.load_demo_data()
    for email in ("admin", "official", "researcher", "enterprise"):
        response = client.post(
            "/auth/login",
            data={
                "email": f"{email}@demo.cantho.example",
                "password": demo.DEMO_PASSWORD,
            },
        )
        assert response.status_code == 302, email
        client.post("/auth/logout")


def test_demo_password_is_in_the_readme():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(
        encoding="utf-8"
    )
    assert demo.DEMO_PASSWORD in readme and "admin@demo.cantho.example" in readme


def test_cli_demo_data_if_empty_skips_a_used_database(runner, make_user):
    make_user()
    result = runner.invoke(args=["demo-data", "--if-empty"])
    assert result.exit_code == 0 and "not loaded" in result.output
    assert _count(ResearcherProfile) == 0


def test_cli_demo_data_loads_with_progress(runner):
    result = runner.invoke(args=["demo-data"])
    assert result.exit_code == 0, result.output
    assert "Loading demo data" in result.output and _count(ResearcherProfile) >= 40


def test_home_page_shows_figures_from_the_database(client):
    demo.load_demo_data()
    public = db.session.scalar(
        sa.select(sa.func.count(ResearcherProfile.id)).where(
            ResearcherProfile.public.is_(True)
        )
    )
    page = client.get("/").get_data(as_text=True)
    assert f'<div class="stat">{public}</div>' in page


def test_every_demo_researcher_has_a_full_profile(app):
    from matchmaker.models import Publication, ResearcherField, TechNeed

    demo.load_demo_data()
    profiles = db.session.scalars(sa.select(ResearcherProfile)).all()
    for profile in profiles:
        assert (
            len(profile.keywords) >= 5 and profile.summary and profile.priority_area
        ), profile.user.email
        assert len(profile.publications) >= 3 and profile.field_rows, profile.user.email
    assert _count(TechNeed) >= 15
    assert (
        db.session.scalar(
            sa.select(sa.func.count(Publication.id)).where(Publication.abstract != "")
        )
        >= 100
    )
    assert _count(ResearcherField) >= len(profiles)


def test_demo_needs_cover_every_confidentiality(app):
    from matchmaker.models import Confidentiality, TechNeed

    demo.load_demo_data()
    assert set(db.session.scalars(sa.select(TechNeed.confidentiality))) == set(
        Confidentiality
    )


def test_demo_orders_cover_every_state_with_real_history(app):
    from matchmaker.lifecycle import OrderState
    from matchmaker.models import OrderEvent, ResearchOrder

    demo.load_demo_data()
    states = set(db.session.scalars(sa.select(ResearchOrder.state)))
    assert states == {s.value for s in OrderState}
    assert _count(ResearchOrder) >= 20
    # Every order's history replays its path: from → to of consecutive events chain up to its state.
    for order in db.session.scalars(sa.select(ResearchOrder)):
        events = db.session.scalars(
            sa.select(OrderEvent)
            .where(OrderEvent.order_id == order.id)
            .order_by(OrderEvent.id)
        ).all()
        moves = [e for e in events if e.from_state != e.to_state]
        assert all(
            a.to_state == b.from_state for a, b in zip(moves, moves[1:], strict=False)
        ), order.title
        assert (
            events[-1].to_state == order.state or events[-1].action == "mid_term_check"
        )


def test_demo_orders_load_once(app):
    from matchmaker.models import OrderEvent

    demo.load_demo_data()
    events = _count(OrderEvent)
    demo.load_demo_data()
    assert _count(OrderEvent) == events


def test_demo_salinity_call_is_open(app):
    from matchmaker.models import ResearchOrder

    demo.load_demo_data()
    open_calls = db.session.scalars(
        sa.select(ResearchOrder.title).where(ResearchOrder.state == "published")
    ).all()
    assert any("mặn" in title for title in open_calls)


def test_demo_orders_come_with_proposals_councils_and_the_work(app):
    from matchmaker.models import (
        Council,
        CouncilMember,
        Disbursement,
        Milestone,
        ProgressReport,
        Proposal,
        ProposalScore,
        ProposalStatus,
        ResearchOrder,
        ResultRecord,
        Tranche,
        User,
    )

    demo.load_demo_data()
    running = {"awarded", "in_progress", "acceptance_review", "accepted", "not_accepted",
               "results_registered", "in_application", "closed", "closed_risk_accepted", "terminated"}  # fmt: skip
    for order in db.session.scalars(
        sa.select(ResearchOrder).where(ResearchOrder.state.in_(running))
    ):
        if order.state == "closed" and order.pi_id is None:
            continue  # closed without award
        winner = db.session.scalar(
            sa.select(Proposal).where(
                Proposal.order_id == order.id,
                Proposal.status == ProposalStatus.AWARDED,
            )
        )
        assert winner is not None and winner.pi_id == order.pi_id, order.title
        if order.state == "awarded":
            continue  # the work has not started
        assert _count_where(Milestone, Milestone.order_id == order.id) == 3
        assert (
            _count_where(
                Disbursement,
                Disbursement.tranche_id.in_(
                    sa.select(Tranche.id).where(Tranche.order_id == order.id)
                ),
            )
            >= 1
        )
        assert _count_where(ProgressReport, ProgressReport.order_id == order.id) >= 1
    assert _count(Council) >= 10 and _count(ProposalScore) >= 50
    assert _count(ResultRecord) >= 2
    # The demo researcher sits on a council still reviewing, with marks left to give.
    researcher = db.session.scalar(
        sa.select(User).where(User.email == "researcher@demo.cantho.example")
    )
    seats = db.session.scalars(
        sa.select(CouncilMember).where(CouncilMember.user_id == researcher.id)
    ).all()
    assert any(
        seat.council.order.state == "under_review"
        and not _count_where(ProposalScore, ProposalScore.member_id == seat.id)
        for seat in seats
    )


def _count_where(model, clause) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(model).where(clause)
    )


def test_demo_history_is_the_past_year_and_running_work_is_partly_late(app):
    from datetime import UTC, datetime, timedelta

    from matchmaker.models import OrderEvent, ResearchOrder
    from matchmaker.services.orders import work

    demo.load_demo_data()
    loaded = datetime.now(UTC)
    moments = [
        m if m.tzinfo else m.replace(tzinfo=UTC)
        for m in db.session.scalars(sa.select(OrderEvent.created_at))
    ]
    assert max(moments) <= loaded
    assert min(moments) >= loaded - timedelta(days=400)
    # Spread over the year, not one day: the figures of a period and the trends by month have something to show.
    assert len({m.strftime("%Y-%m") for m in moments}) >= 8
    running = db.session.scalars(
        sa.select(ResearchOrder).where(ResearchOrder.state == "in_progress")
    ).all()
    late = [s.is_late for s in work.schedule_statuses(running).values()]
    assert True in late and False in late
