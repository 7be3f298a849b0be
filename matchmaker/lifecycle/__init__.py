"""Pure, table-driven lifecycle of a state-ordered S&T task, from draft to closure.

Public API
----------
``plan(state, action, role, data, now, history=())``
    Return a :class:`Transition` (from/to state, action, role, time, recorded fields) or raise
    :class:`TransitionRefused` with a machine-readable ``code`` and ``params``.
``allowed_actions(state, role)``
    The actions to offer as buttons.
``may_record(state, entry, role)``
    Whether a step of the work that keeps the state (an :class:`Entry`, table ``ENTRIES``) may be recorded.
``missing_steps(history)``
    Required steps not on record, for closing a failed task with its risk accepted.
``TRANSITIONS``
    The table itself: :class:`Action` to :class:`Rule` (sources, target, roles, fields, checks, and
    whether the step is irreversible).
``IRREVERSIBLE``
    The actions with no way back: the app asks for a confirmation before taking them.

No Flask, no SQLAlchemy, no other matchmaker imports: the services layer stores ``state`` (the
enum value) with a ``version`` and applies a planned transition with a compare-and-set update.
"""

from matchmaker.lifecycle.errors import CODES, TransitionRefused
from matchmaker.lifecycle.evidence import missing_steps
from matchmaker.lifecycle.fields import VIETNAM_TZ, Tranche
from matchmaker.lifecycle.machine import Transition, allowed_actions, may_record, plan
from matchmaker.lifecycle.states import (
    Action,
    Entry,
    OrderState,
    Role,
    SelectionMethod,
    Step,
)
from matchmaker.lifecycle.table import (
    ENTRIES,
    IRREVERSIBLE,
    TERMINAL_STATES,
    TRANSITIONS,
    EntryRule,
    Field,
    Rule,
)

__all__ = [
    "CODES",
    "ENTRIES",
    "IRREVERSIBLE",
    "TERMINAL_STATES",
    "TRANSITIONS",
    "VIETNAM_TZ",
    "Action",
    "Entry",
    "EntryRule",
    "Field",
    "OrderState",
    "Role",
    "Rule",
    "SelectionMethod",
    "Step",
    "Tranche",
    "Transition",
    "TransitionRefused",
    "allowed_actions",
    "may_record",
    "missing_steps",
    "plan",
]
