"""The "next step" panel of an order's page: the steps the viewer may take now, each as a button with a
style and a sentence saying what happens next."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from matchmaker.blueprints.orders.forms import TransitionForm
from matchmaker.lifecycle import IRREVERSIBLE, TERMINAL_STATES, Action, OrderState

# The button's look: the forward step is primary, a step back is outlined, one that ends or fails the
# order is red. Whether it asks for a confirmation is the lifecycle's IRREVERSIBLE, not a look.
SECONDARY = frozenset({Action.RETURN_FOR_REVISION})
DANGER = frozenset(
    {
        Action.REJECT,
        Action.CLOSE_WITHOUT_AWARD,
        Action.NOT_ACCEPT,
        Action.CLOSE_WITH_RISK_ACCEPTED,
        Action.CANCEL,
        Action.TERMINATE,
    }
)

HINTS = {
    Action.SUBMIT: _l("Sends the draft to an official with approval authority; it can be returned to you for revision."),
    Action.RETURN_FOR_REVISION: _l("Sends the order back to draft with your reason, so that it can be edited and submitted again."),
    Action.REJECT: _l("Refuses the order for good, with your reason; it cannot be submitted again."),
    Action.APPROVE: _l("Records the approval decision; the order can then be published."),
    Action.PUBLISH: _l("Opens the call for proposals, or names the organisation assigned; the order becomes public."),
    Action.CLOSE_APPLICATIONS: _l("Ends the call once its deadline has passed; no more proposals are accepted."),
    Action.START_REVIEW: _l("Hands the proposals to the selection council for scoring."),
    Action.AWARD: _l("Chooses the winning proposal and records the contract, on the proposals and ranking page."),
    Action.CLOSE_WITHOUT_AWARD: _l("Closes the order without choosing any proposal, with your reason."),
    Action.START_WORK: _l("Starts the contract work: milestones, payments and reports are followed from now on."),
    Action.REQUEST_ACCEPTANCE: _l("Tells the officials the work is finished and asks for the acceptance council."),
    Action.ACCEPT: _l("Records the acceptance council's result: the results are accepted and can be registered."),
    Action.NOT_ACCEPT: _l("Records that the acceptance council did not accept the results."),
    Action.REGISTER_RESULTS: _l("Records the registration of the results; they are then put to use."),
    Action.START_APPLICATION: _l("Records that the results are being applied in practice."),
    Action.CLOSE: _l("Closes the order: its work and the application of its results are complete."),
    Action.CLOSE_WITH_RISK_ACCEPTED: _l("Closes the failed task with its risk accepted, once every required step is on record."),
    Action.CANCEL: _l("Cancels the order for good, with your reason."),
    Action.TERMINATE: _l("Stops the contract work for good, with your reason."),
}  # fmt: skip


@dataclass(frozen=True)
class Step:
    """One button of the panel; ``form`` is None for a step taken on a page of its own (awarding)."""

    action: Action
    tone: str
    hint: str
    irreversible: bool
    form: TransitionForm | None
    is_open: bool = False  # its form came back refused: shown open, with what was typed

    @property
    def is_primary(self) -> bool:
        return self.tone == "primary"


def tone_of(action: Action) -> str:
    """The button style of ``action``: primary, secondary or danger."""
    if action in DANGER:
        return "danger"
    return "secondary" if action in SECONDARY else "primary"


def next_steps(
    actions: list[Action],
    forms: dict[Action, TransitionForm],
    failed: Action | None = None,
) -> list[Step]:
    """The panel's buttons, the forward step first, then the steps back, then those that end the order."""
    steps = [
        Step(a, tone_of(a), HINTS[a], a in IRREVERSIBLE, forms.get(a), a == failed)
        for a in actions
    ]
    order = {"primary": 0, "secondary": 1, "danger": 2}
    return sorted(steps, key=lambda step: order[step.tone])


def waits_for_approver(state: str, is_staff: bool, steps: list[Step]) -> bool:
    """Staff who may take no step while the order is still moving wait for an approving official.

    Every step of a non-final state is open to every official unless only deciders may take it (the table's
    STAFF and DECIDERS), so an official with nothing to do is always waiting for one who may approve.
    """
    return is_staff and not steps and OrderState(state) not in TERMINAL_STATES


HINTS_BY_NAME = {action.value: hint for action, hint in HINTS.items()}
