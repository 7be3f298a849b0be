"""The transition table: for each action, its source states, target state, roles and fields."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType

from matchmaker.lifecycle.errors import (
    DEADLINE_NOT_PASSED,
    INVALID_FIELD,
    STEPS_MISSING,
    TransitionRefused,
)
from matchmaker.lifecycle.evidence import missing_steps
from matchmaker.lifecycle.states import Action, Entry, OrderState, Role, SelectionMethod

S = OrderState
Check = Callable[[Mapping[str, object], datetime, Sequence[object]], None]


@dataclass(frozen=True)
class Field:
    """A field an action records; ``when`` = (earlier field, value) makes it conditional."""

    name: str
    kind: str
    required: bool = True
    when: tuple[str, object] | None = None


@dataclass(frozen=True)
class Rule:
    """One row of the table; ``checks`` run after every field is valid. ``irreversible``: no way back
    from the target to the source (checked in tests), so the app asks for a confirmation first."""

    action: Action
    sources: frozenset[OrderState]
    target: OrderState
    roles: frozenset[Role]
    fields: tuple[Field, ...] = ()
    checks: tuple[Check, ...] = ()
    irreversible: bool = True


def _end_after_start(
    values: Mapping[str, object], now: datetime, history: Sequence[object]
) -> None:
    start, end = values["start_date"], values["end_date"]
    if end <= start:  # type: ignore[operator]
        raise TransitionRefused(
            INVALID_FIELD,
            {"field": "end_date", "reason": "not_after_start", "start_date": start},
        )


def _schedule_matches_value(
    values: Mapping[str, object], now: datetime, history: Sequence[object]
) -> None:
    total = sum(tranche.amount for tranche in values["payment_schedule"])  # type: ignore[attr-defined]
    if total != values["contract_value"]:
        params = {"field": "payment_schedule", "reason": "sum_mismatch"}
        raise TransitionRefused(
            INVALID_FIELD,
            {**params, "total": total, "expected": values["contract_value"]},
        )


def _deadline_passed(
    values: Mapping[str, object], now: datetime, history: Sequence[object]
) -> None:
    deadline = values.get("application_deadline")
    if deadline is not None and now < deadline:  # type: ignore[operator]
        raise TransitionRefused(DEADLINE_NOT_PASSED, {"deadline": deadline, "now": now})


def _steps_complete(
    values: Mapping[str, object], now: datetime, history: Sequence[object]
) -> None:
    missing = missing_steps(history)
    if missing:
        raise TransitionRefused(STEPS_MISSING, {"steps": missing})


STAFF = frozenset({Role.OFFICIAL, Role.APPROVER, Role.ADMIN})
DECIDERS = frozenset({Role.APPROVER, Role.ADMIN})
REPORTERS = STAFF | {Role.PI}

OPEN = ("selection_method", SelectionMethod.OPEN_SELECTION)
DIRECT = ("selection_method", SelectionMethod.DIRECT_ASSIGNMENT)
REASON = (Field("reason", "text"),)
NOTE = (Field("note", "text", required=False),)
BEFORE_AWARD = frozenset(
    {
        S.DRAFT,
        S.SUBMITTED,
        S.APPROVED,
        S.PUBLISHED,
        S.APPLICATIONS_CLOSED,
        S.UNDER_REVIEW,
    }
)
RUNNING = frozenset({S.AWARDED, S.IN_PROGRESS, S.ACCEPTANCE_REVIEW})


def _rule(action, sources, target, roles, fields=(), checks=(), irreversible=True) -> Rule:  # fmt: skip
    return Rule(action, frozenset(sources), target, roles, tuple(fields), tuple(checks), irreversible)  # fmt: skip


RULES: tuple[Rule, ...] = (
    _rule(Action.SUBMIT, {S.DRAFT}, S.SUBMITTED, STAFF, NOTE, irreversible=False),
    _rule(
        Action.RETURN_FOR_REVISION,
        {S.SUBMITTED},
        S.DRAFT,
        DECIDERS,
        REASON,
        irreversible=False,
    ),
    _rule(Action.REJECT, {S.SUBMITTED}, S.REJECTED, DECIDERS, REASON),
    _rule(
        Action.APPROVE,
        {S.SUBMITTED},
        S.APPROVED,
        DECIDERS,
        (Field("decision_number", "text"), Field("decision_date", "past_date")),
    ),
    _rule(
        Action.PUBLISH,
        {S.APPROVED},
        S.PUBLISHED,
        STAFF,
        (
            Field("selection_method", "selection_method"),
            Field("application_deadline", "future_datetime", when=OPEN),
            Field("assignee_organisation", "text", when=DIRECT),
            Field("justification", "text", when=DIRECT),
        ),
    ),
    # The services layer passes the method and deadline recorded at publication.
    _rule(
        Action.CLOSE_APPLICATIONS,
        {S.PUBLISHED},
        S.APPLICATIONS_CLOSED,
        STAFF,
        (
            Field("selection_method", "selection_method"),
            Field("application_deadline", "aware_datetime", when=OPEN),
        ),
        (_deadline_passed,),
    ),
    _rule(
        Action.START_REVIEW,
        {S.APPLICATIONS_CLOSED},
        S.UNDER_REVIEW,
        STAFF,
        (Field("council", "text", required=False),),
    ),
    _rule(
        Action.AWARD,
        {S.UNDER_REVIEW},
        S.AWARDED,
        DECIDERS,
        (
            Field("contract_number", "text"),
            Field("contract_value", "positive_int"),
            Field("start_date", "date"),
            Field("end_date", "date"),
            Field("payment_schedule", "tranches"),
        ),
        (_end_after_start, _schedule_matches_value),
    ),
    _rule(Action.CLOSE_WITHOUT_AWARD, {S.UNDER_REVIEW}, S.CLOSED, DECIDERS, REASON),
    _rule(Action.START_WORK, {S.AWARDED}, S.IN_PROGRESS, STAFF, NOTE),
    _rule(
        Action.REQUEST_ACCEPTANCE, {S.IN_PROGRESS}, S.ACCEPTANCE_REVIEW, REPORTERS, NOTE
    ),
    _rule(
        Action.ACCEPT,
        {S.ACCEPTANCE_REVIEW},
        S.ACCEPTED,
        DECIDERS,
        (Field("council_result", "text"),),
    ),
    _rule(
        Action.NOT_ACCEPT,
        {S.ACCEPTANCE_REVIEW},
        S.NOT_ACCEPTED,
        DECIDERS,
        (Field("council_result", "text"),),
    ),
    _rule(
        Action.REGISTER_RESULTS,
        {S.ACCEPTED},
        S.RESULTS_REGISTERED,
        REPORTERS,
        (Field("registration_number", "text", required=False),),
    ),
    _rule(
        Action.START_APPLICATION, {S.RESULTS_REGISTERED}, S.IN_APPLICATION, STAFF, NOTE
    ),
    _rule(Action.CLOSE, {S.IN_APPLICATION}, S.CLOSED, STAFF, NOTE),
    _rule(
        Action.CLOSE_WITH_RISK_ACCEPTED,
        {S.NOT_ACCEPTED},
        S.CLOSED_RISK_ACCEPTED,
        DECIDERS,
        NOTE,
        (_steps_complete,),
    ),
    _rule(Action.CANCEL, BEFORE_AWARD, S.CANCELLED, DECIDERS, REASON),
    _rule(Action.TERMINATE, RUNNING, S.TERMINATED, DECIDERS, REASON),
)

TRANSITIONS: Mapping[Action, Rule] = MappingProxyType(
    {rule.action: rule for rule in RULES}
)

IRREVERSIBLE = frozenset(rule.action for rule in RULES if rule.irreversible)

TERMINAL_STATES = frozenset(
    state for state in OrderState if not any(state in rule.sources for rule in RULES)
)


@dataclass(frozen=True)
class EntryRule:
    """Who may record an :class:`Entry`, and in which states of the order."""

    entry: Entry
    states: frozenset[OrderState]
    roles: frozenset[Role]


# Deliverables are handed in and sent back while the work goes on (the PI can hand in again only then);
# results are added once registered, while they are put to use.
ENTRIES: Mapping[Entry, EntryRule] = MappingProxyType(
    {
        rule.entry: rule
        for rule in (
            EntryRule(Entry.DELIVERABLE_SUBMITTED, frozenset({S.IN_PROGRESS}), frozenset({Role.PI})),
            EntryRule(Entry.DELIVERABLE_RETURNED, frozenset({S.IN_PROGRESS}), STAFF),
            EntryRule(
                Entry.RESULT_ADDED, frozenset({S.RESULTS_REGISTERED, S.IN_APPLICATION}), REPORTERS
            ),
        )
    }
)  # fmt: skip
