"""'Việc của tôi': what waits for each person, built with the real services, and what never shows."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from matchmaker.extensions import db
from matchmaker.lifecycle import Action
from matchmaker.models import (
    InterestStatus,
    NeedInterest,
    ResearchOrder,
    Role,
)
from matchmaker.services.home import items as work_items
from matchmaker.services.home import queue as work
from matchmaker.services.home.items import Kind, Severity
from matchmaker.services.matching import matches as matching
from matchmaker.services.orders import councils
from matchmaker.services.orders import lifecycle as orders
from matchmaker.services.orders.work import milestones, payments


@pytest.fixture
def english_ctx(app):
    """A request context in English: the notes are read in English here."""
    with app.test_request_context(), force_locale("en"):
        yield


def _keys(home, kind: Kind | None = None) -> list[str]:
    return [i.key for i in home.work.items if kind is None or i.kind == kind]


def _item(home, key: str):
    return next(i for i in home.work.items if i.key == key)


def _step(order_id: int, who, action: Action, data: dict | None = None) -> None:
    version = db.session.get(ResearchOrder, order_id).version
    orders.apply_action(order_id, who, action, data or {}, version)


@contextmanager
def _counting():
    """Count the SQL statements run inside the block."""
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)


# --- officials -----------------------------------------------------------------------------------------------


@pytest.fixture
def submitted_order(official, agency) -> ResearchOrder:
    order = orders.create_order(
        official, orders.OrderInput(title="Bản đồ ngập", agency_id=agency.id)
    )
    _step(order.id, official, Action.SUBMIT)
    return order


def test_approver_sees_the_order_waiting_for_approval(
    today, english_ctx, approver, submitted_order
):
    home = work.home_for(approver)
    decision = _item(home, f"order-{submitted_order.id}")
    assert (decision.kind, decision.endpoint, dict(decision.values)) == (
        Kind.ORDER_DECISION,
        "orders.detail",
        {"order_id": submitted_order.id},
    )
    assert decision.since == today and decision.severity == Severity.NORMAL


def test_an_official_without_approval_authority_has_no_approval_to_give(
    english_ctx, official, submitted_order
):
    assert f"order-{submitted_order.id}" not in _keys(work.home_for(official))


def test_calls_closing_soon_and_councils_to_form(
    now, english_ctx, official, make_published_order
):
    soon = make_published_order(now, now + timedelta(days=3), title="Mặn")
    later = make_published_order(now, now + timedelta(days=40), title="Lũ")
    home = work.home_for(official)
    assert _keys(home, Kind.CALL_CLOSING) == [f"call-{soon.id}"]
    closing = _item(home, f"call-{soon.id}")
    assert (closing.days_left, closing.severity) == (3, Severity.SOON)
    assert "0 proposals received" in closing.note
    assert _keys(home, Kind.COUNCIL_TO_FORM) == [f"council-{soon.id}", f"council-{later.id}"]  # fmt: skip
    assert _item(home, f"council-{later.id}").endpoint == "orders.council.index"
    councils.form_council(official, soon, official.id, [])
    assert f"council-{soon.id}" not in _keys(work.home_for(official))


def test_a_call_past_its_deadline_waits_to_be_closed(
    now, english_ctx, official, make_published_order
):
    order = make_published_order(now - timedelta(days=10), now - timedelta(days=2))
    closing = _item(work.home_for(official), f"order-{order.id}")
    assert (closing.severity, closing.days_left) == (Severity.OVERDUE, -2)
    assert "close the call" in closing.note


def test_an_official_of_another_agency_sees_none_of_these_orders(
    now,
    english_ctx,
    official,
    make_user,
    make_institution,
    make_published_order,
    submitted_order,
):
    make_published_order(now, now + timedelta(days=3))
    elsewhere = make_institution("so-yte", "Sở Y tế")
    other = make_user(Role.OFFICIAL, can_approve=True, institution_id=elsewhere.id)
    assert work.home_for(other).work.total == 0


@pytest.fixture
def late_running_order(
    now, today, official, approver, pi, teammate, make_awarded_order
):
    """Running since 200 days ago; tranche 1 was due 30 days ago (nothing paid), tranche 2 in 60 days."""
    award = {
        "contract_number": "05/HĐ", "contract_value": 900_000_000,
        "start_date": today - timedelta(days=200), "end_date": today + timedelta(days=300),
        "payment_schedule": [
            {"amount": 600_000_000, "due_date": today - timedelta(days=30), "label": "Đợt 1"},
            {"amount": 300_000_000, "due_date": today + timedelta(days=60), "label": "Đợt 2"},
        ],
    }  # fmt: skip
    order = make_awarded_order(
        now - timedelta(days=260), now - timedelta(days=230), now - timedelta(days=220),
        award, pi=pi, members=[teammate], started=True, title="Cảnh báo mặn",
    )  # fmt: skip
    plan = [("Tổng quan", -10), ("Thí nghiệm", 5), ("Báo cáo", 20), ("Tổng kết", 90)]
    made = {
        title: milestones.add_milestone(
            official,
            order.id,
            milestones.MilestoneInput(title, today + timedelta(days=d)),
        )
        for title, d in plan
    }
    milestones.submit_deliverable(pi, order.id, made["Báo cáo"].id, "Đã nộp")
    return order, made


def test_official_sees_late_milestones_tranches_and_deliverables_to_confirm(
    today, english_ctx, official, late_running_order
):
    order, made = late_running_order
    home = work.home_for(official)
    assert _keys(home, Kind.MILESTONE_OVERDUE) == [f"milestone-{made['Tổng quan'].id}"]
    assert _item(home, f"milestone-{made['Tổng quan'].id}").days_left == -10
    assert _keys(home, Kind.DELIVERABLE_TO_CONFIRM) == [f"deliverable-{made['Báo cáo'].id}"]  # fmt: skip
    # The schedule is not copied into tranches yet: read from the award.
    assert _keys(home, Kind.TRANCHE_OVERDUE) == [f"tranche-{order.id}-1"]
    tranches = payments.ensure_tranches(order)
    home = work.home_for(official)
    assert _keys(home, Kind.TRANCHE_OVERDUE) == [f"tranche-{tranches[0].id}"]
    assert _item(home, f"tranche-{tranches[0].id}").endpoint == "orders.work.index"
    payments.record_disbursement(
        official, order.id,
        payments.DisbursementInput(tranches[0].id, 600_000_000, today, "UNC-1"),
    )  # fmt: skip
    assert _keys(work.home_for(official), Kind.TRANCHE_OVERDUE) == []


def test_official_items_come_most_urgent_first(
    now, english_ctx, official, late_running_order, make_published_order
):
    make_published_order(now, now + timedelta(days=3), title="Gần hạn")
    home = work.home_for(official)
    ranks = [i.severity.rank for i in home.work.items]
    assert home.work.groups[0].severity == Severity.OVERDUE
    dated = [i for i in home.work.items if i.severity == Severity.OVERDUE]
    assert [i.due for i in dated] == sorted(i.due for i in dated)
    # Within each group too.
    for group in home.work.groups:
        assert [i.severity.rank for i in group.items] == sorted(
            i.severity.rank for i in group.items
        )
    assert home.work.overdue == ranks.count(0) == 2  # the milestone and the tranche


def test_official_queries_do_not_grow_with_the_items(
    now,
    english_ctx,
    official,
    approver,
    agency,
    make_published_order,
    late_running_order,
):
    def add(n: int) -> None:
        make_published_order(now, now + timedelta(days=2 + n), title=f"Đợt {n}")
        order = orders.create_order(
            official, orders.OrderInput(title=f"Nháp {n}", agency_id=agency.id)
        )
        _step(order.id, official, Action.SUBMIT)

    add(0)
    db.session.commit()
    with _counting() as few:
        before = work.home_for(approver).work.total
    for n in range(1, 5):
        add(n)
    db.session.commit()
    with _counting() as many:
        after = work.home_for(approver).work.total
    assert (
        after == before + 12
    )  # per order: a call closing, a council to form, an approval
    assert len(many) == len(few) <= 10


# --- researchers ---------------------------------------------------------------------------------------------


@pytest.fixture
def council_review(
    now, official, make_user, make_published_order, make_proposal, pi, institutions
):
    """A call under review with two proposals and a council of one official and one researcher."""
    order = make_published_order(now - timedelta(days=20), now - timedelta(days=2))
    rival = make_user(Role.RESEARCHER, institution_id=institutions["vlu"].id)
    first = make_proposal(pi, order, now - timedelta(days=10))
    second = make_proposal(rival, order, now - timedelta(days=9))
    judge = make_user(Role.RESEARCHER, full_name="Giám khảo")
    councils.form_council(official, order, official.id, [judge.id])
    _step(order.id, official, Action.CLOSE_APPLICATIONS)
    _step(order.id, official, Action.START_REVIEW)
    return order, judge, first, second


def test_a_council_member_sees_the_proposals_to_score_and_the_deadline(
    app, english_ctx, council_review
):
    order, judge, first, _second = council_review
    scoring = _item(work.home_for(judge), f"score-{order.id}")
    assert (scoring.kind, scoring.endpoint) == (
        Kind.PROPOSALS_TO_SCORE,
        "orders.council.review",
    )
    assert "2 proposals" in scoring.note
    assert (
        scoring.days_left == app.config["SELECTION_DECISION_DAYS"]
    )  # the call closed today
    councils.score_proposal(judge, first, dict.fromkeys(councils.CRITERIA, 7))
    assert "1 proposal " in _item(work.home_for(judge), f"score-{order.id}").note


def test_a_researcher_not_on_the_council_has_nothing_to_score(
    english_ctx, council_review, make_user
):
    order, *_ = council_review
    outsider = make_user(Role.RESEARCHER)
    assert _keys(work.home_for(outsider), Kind.PROPOSALS_TO_SCORE) == []


def test_applicants_see_their_proposals_next_step(
    now, english_ctx, make_published_order, make_proposal, pi, teammate
):
    order = make_published_order(now, now + timedelta(days=5))
    proposal = make_proposal(pi, order, now, team=[teammate.id])
    lead = _item(work.home_for(pi), f"proposal-{proposal.id}")
    assert (lead.endpoint, lead.days_left, lead.severity) == (
        "orders.proposals.detail", 5, Severity.SOON,
    )  # fmt: skip
    assert "you may still change your proposal" in lead.note
    member = _item(work.home_for(teammate), f"proposal-{proposal.id}")
    assert "your principal investigator may still change" in member.note


def test_the_principal_investigator_sees_milestones_due_and_the_team_does_not(
    english_ctx, late_running_order, pi, teammate
):
    _order, made = late_running_order
    due = _keys(work.home_for(pi), Kind.MILESTONE_DUE)
    # Overdue and due within 30 days, not handed in; the 90-day one later, the submitted one not at all.
    assert due == [f"milestone-{made['Tổng quan'].id}", f"milestone-{made['Thí nghiệm'].id}"]  # fmt: skip
    assert _keys(work.home_for(teammate), Kind.MILESTONE_DUE) == []


def test_a_researcher_sees_the_open_calls_that_match_them(
    english_ctx, make_researcher, make_order
):
    expert = make_researcher(
        "Lê Thị Mặn", "ctu", ["xâm nhập mặn", "sông Hậu"],
        "Mô hình dự báo xâm nhập mặn vùng sông Hậu.", ("Xâm nhập mặn ở đồng bằng sông Cửu Long",),
    )  # fmt: skip
    salinity = make_order(
        "Dự báo xâm nhập mặn sông Hậu", "Mô hình dự báo xâm nhập mặn cho vùng sông Hậu."
    )
    make_order("Vắc xin cá tra", "Vắc xin phòng bệnh gan thận mủ cho cá tra giống.")
    home = work.home_for(expert)
    assert _keys(home, Kind.MATCHING_CALL)[:1] == [f"match-{salinity.id}"]
    call = _item(home, f"match-{salinity.id}")
    assert call.endpoint == "orders.detail" and call.days_left in (29, 30)
    assert "match" in call.note.lower() or "phù hợp" in call.note
    assert home.recommendations.orders  # the page's recommendations, computed once


# --- enterprise representatives ------------------------------------------------------------------------------


def test_a_representative_sees_interests_in_their_own_needs_only(
    english_ctx, make_enterprise, make_rep, make_need, make_user
):
    mine, theirs = make_enterprise(), make_enterprise()
    rep, other_rep = make_rep(mine), make_rep(theirs)
    researcher = make_user(Role.RESEARCHER, full_name="Ngô Văn Hỏi")
    need, other_need = make_need(mine), make_need(theirs)
    pending = NeedInterest(
        need_id=need.id, user_id=researcher.id, message="Tôi quan tâm"
    )
    answered = NeedInterest(
        need_id=other_need.id, user_id=researcher.id, message="Tôi quan tâm",
        status=InterestStatus.DECLINED,
    )  # fmt: skip
    db.session.add_all([pending, answered])
    db.session.commit()
    home = work.home_for(rep)
    assert _keys(home, Kind.INTEREST_RECEIVED) == [f"interest-{pending.id}"]
    interest = _item(home, f"interest-{pending.id}")
    assert "Ngô Văn Hỏi" in interest.note and interest.values["need_id"] == need.id
    assert _keys(work.home_for(other_rep), Kind.INTEREST_RECEIVED) == []


def test_a_representative_sees_researchers_matching_their_open_needs(
    today, english_ctx, make_enterprise, make_rep, make_need, make_researcher
):
    make_researcher(
        "Trần Văn Tôm", "ctu", ["nước thải", "nuôi tôm"],
        "Xử lý nước thải ao nuôi tôm bằng vi sinh.", ("Xử lý nước thải ao nuôi tôm",),
    )  # fmt: skip
    company = make_enterprise()
    need = make_need(company, deadline=today + timedelta(days=90))
    rep = make_rep(company)
    # No model fitted yet: the home page does not wait for the first fit.
    assert _keys(work.home_for(rep), Kind.NEED_MATCHES) == []
    matching.refit()
    home = work.home_for(rep)
    matched = _item(home, f"need-{need.id}")
    assert matched.kind == Kind.NEED_MATCHES and "Trần Văn Tôm" in matched.note
    assert matched.values == {"need_id": need.id, "_anchor": "matches"}
    assert matched.days_left == 90


# --- administrators ------------------------------------------------------------------------------------------


def test_an_administrator_sees_pending_invitations_and_platform_health(
    indexed_ctx_en, make_user
):
    admin = make_user(Role.ADMIN)
    invited = make_user(Role.RESEARCHER, invitation_pending=True, active=False)
    make_user(Role.RESEARCHER)
    home = work.home_for(admin)
    assert _keys(home, Kind.INVITATION_PENDING) == [f"invitation-{invited.id}"]
    assert _item(home, f"invitation-{invited.id}").endpoint == "admin.user_detail"
    checks = {c.name: c.ok for c in home.work.health}
    assert (
        len(checks) == 2 and list(checks.values())[0] is True
    )  # the index was just built


def test_other_people_have_no_invitations_to_see(english_ctx, make_user):
    make_user(Role.RESEARCHER, invitation_pending=True, active=False)
    official = make_user(Role.OFFICIAL)
    assert _keys(work.home_for(official), Kind.INVITATION_PENDING) == []
    assert work.home_for(official).work.health == ()


# --- ordering ------------------------------------------------------------------------------------------------


def test_the_queue_puts_overdue_first_then_the_earliest_due():
    def one(kind, key, due=None, since=None):
        return work_items.item(
            kind, key, "", None, {}, date(2027, 1, 10), due=due, since=since, key=key
        )

    queue = work_items.queue([
        one(Kind.CALL_CLOSING, "later", due=date(2027, 1, 30)),
        one(Kind.CALL_CLOSING, "soon", due=date(2027, 1, 12)),
        one(Kind.DELIVERABLE_TO_CONFIRM, "waiting", since=date(2027, 1, 1)),
        one(Kind.MILESTONE_OVERDUE, "late", due=date(2027, 1, 5)),
        one(Kind.MILESTONE_OVERDUE, "latest", due=date(2026, 12, 1)),
        one(Kind.CALL_CLOSING, "today", due=date(2027, 1, 10)),
    ])  # fmt: skip
    assert [g.kind for g in queue.groups] == [
        Kind.MILESTONE_OVERDUE, Kind.CALL_CLOSING, Kind.DELIVERABLE_TO_CONFIRM,
    ]  # fmt: skip
    assert [i.key for i in queue.items] == ["latest", "late", "today", "soon", "later", "waiting"]  # fmt: skip
    assert [i.severity for i in queue.groups[1].items] == [Severity.SOON, Severity.SOON, Severity.NORMAL]  # fmt: skip
    assert (queue.total, queue.overdue, queue.soon) == (6, 2, 2)
