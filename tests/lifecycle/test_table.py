"""The transition table against the issue's hand-written table, and every allowed transition."""

from __future__ import annotations

import pytest

from matchmaker.lifecycle import (
    IRREVERSIBLE,
    TERMINAL_STATES,
    TRANSITIONS,
    Action,
    OrderState,
    allowed_actions,
    plan,
)

from .cases import (
    ALL_ROLES,
    COMPLETE_HISTORY,
    EXPECTED,
    NOW,
    TERMINAL,
    VALID,
    a_role,
)

MAIN_PATH = [
    ("draft", "submit", "submitted"),
    ("submitted", "approve", "approved"),
    ("approved", "publish", "published"),
    ("published", "close_applications", "applications_closed"),
    ("applications_closed", "start_review", "under_review"),
    ("under_review", "award", "awarded"),
    ("awarded", "start_work", "in_progress"),
    ("in_progress", "request_acceptance", "acceptance_review"),
    ("acceptance_review", "accept", "accepted"),
    ("accepted", "register_results", "results_registered"),
    ("results_registered", "start_application", "in_application"),
    ("in_application", "close", "closed"),
]

TABLE_CASES = [
    (source, action)
    for action, (sources, _, _) in EXPECTED.items()
    for source in sorted(sources)
]
CODE_CASES = [
    (source.value, rule.action.value)
    for rule in TRANSITIONS.values()
    for source in sorted(rule.sources, key=lambda state: state.value)
]


def test_table_has_one_rule_per_action():
    assert list(TRANSITIONS) == list(Action)


def test_table_matches_the_issue():
    actual = {
        rule.action.value: (
            {state.value for state in rule.sources},
            rule.target.value,
            {role.value for role in rule.roles},
        )
        for rule in TRANSITIONS.values()
    }
    assert actual == EXPECTED


@pytest.mark.parametrize(("source", "action"), TABLE_CASES)
def test_plan_allows_every_expected_transition(source, action):
    transition = plan(
        source, action, a_role(action), VALID[action], NOW, COMPLETE_HISTORY
    )
    assert (transition.from_state.value, transition.to_state.value) == (
        source,
        EXPECTED[action][1],
    )


@pytest.mark.parametrize(("source", "action"), CODE_CASES)
def test_plan_allows_every_table_transition_for_every_permitted_role(source, action):
    for role in TRANSITIONS[Action(action)].roles:
        transition = plan(source, action, role, VALID[action], NOW, COMPLETE_HISTORY)
        assert transition.to_state is TRANSITIONS[Action(action)].target
        assert transition.role is role


def test_plan_walks_the_main_path():
    state = "draft"
    for source, action, target in MAIN_PATH:
        assert state == source
        transition = plan(state, action, a_role(action), VALID[action], NOW)
        assert transition.action is Action(action)
        assert transition.at == NOW
        state = transition.to_state.value
        assert state == target
    assert transition.is_final


def test_plan_accepts_enum_arguments():
    transition = plan(OrderState.DRAFT, Action.SUBMIT, "official", {}, NOW)
    assert transition.to_state is OrderState.SUBMITTED
    assert not transition.is_final


def test_terminal_states_match_the_issue():
    assert {state.value for state in TERMINAL_STATES} == TERMINAL


@pytest.mark.parametrize("state", sorted(TERMINAL))
@pytest.mark.parametrize("role", ALL_ROLES)
def test_terminal_states_have_no_allowed_actions(state, role):
    assert allowed_actions(state, role) == []


def test_allowed_actions_for_an_official_on_a_submitted_order():
    assert allowed_actions("submitted", "official") == []
    assert allowed_actions("submitted", "approver") == [
        Action.RETURN_FOR_REVISION,
        Action.REJECT,
        Action.APPROVE,
        Action.CANCEL,
    ]


def test_allowed_actions_for_the_pi():
    assert allowed_actions("in_progress", "pi") == [Action.REQUEST_ACCEPTANCE]
    assert allowed_actions("accepted", "pi") == [Action.REGISTER_RESULTS]
    assert allowed_actions("awarded", "pi") == []


def test_transition_is_frozen_and_hashable():
    transition = plan("draft", "submit", "official", {}, NOW)
    assert transition == plan("draft", "submit", "official", {}, NOW)
    assert hash(transition) == hash(plan("draft", "submit", "official", {}, NOW))
    with pytest.raises(AttributeError):
        transition.to_state = OrderState.CLOSED  # type: ignore[misc]


def _reachable(start: OrderState) -> set[OrderState]:
    """Every state some sequence of actions leads to from ``start`` (``start`` itself included)."""
    seen, frontier = {start}, [start]
    while frontier:
        state = frontier.pop()
        for rule in TRANSITIONS.values():
            if state in rule.sources and rule.target not in seen:
                seen.add(rule.target)
                frontier.append(rule.target)
    return seen


@pytest.mark.parametrize("action", list(Action), ids=lambda a: a.value)
def test_table_irreversible_means_no_way_back(action):
    rule = TRANSITIONS[action]
    way_back = any(source in _reachable(rule.target) for source in rule.sources)
    assert rule.irreversible == (not way_back)


def test_table_only_submitting_and_returning_can_be_undone():
    reversible = {action for action in Action if action not in IRREVERSIBLE}
    assert reversible == {Action.SUBMIT, Action.RETURN_FOR_REVISION}
