"""Refusals for the wrong state and the wrong role, over the full grid, and allowed_actions."""

from __future__ import annotations

import pytest

from matchmaker.lifecycle import (
    CODES,
    TRANSITIONS,
    Action,
    TransitionRefused,
    allowed_actions,
    plan,
)

from .cases import (
    ALL_ACTIONS,
    ALL_ROLES,
    ALL_STATES,
    COMPLETE_HISTORY,
    EXPECTED,
    NOW,
    VALID,
)

WRONG_STATE_CASES = [
    (state, action)
    for action in ALL_ACTIONS
    for state in ALL_STATES
    if state not in EXPECTED[action][0]
]
WRONG_ROLE_CASES = [
    (source, action, role)
    for action, (sources, _, roles) in EXPECTED.items()
    for source in sorted(sources)
    for role in ALL_ROLES
    if role not in roles
]


def test_grid_covers_every_state_and_action():
    allowed = sum(len(sources) for sources, _, _ in EXPECTED.values())
    assert len(WRONG_STATE_CASES) + allowed == len(ALL_STATES) * len(ALL_ACTIONS)


@pytest.mark.parametrize(("state", "action"), WRONG_STATE_CASES)
def test_plan_refuses_action_from_any_other_state(state, action):
    with pytest.raises(TransitionRefused) as refused:
        plan(state, action, "admin", VALID[action], NOW, COMPLETE_HISTORY)
    assert refused.value.code == "wrong_state"
    assert refused.value.params["state"] == state
    assert refused.value.params["action"] == action
    assert set(refused.value.params["allowed_states"]) == EXPECTED[action][0]


@pytest.mark.parametrize(("source", "action", "role"), WRONG_ROLE_CASES)
def test_plan_refuses_a_role_the_action_does_not_allow(source, action, role):
    with pytest.raises(TransitionRefused) as refused:
        plan(source, action, role, VALID[action], NOW, COMPLETE_HISTORY)
    assert refused.value.code == "not_allowed_role"
    assert refused.value.params["role"] == role
    assert set(refused.value.params["allowed_roles"]) == EXPECTED[action][2]


def test_plan_refuses_an_unknown_role():
    with pytest.raises(TransitionRefused) as refused:
        plan("draft", "submit", "researcher", {}, NOW)
    assert refused.value.code == "not_allowed_role"
    assert refused.value.params["role"] == "researcher"


def test_plan_checks_state_before_role():
    with pytest.raises(TransitionRefused) as refused:
        plan("closed", "approve", "pi", VALID["approve"], NOW)
    assert refused.value.code == "wrong_state"


@pytest.mark.parametrize("state", ALL_STATES)
@pytest.mark.parametrize("role", [*ALL_ROLES, "researcher"])
def test_allowed_actions_agrees_with_plan(state, role):
    offered = allowed_actions(state, role)
    for action in Action:
        try:
            plan(state, action, role, VALID[action.value], NOW, COMPLETE_HISTORY)
        except TransitionRefused as refused:
            assert action not in offered
            assert refused.code in {"wrong_state", "not_allowed_role"}
        else:
            assert action in offered


def test_allowed_actions_lists_actions_in_enum_order():
    assert allowed_actions("under_review", "admin") == [
        Action.AWARD,
        Action.CLOSE_WITHOUT_AWARD,
        Action.CANCEL,
    ]


@pytest.mark.parametrize("bad", [("limbo", "submit"), ("draft", "jump")])
def test_plan_raises_value_error_for_unknown_state_or_action(bad):
    with pytest.raises(ValueError):
        plan(*bad, "admin", {}, NOW)


def test_plan_rejects_a_naive_now():
    with pytest.raises(ValueError, match="timezone-aware"):
        plan("draft", "submit", "admin", {}, NOW.replace(tzinfo=None))


def test_refusal_has_code_params_and_a_readable_message():
    refused = TransitionRefused("missing_field", {"field": "reason"})
    assert refused.code in CODES
    assert str(refused) == "missing_field: field='reason'"
    with pytest.raises(TypeError):
        refused.params["field"] = "other"  # type: ignore[index]


def test_refusal_rejects_an_unknown_code():
    with pytest.raises(ValueError):
        TransitionRefused("nope")


def test_every_rule_role_is_listed_for_some_action():
    assert {role.value for rule in TRANSITIONS.values() for role in rule.roles} == set(
        ALL_ROLES
    )
