"""Steps of the work that keep the order's state: who may record them, and in which states."""

from __future__ import annotations

import pytest

from matchmaker.lifecycle import ENTRIES, Entry, OrderState, Role, may_record

ALLOWED = {
    Entry.DELIVERABLE_SUBMITTED: ({"in_progress"}, {"pi"}),
    Entry.DELIVERABLE_RETURNED: ({"in_progress"}, {"official", "approver", "admin"}),
    Entry.RESULT_ADDED: (
        {"results_registered", "in_application"},
        {"official", "approver", "admin", "pi"},
    ),
}


def test_every_entry_has_a_rule():
    assert set(ENTRIES) == set(Entry) == set(ALLOWED)


@pytest.mark.parametrize("entry", list(Entry))
@pytest.mark.parametrize("state", list(OrderState))
@pytest.mark.parametrize("role", [*Role, None, "visitor"])
def test_may_record_follows_the_table(entry, state, role):
    states, roles = ALLOWED[entry]
    name = role.value if isinstance(role, Role) else role
    assert may_record(state.value, entry.value, role) == (
        state.value in states and name in roles
    )
