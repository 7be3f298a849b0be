"""The work page's controls for a deliverable sent back for revision and a result added later, per role."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from matchmaker.extensions import db
from matchmaker.lifecycle import Action
from matchmaker.models import (
    Milestone,
    Notification,
    OrderEvent,
    ResearchOrder,
    ResultRecord,
    Role,
)
from matchmaker.services.orders import lifecycle as orders
from matchmaker.services.orders import work as progress

OPENED = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
CLOSES = OPENED + timedelta(days=14)
DECIDED = CLOSES + timedelta(days=2)
CONTRACT = {
    "contract_number": "09/HĐ-SKHCN", "contract_value": 600_000_000,
    "start_date": date(2026, 11, 1), "end_date": date(2028, 6, 30),
    "payment_schedule": [{"amount": 600_000_000, "due_date": date(2028, 6, 1), "label": "Một đợt"}],
}  # fmt: skip
REASON = "Bổ sung số liệu gốc của 5 trạm đo mặn."
ROLES = ["anonymous", "outsider", "enterprise", "member", "pi", "official"]


@pytest.fixture
def revision_team(make_user, agency) -> SimpleNamespace:
    return SimpleNamespace(
        official=make_user(Role.OFFICIAL, institution=agency),
        approver=make_user(Role.OFFICIAL, institution=agency, can_approve=True),
        pi=make_user(Role.RESEARCHER, full_name="TS. Lê Thị Phù Sa"),
        member=make_user(Role.RESEARCHER),
        outsider=make_user(Role.RESEARCHER),
        enterprise=make_user(Role.ENTERPRISE),
    )


@pytest.fixture
def handed_in(revision_team, make_awarded_order) -> tuple[ResearchOrder, Milestone]:
    """An order in progress whose milestone (due before today) has its deliverable handed in."""
    team = revision_team
    order = make_awarded_order(
        OPENED, CLOSES, DECIDED, CONTRACT, pi=team.pi, members=[team.member], started=True,
        by=team.official, approver=team.approver, title="Quan trắc mặn tự động",
    )  # fmt: skip
    milestone = progress.add_milestone(
        team.official, order.id,
        progress.MilestoneInput(title="Báo cáo khảo sát", due_date=date(2026, 11, 15)),
    )  # fmt: skip
    progress.submit_deliverable(team.pi, order.id, milestone.id, "Đã gửi văn thư")
    return db.session.get(ResearchOrder, order.id), milestone


@pytest.fixture
def applied_order(revision_team, handed_in) -> ResearchOrder:
    """The same order walked on to "in application", with one registered result."""
    team, (order, _milestone) = revision_team, handed_in

    def act(user, action, data=None):
        version = db.session.get(ResearchOrder, order.id).version
        orders.apply_action(order.id, user, action, data or {}, version)

    act(team.pi, Action.REQUEST_ACCEPTANCE)
    act(team.approver, Action.ACCEPT, {"council_result": "Đạt"})
    version = db.session.get(ResearchOrder, order.id).version
    progress.register_results(
        team.pi, order.id, [progress.ResultInput(product="Hệ thống cảnh báo mặn")], "", version
    )  # fmt: skip
    act(team.official, Action.START_APPLICATION)
    return db.session.get(ResearchOrder, order.id)


def _login(auth, team, who: str) -> None:
    if who != "anonymous":
        assert auth.login(getattr(team, who).email).status_code == 302


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _send_back_url(order, milestone) -> str:
    return f"/orders/{order.id}/work/milestones/{milestone.id}/send-back"


def _reason(milestone, text: str = REASON) -> dict:
    return {f"send-back-{milestone.id}-reason": text}


RESULT = {"add-result-product": "Bằng độc quyền giải pháp hữu ích", "add-result-ip_kind": "utility_solution",
          "add-result-ip_number": "2-0003456", "add-result-ip_status": "granted",
          "add-result-applied_at": "HTX Phong Điền", "add-result-beneficiary": "Nông dân"}  # fmt: skip


# --- sending a deliverable back ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "who, status",
    [("anonymous", 302), ("outsider", 403), ("enterprise", 403), ("member", 403),
     ("pi", 403), ("official", 302)],
)  # fmt: skip
def test_only_officials_send_a_deliverable_back(
    client, auth, revision_team, handed_in, who, status
):
    order, milestone = handed_in
    _login(auth, revision_team, who)
    response = client.post(_send_back_url(order, milestone), data=_reason(milestone))
    assert response.status_code == status
    if who == "anonymous":
        assert "/auth/login" in response.headers["Location"]
    db.session.expire_all()
    sent_back = db.session.get(Milestone, milestone.id).submitted_at is None
    assert sent_back == (who == "official")
    returned = [e for e in orders.history(order) if e.action == "return_deliverable"]
    assert len(returned) == (1 if who == "official" else 0)


@pytest.mark.parametrize("who", ROLES[1:])
def test_the_send_back_form_is_offered_to_officials_only(
    client, auth, revision_team, handed_in, who
):
    order, milestone = handed_in
    _login(auth, revision_team, who)
    response = client.get(f"/orders/{order.id}/work")
    if who in {"outsider", "enterprise"}:
        assert response.status_code == 404
        return
    page = response.get_data(as_text=True)
    assert (f'id="do-send-back-{milestone.id}"' in page) == (who == "official")


def test_the_pi_reads_the_reason_and_can_hand_in_again(
    client, auth, revision_team, handed_in
):
    order, milestone = handed_in
    _login(auth, revision_team, "official")
    response = client.post(_send_back_url(order, milestone), data=_reason(milestone))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/orders/{order.id}/work#milestones")
    auth.logout()
    told = db.session.scalars(
        sa.select(Notification).where(Notification.user_id == revision_team.pi.id)
    ).all()
    assert [n.kind for n in told][-1] == "deliverable_sent_back"
    _login(auth, revision_team, "pi")
    page = client.get(f"/orders/{order.id}/work").get_data(as_text=True)
    assert f'id="sent-back-{milestone.id}"' in page and REASON in page
    assert (
        "Overdue" in page or "Quá hạn" in page
    )  # due before today, no longer handed in
    assert f"/work/milestones/{milestone.id}/submit" in page
    again = client.post(
        f"/orders/{order.id}/work/milestones/{milestone.id}/submit",
        data={f"deliver-{milestone.id}-note": "Đã bổ sung"},
    )
    assert again.status_code == 302
    page = client.get(f"/orders/{order.id}/work").get_data(as_text=True)
    assert f'id="sent-back-{milestone.id}"' not in page


def test_sending_back_needs_a_reason_and_keeps_the_form(
    client, auth, revision_team, handed_in
):
    order, milestone = handed_in
    _login(auth, revision_team, "official")
    response = client.post(
        _send_back_url(order, milestone), data=_reason(milestone, " ")
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'id="send-back-{milestone.id}-reason-errors"' in page
    db.session.expire_all()
    assert db.session.get(Milestone, milestone.id).submitted_at is not None


def test_sending_back_a_confirmed_deliverable_is_refused_and_changes_nothing(
    client, auth, revision_team, handed_in
):
    order, milestone = handed_in
    progress.complete_milestone(
        revision_team.official, order.id, milestone.id, date(2026, 11, 20), "Biên bản 3"
    )
    events = _count(OrderEvent)
    _login(auth, revision_team, "official")
    response = client.post(_send_back_url(order, milestone), data=_reason(milestone))
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "cannot be sent back" in page or "không thể trả lại" in page
    db.session.expire_all()
    fresh = db.session.get(Milestone, milestone.id)
    assert fresh.completed_on == date(2026, 11, 20) and fresh.submitted_at is not None
    assert _count(OrderEvent) == events


@pytest.mark.parallel
def test_two_officials_sending_back_at_once_send_it_back_once(
    revision_team, handed_in, clients_of, in_parallel
):
    order, milestone = handed_in
    url, data = _send_back_url(order, milestone), _reason(milestone)
    calls = [
        lambda client=client: client.post(url, data=data).status_code
        for client in clients_of(revision_team.official, 2)
        + clients_of(revision_team.approver, 2)
    ]
    assert sorted(in_parallel(calls)) == [302, 409, 409, 409]
    returned = [e for e in orders.history(order) if e.action == "return_deliverable"]
    assert len(returned) == 1
    assert db.session.get(Milestone, milestone.id).submitted_at is None
    told = sa.select(sa.func.count()).where(
        Notification.kind == "deliverable_sent_back"
    )
    assert db.session.scalar(told) == 1


def test_the_order_history_names_the_deliverable_sent_back(
    client, auth, revision_team, handed_in
):
    order, milestone = handed_in
    progress.send_back_deliverable(
        revision_team.official, order.id, milestone.id, REASON
    )
    _login(auth, revision_team, "official")
    page = client.get(f"/orders/{order.id}").get_data(as_text=True)
    history = page[page.index('id="order-history"') :]
    assert "“Báo cáo khảo sát”" in history and REASON in history


def test_send_back_form_needs_its_csrf_token(
    app, client, auth, revision_team, handed_in
):
    order, milestone = handed_in
    _login(auth, revision_team, "official")
    app.config["WTF_CSRF_ENABLED"] = True
    page = client.get(f"/orders/{order.id}/work").get_data(as_text=True)
    token = re.search(
        rf'name="send-back-{milestone.id}-csrf_token"[^>]*value="([^"]+)"', page
    )
    refused = client.post(_send_back_url(order, milestone), data=_reason(milestone))
    assert refused.status_code == 400
    db.session.expire_all()
    assert db.session.get(Milestone, milestone.id).submitted_at is not None
    data = _reason(milestone) | {f"send-back-{milestone.id}-csrf_token": token.group(1)}
    assert client.post(_send_back_url(order, milestone), data=data).status_code == 302


# --- adding a result later -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "who, status",
    [("anonymous", 302), ("outsider", 404), ("enterprise", 403), ("member", 403),
     ("pi", 302), ("official", 302)],
)  # fmt: skip
def test_officials_and_the_pi_add_a_result(
    client, auth, revision_team, applied_order, who, status
):
    _login(auth, revision_team, who)
    response = client.post(f"/orders/{applied_order.id}/work/results/add", data=RESULT)
    assert response.status_code == status
    added = who in {"pi", "official"}
    assert _count(ResultRecord) == (2 if added else 1)
    assert len(
        [e for e in orders.history(applied_order) if e.action == "add_result"]
    ) == (1 if added else 0)


@pytest.mark.parametrize("who", ROLES[1:])
def test_the_add_result_form_is_offered_to_officials_and_the_pi(
    client, auth, revision_team, applied_order, who
):
    _login(auth, revision_team, who)
    page = client.get(f"/orders/{applied_order.id}/work").get_data(as_text=True)
    assert ('id="do-add-result"' in page) == (who in {"pi", "official"})


def test_an_added_result_is_shown_to_the_public(
    client, auth, revision_team, applied_order
):
    _login(auth, revision_team, "pi")
    response = client.post(f"/orders/{applied_order.id}/work/results/add", data=RESULT)
    assert response.headers["Location"].endswith("#results")
    auth.logout()
    page = client.get(f"/orders/{applied_order.id}/work").get_data(as_text=True)
    assert "Bằng độc quyền giải pháp hữu ích" in page and "2-0003456" in page
    assert "Hệ thống cảnh báo mặn" in page


def test_the_add_result_form_keeps_input_on_error(
    client, auth, revision_team, applied_order
):
    _login(auth, revision_team, "official")
    data = RESULT | {"add-result-ip_number": ""}
    response = client.post(f"/orders/{applied_order.id}/work/results/add", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="add-result-ip_number-errors"' in page
    assert 'value="HTX Phong Điền"' in page and _count(ResultRecord) == 1
    blank = client.post(f"/orders/{applied_order.id}/work/results/add", data={})
    assert 'id="add-result-product-errors"' in blank.get_data(as_text=True)
    assert _count(ResultRecord) == 1


def test_adding_a_result_while_the_work_goes_on_is_refused(
    client, auth, revision_team, handed_in
):
    order, _milestone = handed_in
    _login(auth, revision_team, "pi")
    response = client.post(f"/orders/{order.id}/work/results/add", data=RESULT)
    assert response.status_code == 409 and _count(ResultRecord) == 0
    assert 'id="do-add-result"' not in response.get_data(as_text=True)


def test_a_result_says_to_whom_it_was_transferred(
    client, auth, revision_team, applied_order
):
    _login(auth, revision_team, "pi")
    data = RESULT | {"add-result-transferred_to": "Công ty TNHH Thủy sản Cần Thơ"}
    client.post(f"/orders/{applied_order.id}/work/results/add", data=data)
    added = db.session.scalars(
        sa.select(ResultRecord).order_by(ResultRecord.id.desc())
    ).first()
    assert added.transferred_to == "Công ty TNHH Thủy sản Cần Thơ"
    page = client.get(f"/orders/{applied_order.id}/work").get_data(as_text=True)
    assert "Công ty TNHH Thủy sản Cần Thơ" in page
    # an invalid row (no product) keeps what was typed, the transfer included
    page = client.post(
        f"/orders/{applied_order.id}/work/results/add",
        data=data | {"add-result-product": ""},
    ).get_data(as_text=True)
    assert 'value="Công ty TNHH Thủy sản Cần Thơ"' in page
