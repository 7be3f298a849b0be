"""Steps of the work that keep the order's state: a deliverable sent back for revision, a result added later."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from flask_babel import gettext as _

from matchmaker.extensions import db
from matchmaker.lifecycle import Action
from matchmaker.models import (
    IPKind,
    IPStatus,
    Milestone,
    Notification,
    OrderEvent,
    ResearchOrder,
    ResultRecord,
    Role,
)
from matchmaker.services import policy
from matchmaker.services.errors import Conflict, NotAllowed
from matchmaker.services.matching import corpus
from matchmaker.services.orders import lifecycle as orders
from matchmaker.services.orders import work as progress

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
DEADLINE = START + timedelta(days=14)
AWARDED_AT = DEADLINE + timedelta(days=2)  # 2026-11-18
HANDED_IN = datetime(2027, 2, 20, 3, 0, tzinfo=UTC)
SENT_BACK = datetime(2027, 3, 2, 3, 0, tzinfo=UTC)
AGAIN = datetime(2027, 3, 9, 3, 0, tzinfo=UTC)
AWARD = {
    "contract_number": "07/HĐ-SKHCN", "contract_value": 900_000_000,
    "start_date": date(2027, 1, 1), "end_date": date(2028, 6, 30),
    "payment_schedule": [{"amount": 900_000_000, "due_date": date(2028, 6, 1), "label": "Một đợt"}],
}  # fmt: skip
REASON = "Thiếu số liệu đo mặn của 5 trạm ở Cái Răng; bổ sung bảng số liệu gốc."
PATENT = progress.ResultInput(
    product="Bằng độc quyền giải pháp hữu ích cảm biến mặn", description="Được cấp sau nghiệm thu",
    ip_kind=IPKind.UTILITY_SOLUTION, ip_number="2-0003456", ip_status=IPStatus.GRANTED,
    applied_at="Hợp tác xã Phong Điền", beneficiary="Nông dân trồng lúa",
)  # fmt: skip


@pytest.fixture
def revision_people(make_user, agency) -> SimpleNamespace:
    return SimpleNamespace(
        agency=agency,
        official=make_user(Role.OFFICIAL, institution=agency),
        approver=make_user(Role.OFFICIAL, institution=agency, can_approve=True),
        pi=make_user(Role.RESEARCHER, full_name="TS. Lê Thị Phù Sa"),
        member=make_user(Role.RESEARCHER),
        outsider=make_user(Role.RESEARCHER),
        enterprise=make_user(Role.ENTERPRISE),
    )


@pytest.fixture
def working_order(revision_people, make_awarded_order) -> ResearchOrder:
    """An order in progress, awarded to the PI and the member through the real lifecycle."""
    people = revision_people
    return make_awarded_order(
        START, DEADLINE, AWARDED_AT, AWARD, pi=people.pi, members=[people.member], started=True,
        by=people.official, approver=people.approver, title="Quan trắc mặn tự động",
    )  # fmt: skip


def _act(order: ResearchOrder, user, action: Action, data=None, now=SENT_BACK):
    version = db.session.get(ResearchOrder, order.id).version
    orders.apply_action(order.id, user, action, data or {}, version, now=now)


def _handed_in(people, order, due=date(2027, 2, 28)) -> Milestone:
    milestone = progress.add_milestone(
        people.official, order.id,
        progress.MilestoneInput(title="Báo cáo khảo sát độ mặn", due_date=due),
    )  # fmt: skip
    return progress.submit_deliverable(
        people.pi, order.id, milestone.id, "Đã gửi văn thư Sở", now=HANDED_IN
    )


def _registered(people, order, then_applied: bool = True) -> ResearchOrder:
    _act(order, people.pi, Action.REQUEST_ACCEPTANCE)
    _act(order, people.approver, Action.ACCEPT, {"council_result": "Đạt"})
    version = db.session.get(ResearchOrder, order.id).version
    results = [progress.ResultInput(product="Hệ thống cảnh báo mặn")]
    progress.register_results(
        people.pi, order.id, results, "15/2027/KQNV", version, now=SENT_BACK
    )
    if then_applied:
        _act(order, people.official, Action.START_APPLICATION)
    return db.session.get(ResearchOrder, order.id)


def _events(order, action: str) -> list[OrderEvent]:
    return [e for e in orders.history(order) if e.action == action]


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _kinds(user) -> list[str]:
    stmt = sa.select(Notification.kind).where(Notification.user_id == user.id)
    return list(db.session.scalars(stmt.order_by(Notification.id)))


# --- a deliverable sent back for revision ----------------------------------------------------------------------


def test_official_sends_a_deliverable_back_with_its_reason(
    revision_people, working_order, outbox
):
    people = revision_people
    milestone = _handed_in(people, working_order)
    outbox.clear()
    entry = progress.send_back_deliverable(
        people.official, working_order.id, milestone.id, REASON, now=SENT_BACK
    )
    db.session.expire_all()
    fresh = db.session.get(Milestone, milestone.id)
    assert (fresh.submitted_at, fresh.submitted_by_id, fresh.completed_on) == (
        None,
        None,
        None,
    )
    assert entry.action == "return_deliverable" and entry.note == REASON
    assert (entry.actor_id, entry.from_state, entry.to_state) == (
        people.official.id, "in_progress", "in_progress",
    )  # fmt: skip
    assert entry.fields["milestone_id"] == milestone.id
    assert entry.fields["subject"] == "Báo cáo khảo sát độ mặn"
    overview = progress.work_overview(working_order, date(2027, 3, 2))
    assert overview.sent_back[milestone.id].note == REASON
    assert "deliverable_sent_back" in _kinds(people.pi)
    assert [m.to for m in outbox] == [[people.pi.email]]
    assert db.session.get(ResearchOrder, working_order.id).state == "in_progress"


def test_pi_hands_a_sent_back_deliverable_in_again(revision_people, working_order):
    people = revision_people
    milestone = _handed_in(people, working_order)
    progress.send_back_deliverable(
        people.official, working_order.id, milestone.id, REASON
    )
    progress.submit_deliverable(
        people.pi, working_order.id, milestone.id, "Đã bổ sung số liệu", now=AGAIN
    )
    db.session.expire_all()
    assert (
        db.session.get(Milestone, milestone.id).submission_note == "Đã bổ sung số liệu"
    )
    assert progress.work_overview(working_order, date(2027, 3, 9)).sent_back == {}
    steps = [
        (e.action, e.note) for e in orders.history(working_order)
        if e.fields and e.fields.get("milestone_id") == milestone.id
    ]  # fmt: skip
    assert steps == [
        ("submit_deliverable", "Đã gửi văn thư Sở"),
        ("return_deliverable", REASON),
        ("submit_deliverable", "Đã bổ sung số liệu"),
    ]
    # ...and an official can now confirm it.
    progress.complete_milestone(
        people.official, working_order.id, milestone.id, date(2027, 3, 10), "Biên bản 4",
        now=datetime(2027, 3, 10, 3, 0, tzinfo=UTC),
    )  # fmt: skip


def test_a_deliverable_sent_back_after_its_due_date_makes_the_order_late_again(
    revision_people, working_order
):
    people = revision_people
    milestone = _handed_in(people, working_order, due=date(2027, 2, 28))
    day = date(2027, 3, 5)
    assert not progress.schedule_status(working_order, day).is_late
    progress.send_back_deliverable(
        people.official, working_order.id, milestone.id, REASON
    )
    status = progress.schedule_status(working_order, day)
    assert [r.subject for r in status.reasons] == ["Báo cáo khảo sát độ mặn"]
    assert progress.work_overview(working_order, day).overdue == {milestone.id}


def test_a_deliverable_sent_back_before_its_due_date_is_not_late(
    revision_people, working_order
):
    people = revision_people
    milestone = _handed_in(people, working_order, due=date(2027, 6, 30))
    progress.send_back_deliverable(
        people.official, working_order.id, milestone.id, REASON
    )
    assert not progress.schedule_status(working_order, date(2027, 3, 5)).is_late


def _refused_send_back(
    people, order, milestone, error=Conflict, user=None, reason=REASON
):
    before = (_count(OrderEvent), _count(Notification))
    db.session.refresh(milestone)
    kept = (milestone.submitted_at, milestone.completed_on, milestone.submission_note)
    with pytest.raises(error) as refused:
        progress.send_back_deliverable(
            user or people.official, order.id, milestone.id, reason
        )
    db.session.rollback()
    db.session.expire_all()
    fresh = db.session.get(Milestone, milestone.id)
    assert (fresh.submitted_at, fresh.completed_on, fresh.submission_note) == kept
    assert (_count(OrderEvent), _count(Notification)) == before
    return refused.value


def test_a_confirmed_deliverable_cannot_be_sent_back(revision_people, working_order):
    people = revision_people
    milestone = _handed_in(people, working_order)
    progress.complete_milestone(
        people.official, working_order.id, milestone.id, date(2027, 2, 25), "Biên bản 3",
        now=SENT_BACK,
    )  # fmt: skip
    error = _refused_send_back(people, working_order, milestone)
    assert error.message == _(
        "This milestone is already confirmed as completed: its deliverable cannot be sent back."
    )


def test_a_deliverable_not_handed_in_cannot_be_sent_back(
    revision_people, working_order
):
    people = revision_people
    milestone = _handed_in(people, working_order)
    progress.send_back_deliverable(
        people.official, working_order.id, milestone.id, REASON
    )
    error = _refused_send_back(people, working_order, milestone)  # a second time
    assert error.message == _(
        "This deliverable is not handed in (or was just sent back): there is nothing to send back."
    )
    assert len(_events(working_order, "return_deliverable")) == 1


def test_sending_back_needs_a_reason(revision_people, working_order):
    people = revision_people
    milestone = _handed_in(people, working_order)
    error = _refused_send_back(people, working_order, milestone, reason="  \n ")
    assert error.field == "reason"


@pytest.mark.parametrize("who", ["pi", "member", "outsider", "enterprise"])
def test_only_officials_send_deliverables_back(revision_people, working_order, who):
    people = revision_people
    milestone = _handed_in(people, working_order)
    _refused_send_back(
        people, working_order, milestone, NotAllowed, user=getattr(people, who)
    )


def test_deliverables_are_sent_back_only_while_the_work_goes_on(
    revision_people, working_order
):
    people = revision_people
    milestone = _handed_in(people, working_order)
    _act(working_order, people.pi, Action.REQUEST_ACCEPTANCE)
    error = _refused_send_back(people, working_order, milestone)
    assert error.message == _(
        "Deliverables are sent back for revision while the work goes on."
    )


def test_the_permissions_offer_sending_back_to_officials_while_in_progress(
    revision_people, working_order
):
    people = revision_people
    assert progress.permissions(people.official, working_order).send_back
    assert progress.permissions(people.approver, working_order).send_back
    for who in ("pi", "member", "outsider", "enterprise"):
        assert not progress.permissions(getattr(people, who), working_order).send_back
    _act(working_order, people.pi, Action.REQUEST_ACCEPTANCE)
    fresh = db.session.get(ResearchOrder, working_order.id)
    assert not progress.permissions(people.official, fresh).send_back


# --- a result added after the registration ---------------------------------------------------------------------


def test_pi_adds_a_result_while_the_task_is_in_application(
    revision_people, working_order, outbox
):
    people = revision_people
    order = _registered(people, working_order)
    assert order.state == "in_application"
    outbox.clear()
    added = datetime(2027, 9, 1, 3, 0, tzinfo=UTC)
    record = progress.add_result(people.pi, order.id, PATENT, now=added)
    db.session.expire_all()
    fresh = db.session.get(ResearchOrder, order.id)
    assert fresh.state == "in_application"
    assert [r.product for r in progress.list_results(fresh)] == [
        "Hệ thống cảnh báo mặn",
        "Bằng độc quyền giải pháp hữu ích cảm biến mặn",
    ]
    stored = db.session.get(ResultRecord, record.id)
    assert (stored.ip_kind, stored.ip_number, stored.ip_status, stored.recorded_by_id) == (
        IPKind.UTILITY_SOLUTION, "2-0003456", IPStatus.GRANTED, people.pi.id,
    )  # fmt: skip
    (entry,) = _events(fresh, "add_result")
    assert (entry.actor_id, entry.from_state, entry.to_state) == (
        people.pi.id, "in_application", "in_application",
    )  # fmt: skip
    assert entry.created_at.replace(tzinfo=UTC) == added
    assert entry.fields == {"subject": stored.product, "result_id": stored.id}
    assert "result_added" in _kinds(people.official)
    assert "result_added" in _kinds(people.approver)
    assert "result_added" not in _kinds(people.pi)
    assert {m.to[0] for m in outbox} == {people.official.email, people.approver.email}


def test_an_added_result_is_public_and_matched_like_the_others(
    revision_people, working_order
):
    people = revision_people
    order = _registered(people, working_order)
    record = progress.add_result(people.pi, order.id, PATENT)
    assert policy.results_are_public(db.session.get(ResearchOrder, order.id))
    # The matcher reads a researcher's work from these documents (and refits when their count changes).
    pis = sa.select(ResearchOrder.pi_id).where(ResearchOrder.id == order.id)
    documents = corpus.work_documents(pis)[people.pi.id]
    assert f"result:{record.id}" in {d.doc_id for d in documents}


def test_an_official_adds_a_result_once_registered_and_the_pi_hears(
    revision_people, working_order
):
    people = revision_people
    order = _registered(people, working_order, then_applied=False)
    assert order.state == "results_registered"
    progress.add_result(people.official, order.id, PATENT)
    assert "result_added" in _kinds(people.pi)
    assert len(progress.list_results(db.session.get(ResearchOrder, order.id))) == 2


def _refused_result(people, order, error, user=None, data=PATENT):
    before = (_count(ResultRecord), _count(OrderEvent), _count(Notification))
    with pytest.raises(error) as refused:
        progress.add_result(user or people.pi, order.id, data)
    db.session.rollback()
    assert (_count(ResultRecord), _count(OrderEvent), _count(Notification)) == before
    return refused.value


@pytest.mark.parametrize("stage", ["in_progress", "accepted", "closed"])
def test_results_are_added_only_once_registered_and_until_closed(
    revision_people, working_order, stage
):
    people = revision_people
    order = working_order
    if stage == "accepted":
        _act(order, people.pi, Action.REQUEST_ACCEPTANCE)
        _act(order, people.approver, Action.ACCEPT, {"council_result": "Đạt"})
    elif stage == "closed":
        _registered(people, order)
        _act(order, people.official, Action.CLOSE)
    assert db.session.get(ResearchOrder, order.id).state == stage
    error = _refused_result(people, order, Conflict)
    assert error.message == _(
        "A result is added once the results are registered, until the task is closed."
    )


@pytest.mark.parametrize("who", ["member", "outsider", "enterprise"])
def test_only_officials_and_the_pi_add_results(revision_people, working_order, who):
    people = revision_people
    order = _registered(people, working_order)
    _refused_result(people, order, NotAllowed, user=getattr(people, who))


@pytest.mark.parametrize(
    "data",
    [
        progress.ResultInput(product="  "),
        progress.ResultInput(product="Bằng", ip_kind=IPKind.PATENT),
        progress.ResultInput(product="Bằng", ip_number="1-0001"),
        progress.ResultInput(product="Bằng\x07"),
    ],
)
def test_an_added_result_is_checked_as_at_registration(
    revision_people, working_order, data
):
    people = revision_people
    order = _registered(people, working_order)
    assert _refused_result(people, order, Conflict, data=data).field == "results"
