"""The evidence rule for closing a failed task with its risk accepted (Law 93/2025/QH15, art. 9)."""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence

from matchmaker.lifecycle.states import Action, Step

# History entries that prove each step; a step's own value (e.g. "mid_term_check") also counts.
PROOF: Mapping[Step, frozenset[Action]] = {
    Step.APPROVAL_DECISION: frozenset({Action.APPROVE}),
    Step.PUBLICATION: frozenset({Action.PUBLISH}),
    Step.COUNCIL_REVIEW: frozenset({Action.START_REVIEW}),
    Step.CONTRACT: frozenset({Action.AWARD}),
    Step.MID_TERM_CHECK: frozenset(),
    Step.ACCEPTANCE_COUNCIL_RESULT: frozenset({Action.ACCEPT, Action.NOT_ACCEPT}),
}


def _value(entry: str | enum.Enum) -> str:
    return entry.value if isinstance(entry, enum.Enum) else entry


def missing_steps(history: Sequence[str | Action | Step]) -> list[str]:
    """List the required steps that the order's history does not show.

    Parameters
    ----------
    history : sequence of str, Action or Step
        Everything on record for the order: the actions applied (as :class:`Action` or their
        values) and recorded events such as ``"mid_term_check"``. Unknown entries are ignored;
        order and repetition do not matter.

    Returns
    -------
    list of str
        Values of the missing :class:`Step` members, in procedure order; empty when complete.
    """
    seen = {_value(entry) for entry in history}
    return [
        step.value
        for step, actions in PROOF.items()
        if step.value not in seen and not {action.value for action in actions} & seen
    ]
