"""The "next step" panel of an order's page, and the confirmation that every irreversible step asks for."""

from __future__ import annotations

import re

import pytest

from matchmaker.extensions import db
from matchmaker.lifecycle import IRREVERSIBLE, TRANSITIONS, Action
from matchmaker.models import ResearchOrder, Role
from matchmaker.services.orders import lifecycle as orders

CONFIRM_REFUSED = "Vui lòng đánh dấu “Tôi xác nhận”"
OPEN_BUTTON = re.compile(r'id="open-([a-z_]+)"')


@pytest.fixture
def drafted(agency, official) -> ResearchOrder:
    """A draft order; each test puts it in the state it needs."""
    return orders.create_order(
        official, orders.OrderInput(title="Cảnh báo mặn", agency_id=agency.id)
    )


def _put(order: ResearchOrder, state: str, **columns) -> None:
    """Set the order's state as facts of the test (the lifecycle's own walk is tested elsewhere)."""
    order.state = state
    for name, value in columns.items():
        setattr(order, name, value)
    db.session.commit()


def _sign_in(auth, who: str, official, approver, pi) -> None:
    people = {"official": official, "approver": approver, "pi": pi}
    if who in people:
        auth.login(people[who].email)
    elif who == "researcher":
        auth.login_as(Role.RESEARCHER)


def _fresh(order_id: int) -> tuple[str, int]:
    db.session.expire_all()
    found = db.session.get(ResearchOrder, order_id)
    return found.state, found.version


# Who sees which buttons: the approving official is the one in charge of decisions; the other official
# prepares and moves the order; the principal investigator reports; nobody else acts.
PANELS = [
    ("draft", "official", ["submit"], False),
    ("draft", "approver", ["submit", "cancel"], False),
    ("submitted", "approver", ["approve", "return_for_revision", "reject", "cancel"], False),
    ("submitted", "official", [], True),
    ("under_review", "approver", ["award", "close_without_award", "cancel"], False),
    ("under_review", "official", [], True),
    ("in_progress", "official", ["request_acceptance"], False),
    ("in_progress", "approver", ["request_acceptance", "terminate"], False),
    ("in_progress", "pi", ["request_acceptance"], False),
    ("in_progress", "researcher", [], False),
    ("in_progress", "visitor", [], False),
    ("published", "visitor", [], False),
    ("closed", "approver", [], False),
]  # fmt: skip


@pytest.mark.parametrize(("state", "who", "buttons", "waiting"), PANELS)
def test_next_step_panel_lists_the_steps_the_viewer_may_take(
    client, auth, drafted, official, approver, pi, state, who, buttons, waiting
):
    _put(drafted, state, pi_id=pi.id if state == "in_progress" else None)
    _sign_in(auth, who, official, approver, pi)
    response = client.get(f"/orders/{drafted.id}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert (
        OPEN_BUTTON.findall(page) == buttons
    )  # forward step first, then back, then the ones that end it
    assert ('id="next-step"' in page) == bool(buttons or waiting)
    assert ('id="next-step-waiting"' in page) == waiting
    for action in buttons:
        # Each step but awarding has its form on the page, with the submit button the other tests press.
        assert (f'id="do-{action}"' in page) == (action != "award")
        assert (f'id="{action}-confirm"' in page) == (
            Action(action) in IRREVERSIBLE and action != "award"
        )
    assert page.count('id="order-state"') == 1


def test_next_step_buttons_are_styled_by_what_they_do(client, auth, drafted, approver):
    _put(drafted, "submitted")
    auth.login(approver.email)
    page = client.get(f"/orders/{drafted.id}").get_data(as_text=True)
    assert re.search(
        r'class="btn btn-primary" id="open-approve" href="#step-approve"', page
    )
    assert 'class="btn btn-outline-secondary" id="open-return_for_revision"' in page
    assert 'class="btn btn-outline-danger" id="open-reject"' in page
    assert 'class="btn btn-outline-danger" id="open-cancel"' in page
    # The irreversible forms open a dialog first; returning for revision can be undone and does not.
    assert 'id="step-approve"' in page and 'id="confirm-step"' in page
    form = re.search(r'<form[^>]*id="step-return_for_revision"[^>]*>', page, re.S)
    assert form and "data-confirm-title" not in form.group(0)


def test_awarding_leads_to_the_proposals_page(client, auth, drafted, approver):
    _put(drafted, "under_review")
    auth.login(approver.email)
    page = client.get(f"/orders/{drafted.id}").get_data(as_text=True)
    link = f'id="open-award" href="/orders/{drafted.id}/proposals"'
    assert link in page


def test_a_refused_step_comes_back_open_with_what_was_typed(
    client, auth, drafted, approver
):
    _put(drafted, "submitted")
    auth.login(approver.email)
    response = client.post(
        f"/orders/{drafted.id}/act/approve",
        data={"version": "1", "decision_number": "123/QĐ-SKHCN", "confirm": "y"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert re.search(r'id="step-approve"\s+class="step-form[^"]*is-open', page)
    assert 'value="123/QĐ-SKHCN"' in page and "alert-danger" in page
    assert not re.search(r'id="step-reject"\s+class="step-form[^"]*is-open', page)
    assert _fresh(drafted.id) == ("submitted", 1)


# Every action the order page takes, with the state it starts from, the stored facts it needs and
# valid fields: without "I confirm" an irreversible one is refused and changes nothing.
STEP_DATA = {
    Action.SUBMIT: {},
    Action.RETURN_FOR_REVISION: {"reason": "Thiếu số liệu"},
    Action.REJECT: {"reason": "Trùng lặp"},
    Action.APPROVE: {"decision_number": "12/QĐ", "decision_date": "2026-01-05"},
    Action.PUBLISH: {"selection_method": "direct_assignment",
                     "assignee_organisation": "Trường Đại học Cần Thơ", "justification": "Đơn vị duy nhất"},
    Action.CLOSE_APPLICATIONS: {},
    Action.START_REVIEW: {"council": "Hội đồng 12"},
    Action.CLOSE_WITHOUT_AWARD: {"reason": "Không đạt"},
    Action.START_WORK: {},
    Action.REQUEST_ACCEPTANCE: {"note": "Đã xong"},
    Action.ACCEPT: {"council_result": "Đạt"},
    Action.NOT_ACCEPT: {"council_result": "Không đạt"},
    Action.REGISTER_RESULTS: {"registration_number": "15/KQNV"},
    Action.START_APPLICATION: {},
    Action.CLOSE: {},
    Action.CLOSE_WITH_RISK_ACCEPTED: {"note": "Rủi ro được chấp nhận"},
    Action.CANCEL: {"reason": "Không còn cần"},
    Action.TERMINATE: {"reason": "Chủ nhiệm rút lui"},
}  # fmt: skip


def test_every_action_of_the_order_page_is_walked():
    assert set(STEP_DATA) == set(Action) - {
        Action.AWARD
    }  # awarding: test_proposal_views


def _ready(order: ResearchOrder, action: Action) -> None:
    source = min(TRANSITIONS[action].sources, key=lambda state: state.value)
    _put(order, source.value, selection_method="direct_assignment")


@pytest.mark.parametrize("action", list(STEP_DATA), ids=lambda a: a.value)
def test_irreversible_steps_are_refused_without_confirmation(
    client, auth, drafted, approver, action
):
    _ready(drafted, action)
    before = _fresh(drafted.id)
    auth.login(approver.email)
    data = STEP_DATA[action] | {"version": str(before[1])}
    response = client.post(f"/orders/{drafted.id}/act/{action.value}", data=data)
    if action in IRREVERSIBLE:
        page = response.get_data(as_text=True)
        assert response.status_code == 409 and CONFIRM_REFUSED in page
        assert f'id="{action.value}-confirm-errors"' in page
        assert _fresh(drafted.id) == before
        assert [e.action for e in orders.history(drafted)] == ["create"]
    else:
        assert response.status_code == 302  # reversible: taken at once, nothing asked
        assert _fresh(drafted.id) == (TRANSITIONS[action].target.value, before[1] + 1)


@pytest.mark.parametrize(
    "action",
    [
        a
        for a in STEP_DATA
        if a in IRREVERSIBLE and a != Action.CLOSE_WITH_RISK_ACCEPTED
    ],
    ids=lambda a: a.value,
)
def test_irreversible_steps_are_taken_once_confirmed(
    client, auth, drafted, approver, action
):
    _ready(drafted, action)
    before = _fresh(drafted.id)
    auth.login(approver.email)
    data = STEP_DATA[action] | {"version": str(before[1]), "confirm": "y"}
    response = client.post(f"/orders/{drafted.id}/act/{action.value}", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert _fresh(drafted.id) == (TRANSITIONS[action].target.value, before[1] + 1)
