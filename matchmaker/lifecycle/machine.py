"""Plan a transition against the table, and list the actions a role may take from a state."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType

from matchmaker.lifecycle.errors import (
    MISSING_FIELD,
    NOT_ALLOWED_ROLE,
    WRONG_STATE,
    TransitionRefused,
)
from matchmaker.lifecycle.fields import VALIDATORS, is_blank
from matchmaker.lifecycle.states import Action, Entry, OrderState, Role, Step
from matchmaker.lifecycle.table import ENTRIES, TERMINAL_STATES, TRANSITIONS, Rule


@dataclass(frozen=True)
class Transition:
    """A transition that the rules allow, ready for the services layer to apply and record.

    Parameters
    ----------
    from_state, to_state : OrderState
        The state the order must still be in when applied, and the state it moves to.
    action : Action
    role : Role
    at : datetime
        The ``now`` it was planned at.
    fields : mapping of str to object
        The validated, normalised fields the action records (read-only), in table order:
        stripped text, :class:`~matchmaker.lifecycle.SelectionMethod` members, and
        :class:`~matchmaker.lifecycle.Tranche` tuples for payment schedules.
    """

    from_state: OrderState
    to_state: OrderState
    action: Action
    role: Role
    at: datetime
    fields: Mapping[str, object] = field(hash=False)

    @property
    def is_final(self) -> bool:
        """Whether the order can never move again after this transition."""
        return self.to_state in TERMINAL_STATES


def _role(role: Role | str) -> Role | None:
    if isinstance(role, Role):
        return role
    try:
        return Role(role)
    except ValueError:
        return None


def _sorted_values(members) -> list[str]:
    return sorted(member.value for member in members)


def _validate(
    rule: Rule, data: Mapping[str, object], now: datetime
) -> dict[str, object]:
    values: dict[str, object] = {}
    missing: list[str] = []
    for spec in rule.fields:
        if spec.when is not None and values.get(spec.when[0]) != spec.when[1]:
            continue
        raw = data.get(spec.name)
        if is_blank(raw):
            if spec.required:
                missing.append(spec.name)
            continue
        values[spec.name] = VALIDATORS[spec.kind](spec.name, raw, now)
    if missing:
        raise TransitionRefused(MISSING_FIELD, {"field": missing[0], "fields": missing})
    return values


def plan(
    state: OrderState | str,
    action: Action | str,
    role: Role | str,
    data: Mapping[str, object],
    now: datetime,
    history: Sequence[str | Action | Step] = (),
) -> Transition:
    """Check that ``role`` may take ``action`` on an order in ``state``, and plan the move.

    Checks run in a fixed order: state, then role, then fields in table order, then cross-field
    rules (contract dates and payment schedule, application deadline, required steps).

    Parameters
    ----------
    state : OrderState or str
        The order's current state (a stored string value is accepted).
    action : Action or str
    role : Role or str
        An unknown role string is refused like a role the action does not allow.
    data : mapping of str to object
        Submitted fields merged with the stored facts the action depends on (for
        ``close_applications``: the ``selection_method`` and ``application_deadline`` recorded at
        publication). ``None`` and blank strings count as missing; unknown keys are ignored.
    now : datetime
        The current instant, timezone-aware; deadlines and decision dates are checked against it.
    history : sequence of str, Action or Step, optional
        The order's recorded actions and events; only ``close_with_risk_accepted`` reads it.

    Returns
    -------
    Transition

    Raises
    ------
    TransitionRefused
        With ``code`` ``wrong_state``, ``not_allowed_role``, ``missing_field``,
        ``invalid_field``, ``deadline_not_passed`` or ``steps_missing``.
    ValueError
        If ``state`` or ``action`` is not a known value, or ``now`` is naive (programming errors).
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    state, action = OrderState(state), Action(action)
    rule = TRANSITIONS[action]
    if state not in rule.sources:
        params = {"state": state.value, "action": action.value}
        raise TransitionRefused(
            WRONG_STATE, {**params, "allowed_states": _sorted_values(rule.sources)}
        )
    actor = _role(role)
    if actor is None or actor not in rule.roles:
        name = actor.value if actor is not None else str(role)
        params = {"role": name, "action": action.value}
        raise TransitionRefused(
            NOT_ALLOWED_ROLE, {**params, "allowed_roles": _sorted_values(rule.roles)}
        )
    values = _validate(rule, data, now)
    for check in rule.checks:
        check(values, now, history)
    return Transition(state, rule.target, action, actor, now, MappingProxyType(values))


def allowed_actions(state: OrderState | str, role: Role | str) -> list[Action]:
    """List the actions ``role`` may take from ``state``, in :class:`Action` order.

    Only the state and the role are considered: :func:`plan` may still refuse one of these
    actions for its fields, its deadline or missing steps.

    Parameters
    ----------
    state : OrderState or str
    role : Role or str
        An unknown role string has no actions.

    Returns
    -------
    list of Action
        Empty for terminal states.
    """
    state, actor = OrderState(state), _role(role)
    return [
        action
        for action, rule in TRANSITIONS.items()
        if state in rule.sources and actor in rule.roles
    ]


def may_record(
    state: OrderState | str, entry: Entry | str, role: Role | str | None
) -> bool:
    """Whether ``role`` may record ``entry`` (a step that keeps the state) on an order in ``state``.

    Parameters
    ----------
    state : OrderState or str
    entry : Entry or str
    role : Role, str or None
        An unknown role, or none, may record nothing.

    Returns
    -------
    bool
    """
    rule = ENTRIES[Entry(entry)]
    actor = _role(role) if role is not None else None
    return OrderState(state) in rule.states and actor in rule.roles
