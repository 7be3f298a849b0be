"""Accepting an order and recording its project are one unit of work: both happen, or neither."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from matchmaker.extensions import db
from matchmaker.lifecycle import Action, OrderState
from matchmaker.models import (
    Institution,
    InstitutionKind,
    Notification,
    OrderEvent,
    Project,
    Proposal,
    ProposalStatus,
    ResearchOrder,
    Role,
)
from matchmaker.services.errors import Conflict
from matchmaker.services.orders import lifecycle as orders
from matchmaker.services.search import index as search

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
DEADLINE = START + timedelta(days=14)
AWARDED_AT = DEADLINE + timedelta(days=2)
AWARD = {
    "contract_number": "07/HĐ-SKHCN", "contract_value": 900_000_000,
    "start_date": date(2027, 1, 1), "end_date": date(2028, 6, 30),
    "payment_schedule": [{"amount": 900_000_000, "due_date": date(2027, 1, 15), "label": "Một đợt"}],
}  # fmt: skip


def act(order_id: int, user, action: Action, data: dict | None = None, now=AWARDED_AT):
    version = db.session.get(ResearchOrder, order_id).version
    return orders.apply_action(order_id, user, action, data or {}, version, now=now)


@pytest.fixture
def acceptance_people(app, make_user) -> SimpleNamespace:
    agency = Institution(
        slug="so-khcn", name_vi="Sở Khoa học và Công nghệ", kind=InstitutionKind.AGENCY
    )
    db.session.add(agency)
    db.session.commit()
    return SimpleNamespace(
        agency=agency,
        official=make_user(Role.OFFICIAL, institution=agency),
        approver=make_user(Role.OFFICIAL, institution=agency, can_approve=True),
        pi=make_user(Role.RESEARCHER, full_name="PGS. Đoàn Văn Lộc"),
    )


@pytest.fixture
def under_review(app, acceptance_people, make_published_order):
    """An order walked through the real lifecycle to acceptance review; work started on ``started``."""

    def walk(started: datetime) -> ResearchOrder:
        with app.test_request_context():
            search.rebuild()
            order = make_published_order(
                START, DEADLINE, title="Bản đồ sụt lún nền đất đô thị", by=acceptance_people.official,
                approver=acceptance_people.approver, decided_on=date(2026, 11, 1), decision_number="2/QĐ",
                agency_id=acceptance_people.agency.id, objectives="Đo sụt lún bằng ảnh vệ tinh radar.",
            )  # fmt: skip
            publish = {
                "selection_method": "open_selection",
                "application_deadline": DEADLINE,
            }
            act(
                order.id, acceptance_people.official, Action.CLOSE_APPLICATIONS, publish
            )
            act(order.id, acceptance_people.official, Action.START_REVIEW)
            db.session.add(
                Proposal(
                    order_id=order.id, pi_id=acceptance_people.pi.id, approach="Ảnh radar", budget=900_000_000,
                    status=ProposalStatus.SUBMITTED, submitted_at=START, decline_comment="",
                )
            )  # fmt: skip
            db.session.get(ResearchOrder, order.id).pi_id = acceptance_people.pi.id
            db.session.commit()
            act(order.id, acceptance_people.approver, Action.AWARD, AWARD)
            act(order.id, acceptance_people.official, Action.START_WORK, now=started)
            act(order.id, acceptance_people.pi, Action.REQUEST_ACCEPTANCE, now=started)
            return db.session.get(ResearchOrder, order.id)

    return walk


def _counts(order_id: int) -> tuple[int, int, int]:
    return (
        db.session.scalar(
            sa.select(sa.func.count(Project.id)).where(Project.order_id == order_id)
        ),
        db.session.scalar(
            sa.select(sa.func.count(OrderEvent.id)).where(
                OrderEvent.order_id == order_id, OrderEvent.action == "accept"
            )
        ),
        db.session.scalar(sa.select(sa.func.count(Notification.id))),
    )


def test_accepting_an_order_records_and_indexes_its_project(
    app, acceptance_people, under_review
):
    order = under_review(datetime(2027, 3, 1, tzinfo=UTC))
    with app.test_request_context():
        act(order.id, acceptance_people.approver, Action.ACCEPT, {"council_result": "Đạt"},
            now=datetime(2028, 7, 1, tzinfo=UTC))  # fmt: skip
        project = db.session.scalar(
            sa.select(Project).where(Project.order_id == order.id)
        )
        assert (project.pi_id, project.start_year, project.end_year) == (
            acceptance_people.pi.id,
            2027,
            2028,
        )
        assert (
            db.session.get(ResearchOrder, order.id).state == OrderState.ACCEPTED.value
        )
        hits = search.find("sụt lún nền đất", {}).result.hits
        assert [(h.kind, int(h.id)) for h in hits if h.kind == "project"] == [
            ("project", project.id)
        ]


def test_order_stays_under_review_when_its_project_cannot_be_recorded(
    app, acceptance_people, under_review, outbox
):
    # Work recorded as started in 2029 and acceptance dated 2028: the project's years would be in the
    # wrong order, which the database refuses (ck_projects_years_in_order).
    app.config["BABEL_DEFAULT_LOCALE"] = "en"  # the refusal is read in English below
    order = under_review(datetime(2029, 3, 1, tzinfo=UTC))
    version = order.version
    before = _counts(order.id)
    sent = len(outbox)
    with app.test_request_context(), pytest.raises(Conflict) as refused:
        act(order.id, acceptance_people.approver, Action.ACCEPT, {"council_result": "Đạt"},
            now=datetime(2028, 7, 1, tzinfo=UTC))  # fmt: skip
    assert "Nothing was changed" in refused.value.message
    db.session.expire_all()
    after = db.session.get(ResearchOrder, order.id)
    assert (after.state, after.version) == (OrderState.ACCEPTANCE_REVIEW.value, version)
    assert _counts(order.id) == before == (0, 0, before[2])
    assert len(outbox) == sent  # nobody was told of a step that did not happen
