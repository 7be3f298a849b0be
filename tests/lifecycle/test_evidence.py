"""The evidence rule for closing a task that was not accepted with its risk accepted."""

from __future__ import annotations

import pytest

from matchmaker.lifecycle import Action, Step, TransitionRefused, missing_steps, plan

from .cases import COMPLETE_HISTORY, NOW

ALL_STEPS = [
    "approval_decision",
    "publication",
    "council_review",
    "contract",
    "mid_term_check",
    "acceptance_council_result",
]


def test_missing_steps_of_a_complete_history_is_empty():
    assert missing_steps(COMPLETE_HISTORY) == []


def test_missing_steps_of_an_empty_history_lists_every_step_in_order():
    assert missing_steps([]) == ALL_STEPS


def test_missing_steps_names_exactly_what_is_missing():
    history = ["submit", "approve", "publish", "award", "not_accept"]
    assert missing_steps(history) == ["council_review", "mid_term_check"]


def test_missing_steps_accepts_step_values_and_ignores_unknown_entries():
    history = [step for step in Step] + ["adjustment_approved"]
    assert missing_steps(history) == []


def test_missing_steps_counts_an_accept_as_a_council_result():
    history = [*COMPLETE_HISTORY[:-1], Action.ACCEPT]
    assert missing_steps(history) == []


@pytest.mark.parametrize("dropped", ALL_STEPS)
def test_close_with_risk_accepted_is_refused_with_the_missing_step(dropped):
    history = [step for step in Step if step.value != dropped]
    with pytest.raises(TransitionRefused) as refused:
        plan("not_accepted", "close_with_risk_accepted", "approver", {}, NOW, history)
    assert refused.value.code == "steps_missing"
    assert refused.value.params["steps"] == [dropped]


def test_close_with_risk_accepted_without_history_lists_every_step():
    with pytest.raises(TransitionRefused) as refused:
        plan("not_accepted", "close_with_risk_accepted", "admin", {}, NOW)
    assert refused.value.params["steps"] == ALL_STEPS


def test_close_with_risk_accepted_is_allowed_when_every_step_is_on_record():
    transition = plan(
        "not_accepted",
        Action.CLOSE_WITH_RISK_ACCEPTED,
        "approver",
        {"note": "Luật 93/2025/QH15, Điều 9"},
        NOW,
        COMPLETE_HISTORY,
    )
    assert transition.to_state.value == "closed_risk_accepted"
    assert transition.is_final
    assert transition.fields == {"note": "Luật 93/2025/QH15, Điều 9"}
