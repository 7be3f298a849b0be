"""Research orders: drafting, lifecycle steps with optimistic locking, and the append-only history."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from matchmaker.extensions import db
from matchmaker.lifecycle import Action
from matchmaker.models import (
    HistoryIsAppendOnly,
    Institution,
    InstitutionKind,
    OrderEvent,
    ResearchOrder,
    Role,
)
from matchmaker.services.errors import Conflict, NotAllowed
from matchmaker.services.orders import lifecycle as orders

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.fixture
def draft(agency, official) -> ResearchOrder:
    return orders.create_order(
        official,
        orders.OrderInput(title="Dự báo xâm nhập mặn sông Hậu", agency_id=agency.id),
    )


def _state(order: ResearchOrder) -> tuple[str, int, int]:
    db.session.expire_all()
    fresh = db.session.get(ResearchOrder, order.id)
    count = db.session.scalar(
        sa.select(sa.func.count(OrderEvent.id)).where(OrderEvent.order_id == order.id)
    )
    return fresh.state, fresh.version, count


def test_create_order_starts_a_draft_with_history(draft, official):
    assert _state(draft) == ("draft", 1, 1)
    [event] = orders.history(draft)
    assert (event.action, event.actor_id, event.to_state) == (
        "create",
        official.id,
        "draft",
    )


@pytest.mark.parametrize("role", [Role.RESEARCHER, Role.ENTERPRISE])
def test_only_officials_create_orders(agency, make_user, role):
    with pytest.raises(NotAllowed):
        orders.create_order(
            make_user(role), orders.OrderInput(title="x", agency_id=agency.id)
        )


def test_order_agency_must_be_a_city_agency(app, official):
    university = Institution(
        slug="ctu", name_vi="Trường Đại học Cần Thơ", kind=InstitutionKind.UNIVERSITY
    )
    db.session.add(university)
    db.session.commit()
    with pytest.raises(Conflict):
        orders.create_order(
            official, orders.OrderInput(title="x", agency_id=university.id)
        )


def test_allowed_step_moves_state_bumps_version_and_records_history(
    draft, official, approver
):
    orders.apply_action(
        draft.id, official, Action.SUBMIT, {}, expected_version=1, now=NOW
    )
    data = {"decision_number": "123/QĐ-SKHCN", "decision_date": date(2026, 11, 20)}
    event = orders.apply_action(
        draft.id, approver, Action.APPROVE, data, expected_version=2, now=NOW
    )
    assert _state(draft) == ("approved", 3, 3)
    assert (
        event.fields["decision_number"] == "123/QĐ-SKHCN"
        and event.fields["decision_date"] == "2026-11-20"
    )
    assert db.session.get(ResearchOrder, draft.id).decision_number == "123/QĐ-SKHCN"


def test_refused_step_leaves_everything_as_it_was(draft, official):
    orders.apply_action(
        draft.id, official, Action.SUBMIT, {}, expected_version=1, now=NOW
    )
    with pytest.raises(
        Conflict
    ):  # an official without approval authority cannot approve
        orders.apply_action(
            draft.id, official, Action.APPROVE, {"decision_number": "1"}, 2, now=NOW
        )
    with pytest.raises(Conflict):  # wrong state
        orders.apply_action(draft.id, official, Action.PUBLISH, {}, 2, now=NOW)
    assert _state(draft) == ("submitted", 2, 2)


def test_missing_decision_number_is_refused_with_a_message(draft, official, approver):
    orders.apply_action(draft.id, official, Action.SUBMIT, {}, 1, now=NOW)
    with pytest.raises(Conflict) as error:
        orders.apply_action(
            draft.id,
            approver,
            Action.APPROVE,
            {"decision_date": date(2026, 11, 20)},
            2,
            now=NOW,
        )
    assert "decision_number" in error.value.message
    assert _state(draft) == ("submitted", 2, 2)


def test_two_officials_acting_on_the_same_version_only_one_wins(
    draft, official, approver
):
    orders.apply_action(draft.id, official, Action.SUBMIT, {}, 1, now=NOW)
    # Both loaded version 2; the first decision wins, the second is refused and changes nothing.
    orders.apply_action(
        draft.id,
        approver,
        Action.REJECT,
        {"reason": "Trùng nhiệm vụ năm 2025"},
        2,
        now=NOW,
    )
    data = {"decision_number": "9/QĐ", "decision_date": date(2026, 11, 20)}
    with pytest.raises(Conflict):
        orders.apply_action(draft.id, approver, Action.APPROVE, data, 2, now=NOW)
    assert _state(draft) == ("rejected", 3, 3)


def test_history_cannot_be_edited_or_deleted(draft):
    event = orders.history(draft)[0]
    event.note = "sửa lịch sử"
    with pytest.raises(HistoryIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    with pytest.raises(HistoryIsAppendOnly):
        db.session.delete(orders.history(draft)[0])
        db.session.flush()
    db.session.rollback()
    assert orders.history(draft)[0].note == ""


def _walk_to_not_accepted(
    draft, official, approver, publish_order, mid_term: bool
) -> None:
    deadline = NOW + timedelta(days=30)
    publish_order(draft, NOW, deadline, by=official, approver=approver)
    later = deadline + timedelta(days=1)
    award = {
        "contract_number": "05/HĐ-SKHCN", "contract_value": 900_000_000, "start_date": date(2027, 1, 1),
        "end_date": date(2028, 6, 30), "payment_schedule": [{"amount": 600_000_000}, {"amount": 300_000_000}],
    }  # fmt: skip
    more = [
        (
            official,
            Action.CLOSE_APPLICATIONS,
            {"selection_method": "open_selection", "application_deadline": deadline},
        ),
        (official, Action.START_REVIEW, {}),
        (approver, Action.AWARD, award),
        (official, Action.START_WORK, {}),
    ]
    for version, (who, action, data) in enumerate(more, start=4):
        orders.apply_action(draft.id, who, action, data, version, now=later)
    if mid_term:
        orders.record_mid_term_check(draft.id, official, "Đạt tiến độ 50%")
    orders.apply_action(draft.id, official, Action.REQUEST_ACCEPTANCE, {}, 8, now=later)
    orders.apply_action(
        draft.id,
        approver,
        Action.NOT_ACCEPT,
        {"council_result": "Không đạt chỉ tiêu"},
        9,
        now=later,
    )


def test_closing_with_risk_accepted_needs_every_step_on_record(
    draft, official, approver, publish_order
):
    _walk_to_not_accepted(draft, official, approver, publish_order, mid_term=False)
    with pytest.raises(Conflict) as error:
        orders.apply_action(
            draft.id, approver, Action.CLOSE_WITH_RISK_ACCEPTED, {}, 10, now=NOW
        )
    assert "mid_term_check" in error.value.message
    assert _state(draft)[0] == "not_accepted"


def test_closing_with_risk_accepted_when_the_procedure_was_followed(
    draft, official, approver, publish_order
):
    _walk_to_not_accepted(draft, official, approver, publish_order, mid_term=True)
    orders.apply_action(
        draft.id, approver, Action.CLOSE_WITH_RISK_ACCEPTED, {}, 10, now=NOW
    )
    assert _state(draft)[0] == "closed_risk_accepted"
    assert [e.action for e in orders.history(draft)][-3:] == [
        "request_acceptance",
        "not_accept",
        "close_with_risk_accepted",
    ]


def test_mid_term_check_only_while_in_progress(draft, official):
    with pytest.raises(Conflict):
        orders.record_mid_term_check(draft.id, official, "Đạt")


def test_stage_change_notifies_author_and_agency_officials(
    draft, official, approver, agency, make_user, outbox
):
    colleague = make_user(Role.OFFICIAL, institution=agency)
    outsider = make_user(Role.OFFICIAL)
    orders.apply_action(draft.id, official, Action.SUBMIT, {}, 1, now=NOW)
    assert [m.to for m in outbox] == [
        [colleague.email]
    ]  # the author acted: only the colleague hears
    outbox.clear()
    orders.apply_action(
        draft.id, approver, Action.REJECT, {"reason": "Trùng lặp"}, 2, now=NOW
    )
    assert sorted(m.to[0] for m in outbox) == sorted([official.email, colleague.email])
    assert outsider.email not in {m.to[0] for m in outbox}


def test_stage_change_notifies_applicants_still_in_the_running_before_the_award(
    draft, official, make_user, outbox
):
    from matchmaker.models import Proposal, ProposalStatus

    applicant, withdrawn, declined = (make_user(Role.RESEARCHER) for _ in range(3))
    db.session.add_all(
        [
            Proposal(order_id=draft.id, pi_id=applicant.id, budget=1, submitted_at=NOW),
            Proposal(
                order_id=draft.id, pi_id=withdrawn.id, budget=1, submitted_at=NOW,
                status=ProposalStatus.WITHDRAWN,
            ),
            Proposal(
                order_id=draft.id, pi_id=declined.id, budget=1, submitted_at=NOW,
                status=ProposalStatus.DECLINED,
            ),
        ]
    )  # fmt: skip
    db.session.commit()
    orders.apply_action(draft.id, official, Action.SUBMIT, {}, draft.version, now=NOW)
    told = {m.to[0] for m in outbox}
    assert applicant.email in told
    assert not {withdrawn.email, declined.email} & told


def test_after_the_award_only_the_awarded_team_and_staff_hear_of_later_stages(
    draft, official, make_user, outbox
):
    """Issue 11, finding 15: declined applicants hear nothing after the award."""
    from matchmaker.models import Notification, Proposal, ProposalMember, ProposalStatus

    pi, member, declined, withdrawn = (make_user(Role.RESEARCHER) for _ in range(4))
    colleague = make_user(Role.OFFICIAL, institution_id=draft.agency_id)
    won = Proposal(
        order_id=draft.id, pi_id=pi.id, budget=1, submitted_at=NOW,
        status=ProposalStatus.AWARDED,
    )  # fmt: skip
    won.members = [ProposalMember(user_id=member.id)]
    db.session.add_all(
        [
            won,
            Proposal(
                order_id=draft.id, pi_id=declined.id, budget=1, submitted_at=NOW,
                status=ProposalStatus.DECLINED,
            ),
            Proposal(
                order_id=draft.id, pi_id=withdrawn.id, budget=1, submitted_at=NOW,
                status=ProposalStatus.WITHDRAWN,
            ),
        ]
    )  # fmt: skip
    draft.pi_id = pi.id
    db.session.commit()
    orders.apply_action(draft.id, official, Action.SUBMIT, {}, draft.version, now=NOW)
    told = {m.to[0] for m in outbox}
    assert {pi.email, member.email, colleague.email} <= told
    assert not {declined.email, withdrawn.email} & told
    heard = set(db.session.scalars(sa.select(Notification.user_id)))
    assert declined.id not in heard and withdrawn.id not in heard


def test_closing_a_call_checks_the_published_deadline_not_a_typed_one(
    draft, official, approver, publish_order
):
    publish_order(draft, NOW, NOW + timedelta(days=30), by=official, approver=approver)
    typed = {
        "selection_method": "open_selection",
        "application_deadline": NOW - timedelta(days=1),
    }
    with pytest.raises(Conflict):
        orders.apply_action(
            draft.id,
            official,
            Action.CLOSE_APPLICATIONS,
            typed,
            4,
            now=NOW + timedelta(days=1),
        )
    assert _state(draft)[:2] == ("published", 4)
    orders.apply_action(
        draft.id,
        official,
        Action.CLOSE_APPLICATIONS,
        {},
        4,
        now=NOW + timedelta(days=31),
    )
    assert _state(draft)[0] == "applications_closed"


def test_deadline_in_can_tho_time_is_kept_as_the_same_instant(
    draft, official, approver, publish_order
):
    from matchmaker.lifecycle import VIETNAM_TZ

    typed = datetime(2026, 12, 20, 17, 0, tzinfo=VIETNAM_TZ)
    publish_order(draft, NOW, typed, by=official, approver=approver)
    stored = orders._as_utc(_fresh_order(draft).application_deadline)
    assert stored == typed  # 10:00 UTC, whatever the database keeps of the offset


def _fresh_order(order: ResearchOrder) -> ResearchOrder:
    db.session.expire_all()
    return db.session.get(ResearchOrder, order.id)
