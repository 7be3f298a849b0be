"""The work of an awarded order: tranches and disbursements, milestones, progress reports, schedule, results."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from flask_login import AnonymousUserMixin

from matchmaker.extensions import db
from matchmaker.lifecycle import Action
from matchmaker.models import (
    Attachment,
    Disbursement,
    IPKind,
    IPStatus,
    Milestone,
    Notification,
    OrderEvent,
    ProgressReport,
    ResearchOrder,
    ResultRecord,
    Role,
    Tranche,
)
from matchmaker.services import policy
from matchmaker.services.errors import Conflict, NotAllowed
from matchmaker.services.messaging import notifications
from matchmaker.services.orders import lifecycle as orders
from matchmaker.services.orders import work as progress

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
DEADLINE = START + timedelta(days=14)
AWARDED_AT = DEADLINE + timedelta(days=2)  # 2026-11-18
WORKING = datetime(2027, 3, 1, 3, 0, tzinfo=UTC)  # 10:00 in Cần Thơ
AWARD = {
    "contract_number": "05/HĐ-SKHCN", "contract_value": 900_000_000,
    "start_date": date(2027, 1, 1), "end_date": date(2028, 6, 30),
    "payment_schedule": [
        {"amount": 600_000_000, "due_date": date(2027, 1, 15), "label": "Tạm ứng đợt 1"},
        {"amount": 300_000_000, "due_date": date(2027, 12, 31), "label": "Đợt 2"},
    ],
}  # fmt: skip


def act(order_id: int, user, action: Action, data: dict | None = None, now=AWARDED_AT):
    version = db.session.get(ResearchOrder, order_id).version
    return orders.apply_action(order_id, user, action, data or {}, version, now=now)


@pytest.fixture
def progress_people(make_user, agency) -> SimpleNamespace:
    return SimpleNamespace(
        agency=agency,
        official=make_user(Role.OFFICIAL, institution=agency),
        approver=make_user(Role.OFFICIAL, institution=agency, can_approve=True),
        pi=make_user(Role.RESEARCHER, full_name="PGS. Trần Văn Mặn"),
        member=make_user(Role.RESEARCHER),
        outsider=make_user(Role.RESEARCHER),
        enterprise=make_user(Role.ENTERPRISE),
    )


@pytest.fixture
def award_order(progress_people, make_awarded_order):
    """Award an order titled ``title`` to the PI and the member, through the real lifecycle."""
    people = progress_people

    def award(title: str = "Cảnh báo xâm nhập mặn", started: bool = False) -> ResearchOrder:  # fmt: skip
        return make_awarded_order(
            START, DEADLINE, AWARDED_AT, AWARD, pi=people.pi, members=[people.member],
            started=started, by=people.official, approver=people.approver, title=title,
        )  # fmt: skip

    return award


@pytest.fixture
def running(award_order) -> ResearchOrder:
    return award_order(started=True)


def _accepted(people, order: ResearchOrder) -> ResearchOrder:
    act(order.id, people.pi, Action.REQUEST_ACCEPTANCE, now=WORKING)
    act(order.id, people.approver, Action.ACCEPT, {"council_result": "Đạt"}, WORKING)
    return db.session.get(ResearchOrder, order.id)


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _notified(user) -> list[Notification]:
    """Notices about the work (the lifecycle's stage changes link to the order itself)."""
    stmt = sa.select(Notification).where(
        Notification.user_id == user.id, Notification.endpoint == "orders.work.index"
    )
    return list(db.session.scalars(stmt))


def _pay(people, order, number: int, amount: int, day=date(2027, 1, 20)):
    tranche = progress.ensure_tranches(order)[number - 1]
    data = progress.DisbursementInput(tranche.id, amount, day, f"UNC-{number}-{amount}")
    return progress.record_disbursement(people.official, order.id, data, now=WORKING)


# --- tranches and disbursements -------------------------------------------------------------------------------


def test_tranches_come_from_the_award_schedule_once(running):
    first = progress.ensure_tranches(running)
    again = progress.ensure_tranches(running)
    assert [(t.number, t.planned_amount, t.due_date, t.label) for t in again] == [
        (1, 600_000_000, date(2027, 1, 15), "Tạm ứng đợt 1"),
        (2, 300_000_000, date(2027, 12, 31), "Đợt 2"),
    ]
    assert [t.id for t in first] == [t.id for t in again] and _count(Tranche) == 2


def test_no_tranches_before_the_award(progress_people):
    order = orders.create_order(
        progress_people.official,
        orders.OrderInput(title="Nháp", agency_id=progress_people.agency.id),
    )
    assert progress.ensure_tranches(order) == [] and _count(Tranche) == 0


def test_totals_follow_the_disbursements(progress_people, running):
    _pay(progress_people, running, 1, 250_000_000)
    _pay(progress_people, running, 1, 100_000_000)
    totals = progress.totals(running)
    assert (totals.contract_value, totals.disbursed, totals.remaining) == (
        900_000_000,
        350_000_000,
        550_000_000,
    )
    lines = progress.tranche_lines(running)
    assert [(line.disbursed, line.remaining) for line in lines] == [
        (350_000_000, 250_000_000),
        (0, 300_000_000),
    ]


def test_over_disbursing_a_tranche_is_refused_and_nothing_written(
    progress_people, running
):
    _pay(progress_people, running, 1, 600_000_000)
    with pytest.raises(Conflict) as error:
        _pay(progress_people, running, 1, 1)
    assert error.value.field == "amount" and "600.000.001" in error.value.message
    assert _count(Disbursement) == 1
    assert progress.totals(running).disbursed == 600_000_000


def test_disbursing_above_the_contract_value_is_refused(progress_people, running):
    # A contract amended down to 500 million: the first tranche may no longer be paid in full.
    db.session.get(ResearchOrder, running.id).contract_value = 500_000_000
    db.session.commit()
    with pytest.raises(Conflict) as error:
        _pay(progress_people, running, 1, 550_000_000)
    assert "500.000.000" in error.value.message and _count(Disbursement) == 0


@pytest.mark.parametrize("who", ["pi", "member", "outsider", "enterprise", "anonymous"])
def test_only_officials_record_disbursements(progress_people, running, who):
    user = AnonymousUserMixin() if who == "anonymous" else getattr(progress_people, who)
    tranche = progress.ensure_tranches(running)[0]
    data = progress.DisbursementInput(tranche.id, 1_000_000, date(2027, 1, 20), "UNC")
    with pytest.raises(NotAllowed):
        progress.record_disbursement(user, running.id, data, now=WORKING)
    assert _count(Disbursement) == 0


def test_disbursement_needs_a_past_date_and_a_tranche_of_the_order(
    progress_people, running, award_order
):
    other = award_order("Nhiệm vụ khác")
    foreign = progress.ensure_tranches(other)[0]
    own = progress.ensure_tranches(running)[0]
    later = progress.DisbursementInput(own.id, 1_000_000, date(2027, 3, 2), "UNC")
    with pytest.raises(Conflict) as error:
        progress.record_disbursement(
            progress_people.official, running.id, later, now=WORKING
        )
    assert error.value.field == "disbursed_on"
    wrong = progress.DisbursementInput(foreign.id, 1_000_000, date(2027, 1, 2), "UNC")
    with pytest.raises(Conflict) as error:
        progress.record_disbursement(
            progress_people.official, running.id, wrong, now=WORKING
        )
    assert error.value.field == "tranche" and _count(Disbursement) == 0


def test_disbursement_tells_the_pi(progress_people, running, outbox):
    _pay(progress_people, running, 1, 200_000_000)
    [note] = _notified(progress_people.pi)
    assert (note.endpoint, note.endpoint_values) == (
        "orders.work.index",
        {"order_id": running.id},
    )
    assert (
        note.params["amount"] == 200_000_000
    )  # written in the reader's language when read
    assert "200.000.000 ₫" in notifications.render(note)
    assert [m.to for m in outbox] == [[progress_people.pi.email]]


# --- milestones ---------------------------------------------------------------------------------------------------


def _milestone(people, order, title="Báo cáo khảo sát", due=date(2027, 2, 28)):
    data = progress.MilestoneInput(title=title, due_date=due, deliverable="Báo cáo")
    return progress.add_milestone(people.official, order.id, data)


def test_official_adds_a_milestone_and_the_pi_hears(progress_people, running, outbox):
    milestone = _milestone(progress_people, running, title="  Báo cáo khảo sát ")
    assert [m.title for m in progress.list_milestones(running)] == ["Báo cáo khảo sát"]
    [note] = _notified(progress_people.pi)
    assert note.params["milestone"] == milestone.title
    assert [m.to for m in outbox] == [[progress_people.pi.email]]


def test_milestone_text_is_nfc(progress_people, running):
    decomposed = "Kha\u0309o sa\u0301t"  # "Khảo sát" typed with combining marks
    milestone = _milestone(progress_people, running, title=decomposed)
    assert milestone.title == "Khảo sát"


@pytest.mark.parametrize("who", ["pi", "member", "outsider", "enterprise"])
def test_only_officials_add_milestones(progress_people, running, who):
    data = progress.MilestoneInput(title="Mốc", due_date=date(2027, 5, 1))
    with pytest.raises(NotAllowed):
        progress.add_milestone(getattr(progress_people, who), running.id, data)
    assert _count(Milestone) == 0


def test_milestone_after_the_contract_end_is_refused(progress_people, running):
    data = progress.MilestoneInput(title="Mốc", due_date=date(2028, 7, 1))
    with pytest.raises(Conflict) as error:
        progress.add_milestone(progress_people.official, running.id, data)
    assert error.value.field == "due_date" and _count(Milestone) == 0


def test_pi_submits_a_deliverable_and_officials_hear(progress_people, running, outbox):
    milestone = _milestone(progress_people, running)
    outbox.clear()
    progress.submit_deliverable(
        progress_people.pi, running.id, milestone.id, "Gửi qua văn thư", now=WORKING
    )
    db.session.expire_all()
    saved = db.session.get(Milestone, milestone.id)
    assert (saved.submitted_by_id, saved.submission_note) == (
        progress_people.pi.id,
        "Gửi qua văn thư",
    )
    assert sorted(m.to[0] for m in outbox) == sorted(
        [progress_people.official.email, progress_people.approver.email]
    )


@pytest.mark.parametrize("who", ["member", "outsider", "official"])
def test_only_the_pi_submits_deliverables(progress_people, running, who):
    milestone = _milestone(progress_people, running)
    with pytest.raises(NotAllowed):
        progress.submit_deliverable(
            getattr(progress_people, who), running.id, milestone.id, ""
        )
    assert db.session.get(Milestone, milestone.id).submitted_at is None


def test_official_confirms_a_milestone_with_evidence(progress_people, running):
    milestone = _milestone(progress_people, running)
    with pytest.raises(Conflict) as error:
        progress.complete_milestone(
            progress_people.official,
            running.id,
            milestone.id,
            date(2027, 2, 27),
            "  ",
            WORKING,
        )
    assert error.value.field == "evidence"
    progress.complete_milestone(
        progress_people.official,
        running.id,
        milestone.id,
        date(2027, 2, 27),
        "BB số 3",
        WORKING,
    )
    with pytest.raises(Conflict):  # confirmed once only
        progress.complete_milestone(
            progress_people.official,
            running.id,
            milestone.id,
            date(2027, 2, 28),
            "x",
            WORKING,
        )
    assert db.session.get(Milestone, milestone.id).completed_on == date(2027, 2, 27)


def test_milestone_of_another_order_is_not_found(progress_people, running, award_order):
    other = award_order("Nhiệm vụ khác")
    act(other.id, progress_people.official, Action.START_WORK)
    milestone = _milestone(progress_people, other)
    with pytest.raises(NotAllowed):
        progress.complete_milestone(
            progress_people.official,
            running.id,
            milestone.id,
            date(2027, 2, 1),
            "BB",
            WORKING,
        )


# --- schedule status ---------------------------------------------------------------------------------------------


def _codes(order, today: date) -> list[str]:
    return [r.code.value for r in progress.schedule_status(order, today).reasons]


def test_on_schedule_before_anything_is_due(progress_people, running):
    _milestone(progress_people, running, due=date(2027, 2, 28))
    status = progress.schedule_status(running, date(2027, 1, 10))
    assert status.applies and not status.is_late


def test_overdue_milestone_makes_the_order_late(progress_people, running):
    _pay(progress_people, running, 1, 600_000_000)
    _milestone(
        progress_people, running, title="Báo cáo khảo sát", due=date(2027, 2, 28)
    )
    assert _codes(running, date(2027, 2, 28)) == []  # due today is not late
    status = progress.schedule_status(running, date(2027, 3, 1))
    assert [(r.code.value, r.subject) for r in status.reasons] == [
        ("milestone_overdue", "Báo cáo khảo sát")
    ]


def test_submitted_or_completed_milestones_are_not_late(progress_people, running):
    _pay(progress_people, running, 1, 600_000_000)
    submitted = _milestone(progress_people, running, title="A", due=date(2027, 2, 1))
    completed = _milestone(progress_people, running, title="B", due=date(2027, 2, 2))
    progress.submit_deliverable(
        progress_people.pi, running.id, submitted.id, "", now=WORKING
    )
    progress.complete_milestone(
        progress_people.official,
        running.id,
        completed.id,
        date(2027, 2, 2),
        "BB",
        WORKING,
    )
    assert _codes(running, date(2027, 3, 1)) == []


def test_undisbursed_tranche_past_its_due_date_is_late(progress_people, running):
    assert _codes(running, date(2027, 1, 15)) == []
    assert _codes(running, date(2027, 1, 16)) == ["tranche_overdue"]
    _pay(progress_people, running, 1, 599_000_000)
    assert _codes(running, date(2027, 1, 16)) == ["tranche_overdue"]
    _pay(progress_people, running, 1, 1_000_000)
    assert _codes(running, date(2027, 1, 16)) == []


def test_past_the_contract_end_date_is_late(progress_people, running):
    _pay(progress_people, running, 1, 600_000_000)
    _pay(progress_people, running, 2, 300_000_000)
    assert _codes(running, date(2028, 6, 30)) == []
    status = progress.schedule_status(running, date(2028, 7, 1))
    assert [r.code.value for r in status.reasons] == ["past_end_date"]
    assert "30" in status.reasons[0].describe()


def test_schedule_does_not_apply_outside_the_work(progress_people):
    order = orders.create_order(
        progress_people.official,
        orders.OrderInput(title="Nháp", agency_id=progress_people.agency.id),
    )
    status = progress.schedule_status(order, date(2030, 1, 1))
    assert not status.applies and not status.is_late


def test_late_orders_are_listed_with_their_reasons(
    progress_people, running, award_order
):
    on_time = award_order("Đúng hạn")
    _pay(progress_people, on_time, 1, 600_000_000)
    late = progress.list_late_orders(date(2027, 1, 16))
    assert [(o.id, [r.code.value for r in s.reasons]) for o, s in late] == [
        (running.id, ["tranche_overdue"])
    ]


def test_schedules_of_many_orders_match_each_order_and_cost_the_same_queries(
    progress_people, running, award_order, app
):
    on_time = award_order("Đúng hạn")
    _pay(progress_people, on_time, 1, 600_000_000)
    draft = orders.create_order(
        progress_people.official, orders.OrderInput(title="Nháp", agency_id=progress_people.agency.id)
    )  # fmt: skip
    day = date(2027, 1, 16)
    assert all(o.state for o in (running, on_time, draft))  # loaded before counting
    statements: list[str] = []

    def count(*args):
        statements.append(args[2])

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        many = progress.schedule_statuses([running, on_time, draft], day)
        n_many = len(statements)
        statements.clear()
        progress.schedule_statuses([running], day)
        n_one = len(statements)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    assert n_many == n_one
    for order in (running, on_time, draft):
        assert many[order.id] == progress.schedule_status(order, day)
    assert [r.code.value for r in many[running.id].reasons] == ["tranche_overdue"]
    assert many[on_time.id].applies and not many[on_time.id].is_late
    assert not many[draft.id].applies


def test_the_running_split_agrees_with_the_schedule_of_each_order(
    progress_people, award_order
):
    """``split_running`` (the dashboard's figures, the late orders list) against ``schedule_statuses``: an
    award schedule not yet recorded as tranches, tranches part and fully paid, a milestone overdue and one
    submitted, a contract fully paid past its end while working and while its acceptance is under review,
    an order awarded and not started, a draft."""
    people = progress_people
    unrecorded = award_order("Chưa ghi đợt", started=True)
    paid = award_order("Đã chi đợt 1", started=True)
    _pay(people, paid, 1, 600_000_000)
    part_paid = award_order("Chi một phần", started=True)
    _pay(people, part_paid, 1, 599_000_000)
    overdue = award_order("Mốc trễ", started=True)
    _pay(people, overdue, 1, 600_000_000)
    _milestone(people, overdue, title="Trễ", due=date(2027, 2, 28))
    submitted = award_order("Mốc đã nộp", started=True)
    _pay(people, submitted, 1, 600_000_000)
    waiting = _milestone(people, submitted, title="Đã nộp", due=date(2027, 2, 1))
    progress.submit_deliverable(people.pi, submitted.id, waiting.id, "", now=WORKING)
    ended = award_order("Quá hạn hợp đồng", started=True)
    _pay(people, ended, 1, 600_000_000)
    _pay(people, ended, 2, 300_000_000)
    reviewed = award_order("Chờ nghiệm thu", started=True)
    _pay(people, reviewed, 1, 600_000_000)
    _pay(people, reviewed, 2, 300_000_000)
    act(reviewed.id, people.pi, Action.REQUEST_ACCEPTANCE, now=WORKING)
    awarded = award_order("Chưa bắt đầu")
    draft = orders.create_order(people.official, orders.OrderInput(title="Nháp", agency_id=people.agency.id))  # fmt: skip
    every = [
        unrecorded,
        paid,
        part_paid,
        overdue,
        submitted,
        ended,
        reviewed,
        awarded,
        draft,
    ]
    db.session.expire_all()
    every = [db.session.get(ResearchOrder, o.id) for o in every]
    seen_late = set()
    for day in (
        date(2027, 1, 10),
        date(2027, 1, 16),
        date(2027, 3, 1),
        date(2028, 7, 1),
    ):
        statuses = progress.schedule_statuses(every, day)
        late = {o.id for o in every if statuses[o.id].is_late}
        running = {o.id for o in every if statuses[o.id].applies}
        on_time, split_late = progress.split_running([], day)
        assert set(split_late) == late, day
        assert set(on_time) == running - late, day
        seen_late |= late
    # every running order was late on some day but the one whose acceptance is under review (its end date
    # passed while the officials decide), and none on the first day
    assert seen_late == {o.id for o in every if o not in (draft, reviewed)}
    assert reviewed.id in progress.split_running([], date(2028, 7, 1))[0]
    assert progress.split_running([], date(2027, 1, 10))[1] == ()
    only = progress.split_running([ResearchOrder.id == overdue.id], date(2027, 3, 1))
    assert only == ((), (overdue.id,))


def test_disbursed_total_sums_each_orders_payments(
    progress_people, running, award_order
):
    other = award_order("Chưa giải ngân")
    _pay(progress_people, running, 1, 200_000_000)
    _pay(progress_people, running, 1, 50_000_000)
    rows = db.session.execute(
        sa.select(ResearchOrder.id, progress.disbursed_total()).where(
            ResearchOrder.id.in_([running.id, other.id])
        )
    )
    assert dict(rows.all()) == {running.id: 250_000_000, other.id: 0}


# --- progress reports ----------------------------------------------------------------------------------------


def _report(**overrides) -> progress.ProgressInput:
    fields = {"period": "Quý I/2027", "report_date": date(2027, 2, 27),
              "text": "Đã lắp 5 trạm đo mặn.", "percent_complete": 30}  # fmt: skip
    return progress.ProgressInput(**(fields | overrides))


def test_pi_reports_progress_and_officials_hear(progress_people, running, outbox):
    milestone = _milestone(progress_people, running)
    outbox.clear()
    report = progress.submit_progress_report(
        progress_people.pi,
        running.id,
        _report(milestone_ids=[milestone.id]),
        now=WORKING,
    )
    [saved] = progress.list_reports(running)
    assert (saved.id, saved.percent_complete, [m.id for m in saved.milestones]) == (
        report.id,
        30,
        [milestone.id],
    )
    assert {m.to[0] for m in outbox} == {
        progress_people.official.email,
        progress_people.approver.email,
    }


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"percent_complete": 101}, "percent_complete"),
        ({"percent_complete": None}, "percent_complete"),
        ({"text": " "}, "text"),
        ({"report_date": date(2027, 3, 2)}, "report_date"),
        ({"milestone_ids": [999]}, "milestones"),
    ],
)
def test_bad_progress_report_is_refused(progress_people, running, overrides, field):
    with pytest.raises(Conflict) as error:
        progress.submit_progress_report(
            progress_people.pi, running.id, _report(**overrides), now=WORKING
        )
    assert error.value.field == field and _count(ProgressReport) == 0


@pytest.mark.parametrize("who", ["member", "outsider", "official", "enterprise"])
def test_only_the_pi_reports_progress(progress_people, running, who):
    with pytest.raises(NotAllowed):
        progress.submit_progress_report(
            getattr(progress_people, who), running.id, _report(), now=WORKING
        )
    assert _count(ProgressReport) == 0


def test_progress_report_keeps_its_pdf(progress_people, running):
    upload = SimpleNamespace(
        filename="bao-cao.pdf", stream=io.BytesIO(b"%PDF-1.4\n1 0 obj\n%%EOF\n")
    )
    report = progress.submit_progress_report(
        progress_people.pi, running.id, _report(), upload, now=WORKING
    )
    attachment = db.session.get(Attachment, report.attachment_id)
    assert (attachment.order_id, attachment.filename, attachment.public) == (
        running.id,
        "bao-cao.pdf",
        False,
    )


def test_progress_report_with_a_file_that_is_not_a_pdf_writes_nothing(
    progress_people, running
):
    upload = SimpleNamespace(filename="x.pdf", stream=io.BytesIO(b"MZ not a pdf"))
    notes = _count(Notification)
    with pytest.raises(Conflict) as error:
        progress.submit_progress_report(
            progress_people.pi, running.id, _report(), upload, now=WORKING
        )
    assert error.value.field == "attachment"
    assert (_count(ProgressReport), _count(Attachment), _count(Notification)) == (
        0,
        0,
        notes,
    )


# --- mid-term check ----------------------------------------------------------------------------------------


def test_official_records_the_mid_term_check_and_the_pi_hears(
    progress_people, running, outbox
):
    progress.record_mid_term_check(
        progress_people.official, running.id, "Đạt tiến độ", WORKING
    )
    checks = progress.work_overview(running, date(2027, 3, 1)).mid_term_checks
    assert [(e.note, e.actor_id) for e in checks] == [
        ("Đạt tiến độ", progress_people.official.id)
    ]
    assert [m.to for m in outbox] == [[progress_people.pi.email]]


@pytest.mark.parametrize("who", ["pi", "outsider", "enterprise"])
def test_mid_term_check_by_others_writes_nothing(progress_people, running, outbox, who):
    events, notes = _count(OrderEvent), _count(Notification)
    with pytest.raises(NotAllowed):
        progress.record_mid_term_check(getattr(progress_people, who), running.id, "Đạt")
    assert (_count(OrderEvent), _count(Notification), outbox) == (events, notes, [])


# --- results ------------------------------------------------------------------------------------------------------


RESULTS = [
    progress.ResultInput(
        product="Hệ thống cảnh báo mặn", ip_kind=IPKind.UTILITY_SOLUTION,
        ip_number="2-2027-00012", ip_status=IPStatus.FILED,
        applied_at="Trạm bơm Cái Răng", beneficiary="Công ty Cấp nước Cần Thơ",
    ),
    progress.ResultInput(product="Bản đồ mặn 2027", applied_at="Sở NN&MT"),
]  # fmt: skip


def test_pi_registers_results_in_one_step(progress_people, running, outbox):
    order = _accepted(progress_people, running)
    outbox.clear()
    records = progress.register_results(
        progress_people.pi,
        order.id,
        RESULTS,
        "15/2028/KQNV",
        order.version,
        now=WORKING,
    )
    db.session.expire_all()
    fresh = db.session.get(ResearchOrder, order.id)
    assert fresh.state == "results_registered"
    assert [
        (r.product, r.ip_kind, r.ip_status) for r in progress.list_results(fresh)
    ] == [
        ("Hệ thống cảnh báo mặn", IPKind.UTILITY_SOLUTION, IPStatus.FILED),
        ("Bản đồ mặn 2027", None, None),
    ]
    assert len(records) == 2
    overview = progress.work_overview(fresh, date(2028, 1, 1))
    assert overview.registration_number == "15/2028/KQNV"
    assert progress_people.official.email in {m.to[0] for m in outbox}


def test_registering_results_in_the_wrong_state_writes_nothing(
    progress_people, running
):
    before = (_count(OrderEvent), _count(Notification), running.version)
    with pytest.raises(Conflict):
        progress.register_results(
            progress_people.pi, running.id, RESULTS, "", running.version
        )
    db.session.expire_all()
    fresh = db.session.get(ResearchOrder, running.id)
    assert (_count(ResultRecord), fresh.state) == (0, "in_progress")
    assert (_count(OrderEvent), _count(Notification), fresh.version) == before


def test_registering_results_on_a_stale_version_writes_nothing(
    progress_people, running
):
    order = _accepted(progress_people, running)
    with pytest.raises(Conflict):
        progress.register_results(
            progress_people.official, order.id, RESULTS, "", order.version - 1
        )
    assert _count(ResultRecord) == 0
    assert db.session.get(ResearchOrder, order.id).state == "accepted"


@pytest.mark.parametrize("who", ["member", "outsider", "enterprise"])
def test_only_officials_and_the_pi_register_results(progress_people, running, who):
    order = _accepted(progress_people, running)
    with pytest.raises(NotAllowed):
        progress.register_results(
            getattr(progress_people, who), order.id, RESULTS, "", order.version
        )
    assert _count(ResultRecord) == 0


def test_ip_kind_needs_its_number(progress_people, running):
    order = _accepted(progress_people, running)
    half = [progress.ResultInput(product="Máy đo", ip_kind=IPKind.PATENT)]
    with pytest.raises(Conflict):
        progress.register_results(progress_people.pi, order.id, half, "", order.version)
    assert (
        _count(ResultRecord) == 0
        and db.session.get(ResearchOrder, order.id).state == "accepted"
    )


# --- who sees what -----------------------------------------------------------------------------------------------


def test_followers_and_public_results(progress_people, running):
    assert [policy.may_follow_work(getattr(progress_people, w), running) for w in
            ("official", "pi", "member", "outsider", "enterprise")] == [True, True, True, False, False]  # fmt: skip
    assert not policy.may_follow_work(AnonymousUserMixin(), running)
    assert not progress.results_are_public(running)
    order = _accepted(progress_people, running)
    progress.register_results(progress_people.pi, order.id, RESULTS, "", order.version)
    assert progress.results_are_public(db.session.get(ResearchOrder, order.id))


def test_permissions_follow_role_and_state(progress_people, running):
    pi, official = (
        progress.permissions(progress_people.pi, running),
        progress.permissions(progress_people.official, running),
    )
    assert (pi.report, pi.submit, pi.plan, pi.disburse, pi.register) == (
        True,
        True,
        False,
        False,
        False,
    )
    assert (official.plan, official.disburse, official.mid_term, official.report) == (
        True,
        True,
        True,
        False,
    )
    member = progress.permissions(progress_people.member, running)
    assert member.follow and not any(
        (member.report, member.submit, member.plan, member.disburse, member.register)
    )


def test_overview_marks_overdue_milestones_only_while_the_schedule_applies(
    progress_people, running
):
    late = _milestone(progress_people, running, title="Trễ", due=date(2027, 2, 1))
    _milestone(progress_people, running, title="Chưa tới hạn", due=date(2027, 6, 1))
    assert progress.work_overview(running, date(2027, 3, 1)).overdue == {late.id}
    order = _accepted(progress_people, running)
    assert progress.work_overview(order, date(2027, 3, 1)).overdue == frozenset()


def test_work_access_names_what_the_order_page_links_to(progress_people, running):
    draft = orders.create_order(
        progress_people.official,
        orders.OrderInput(title="Nháp", agency_id=progress_people.agency.id),
    )
    assert (
        progress.work_access(progress_people.official, draft) is None
    )  # nothing to follow yet
    assert [progress.work_access(getattr(progress_people, w), running) for w in
            ("official", "member", "outsider")] == ["follow", "follow", None]  # fmt: skip
    order = _accepted(progress_people, running)
    progress.register_results(progress_people.pi, order.id, RESULTS, "", order.version)
    assert progress.work_access(AnonymousUserMixin(), order) == "results"


def test_text_with_control_characters_is_refused(progress_people, running):
    data = progress.MilestoneInput(title="Mốc\x00 1", due_date=date(2027, 5, 1))
    with pytest.raises(Conflict) as error:
        progress.add_milestone(progress_people.official, running.id, data)
    assert error.value.field == "title" and _count(Milestone) == 0
    with pytest.raises(Conflict):
        progress.record_mid_term_check(
            progress_people.official, running.id, "Đạt\x00", WORKING
        )


# --- dates and figures checked against each other: the contract period, the last report ----------------


def _report_on(people, order, day: date, percent: int, now=WORKING):
    data = progress.ProgressInput(
        period="Quý", report_date=day, text="Tiến độ", percent_complete=percent
    )
    return progress.submit_progress_report(people.pi, order.id, data, now=now)


@pytest.mark.parametrize("due", [date(1, 1, 1), date(1999, 6, 1), date(2026, 12, 31)])
def test_a_milestone_is_not_due_before_the_contract_starts(
    progress_people, running, due
):
    data = progress.MilestoneInput(title="Báo cáo", due_date=due)
    with pytest.raises(Conflict) as refused:
        progress.add_milestone(progress_people.official, running.id, data)
    assert refused.value.field == "due_date"
    assert _count(Milestone) == 0
    progress.add_milestone(
        progress_people.official,
        running.id,
        progress.MilestoneInput("Báo cáo", AWARD["start_date"]),
    )
    assert _count(Milestone) == 1


def test_a_milestone_is_not_completed_before_the_contract_starts(
    progress_people, running
):
    milestone = progress.add_milestone(
        progress_people.official,
        running.id,
        progress.MilestoneInput("Báo cáo", date(2027, 6, 1)),
    )
    with pytest.raises(Conflict) as refused:
        progress.complete_milestone(
            progress_people.official, running.id, milestone.id, date(2026, 6, 1), "Biên bản", now=WORKING
        )  # fmt: skip
    assert refused.value.field == "completed_on"
    done = progress.complete_milestone(
        progress_people.official, running.id, milestone.id, date(2027, 2, 1), "Biên bản", now=WORKING
    )  # fmt: skip
    assert done.completed_on == date(2027, 2, 1)


def test_progress_never_falls_below_the_last_report(progress_people, running):
    _report_on(progress_people, running, date(2027, 2, 1), 90)
    with pytest.raises(Conflict) as refused:
        _report_on(progress_people, running, date(2027, 2, 20), 5)
    assert refused.value.field == "percent_complete"
    assert "90" in str(refused.value.message)
    assert _count(ProgressReport) == 1
    # The same figure, or more, is a new report.
    assert (
        _report_on(progress_people, running, date(2027, 2, 20), 90).percent_complete
        == 90
    )
    assert (
        _report_on(progress_people, running, date(2027, 2, 25), 95).percent_complete
        == 95
    )


def test_a_report_is_not_dated_before_the_last_one(progress_people, running):
    _report_on(progress_people, running, date(2027, 2, 1), 10)
    with pytest.raises(Conflict) as refused:
        _report_on(progress_people, running, date(2027, 1, 15), 20)
    assert refused.value.field == "report_date"
    assert _count(ProgressReport) == 1
