"""Required and invalid fields, deadlines, contract dates and payment schedules."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from matchmaker.lifecycle import (
    VIETNAM_TZ,
    SelectionMethod,
    Tranche,
    TransitionRefused,
    plan,
)

from .cases import AWARD, NOW, VALID

SOURCE = {
    "return_for_revision": "submitted",
    "reject": "submitted",
    "approve": "submitted",
    "publish": "approved",
    "close_applications": "published",
    "award": "under_review",
    "close_without_award": "under_review",
    "accept": "acceptance_review",
    "not_accept": "acceptance_review",
    "cancel": "draft",
    "terminate": "in_progress",
}
DIRECT = {
    "selection_method": "direct_assignment",
    "assignee_organisation": "Trường Đại học Cần Thơ",
    "justification": "Đơn vị duy nhất có phòng thí nghiệm đạt chuẩn",
}
REQUIRED = [
    ("return_for_revision", "reason", VALID),
    ("reject", "reason", VALID),
    ("cancel", "reason", VALID),
    ("terminate", "reason", VALID),
    ("close_without_award", "reason", VALID),
    ("approve", "decision_number", VALID),
    ("approve", "decision_date", VALID),
    ("publish", "selection_method", VALID),
    ("publish", "application_deadline", VALID),
    ("publish", "assignee_organisation", {"publish": DIRECT}),
    ("publish", "justification", {"publish": DIRECT}),
    ("close_applications", "selection_method", VALID),
    ("close_applications", "application_deadline", VALID),
    ("award", "contract_number", VALID),
    ("award", "contract_value", VALID),
    ("award", "start_date", VALID),
    ("award", "end_date", VALID),
    ("award", "payment_schedule", VALID),
    ("accept", "council_result", VALID),
    ("not_accept", "council_result", VALID),
]
INVALID = [
    ("approve", "decision_number", 123, "not_text"),
    ("approve", "decision_date", "2026-03-01", "not_a_date"),
    ("approve", "decision_date", datetime(2026, 3, 1, tzinfo=UTC), "not_a_date"),
    ("approve", "decision_date", date(2026, 3, 3), "in_future"),
    ("publish", "selection_method", "lottery", "unknown_choice"),
    ("publish", "application_deadline", date(2026, 4, 1), "not_a_datetime"),
    ("publish", "application_deadline", datetime(2026, 4, 1), "naive_datetime"),
    ("publish", "application_deadline", NOW, "not_in_future"),
    ("award", "contract_value", 0, "not_positive"),
    ("award", "contract_value", -5, "not_positive"),
    ("award", "contract_value", 9e8, "not_an_integer"),
    ("award", "contract_value", True, "not_an_integer"),
    ("award", "start_date", "2026-04-01", "not_a_date"),
    ("award", "payment_schedule", "900000000", "not_a_list"),
    ("award", "payment_schedule", [], "empty"),
    ("award", "payment_schedule", [{"amount": 900_000_000.0}], "invalid_tranche"),
    ("award", "payment_schedule", [{"due_date": date(2026, 5, 1)}], "invalid_tranche"),
    ("award", "payment_schedule", [900_000_000], "invalid_tranche"),
    ("accept", "council_result", ["Đạt"], "not_text"),
]


def attempt(action, data, state=None, role="admin"):
    return plan(state or SOURCE[action], action, role, data, NOW)


def refusal(action, data, state=None):
    with pytest.raises(TransitionRefused) as refused:
        attempt(action, data, state)
    return refused.value


@pytest.mark.parametrize(("action", "field", "cases"), REQUIRED)
@pytest.mark.parametrize("blank", ["absent", None, "  "])
def test_plan_refuses_a_missing_field(action, field, cases, blank):
    data = dict(cases[action])
    if blank == "absent":
        del data[field]
    else:
        data[field] = blank
    refused = refusal(action, data)
    assert refused.code == "missing_field"
    assert refused.params["field"] == field


def test_missing_field_lists_every_missing_field():
    refused = refusal("award", {"contract_number": "05/HĐ"})
    assert refused.params["fields"] == [
        "contract_value",
        "start_date",
        "end_date",
        "payment_schedule",
    ]


@pytest.mark.parametrize(("action", "field", "value", "reason"), INVALID)
def test_plan_refuses_an_invalid_field(action, field, value, reason):
    refused = refusal(action, {**VALID[action], field: value})
    assert refused.code == "invalid_field"
    assert (refused.params["field"], refused.params["reason"]) == (field, reason)


def test_decision_date_is_checked_in_vietnam_time():
    evening_utc = datetime(2026, 3, 1, 18, 0, tzinfo=UTC)  # already 2 March in Cần Thơ
    data = {"decision_number": "1/QĐ", "decision_date": date(2026, 3, 2)}
    assert plan("submitted", "approve", "approver", data, evening_utc).fields[
        "decision_date"
    ] == date(2026, 3, 2)


def test_publish_direct_assignment_needs_no_deadline():
    transition = attempt("publish", DIRECT)
    assert transition.fields["selection_method"] is SelectionMethod.DIRECT_ASSIGNMENT
    assert "application_deadline" not in transition.fields


def test_publish_open_selection_ignores_assignee_fields():
    transition = attempt("publish", {**VALID["publish"], "assignee_organisation": "X"})
    assert set(transition.fields) == {"selection_method", "application_deadline"}


def test_fields_are_stripped_and_read_only():
    transition = attempt("reject", {"reason": "  Trùng lặp  ", "extra": 1})
    assert dict(transition.fields) == {"reason": "Trùng lặp"}
    with pytest.raises(TypeError):
        transition.fields["reason"] = "x"  # type: ignore[index]


@pytest.mark.parametrize(
    ("now", "allowed"),
    [
        (NOW - timedelta(seconds=1), False),
        (NOW, True),
        (NOW + timedelta(days=1), True),
    ],
)
def test_close_applications_waits_for_the_deadline(now, allowed):
    data = {"selection_method": "open_selection", "application_deadline": NOW}
    if allowed:
        assert plan("published", "close_applications", "official", data, now).fields
        return
    with pytest.raises(TransitionRefused) as refused:
        plan("published", "close_applications", "official", data, now)
    assert refused.value.code == "deadline_not_passed"
    assert refused.value.params == {"deadline": NOW, "now": now}


def test_close_applications_compares_instants_across_timezones():
    deadline = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)
    data = {"selection_method": "open_selection", "application_deadline": deadline}
    just_before = (deadline - timedelta(seconds=1)).astimezone(VIETNAM_TZ)
    with pytest.raises(TransitionRefused):
        plan("published", "close_applications", "admin", data, just_before)
    at_deadline = deadline.astimezone(VIETNAM_TZ)  # 00:00 on 3 March in Cần Thơ
    assert plan("published", "close_applications", "admin", data, at_deadline).to_state


def test_close_applications_for_direct_assignment_has_no_deadline():
    data = {"selection_method": "direct_assignment"}
    assert attempt("close_applications", data).to_state.value == "applications_closed"


def test_award_refuses_a_schedule_that_does_not_sum_to_the_value():
    schedule = [{"amount": 450_000_000}, {"amount": 400_000_000}]
    refused = refusal("award", {**AWARD, "payment_schedule": schedule})
    assert refused.code == "invalid_field"
    assert dict(refused.params) == {
        "field": "payment_schedule",
        "reason": "sum_mismatch",
        "total": 850_000_000,
        "expected": 900_000_000,
    }


@pytest.mark.parametrize("end", [date(2026, 4, 1), date(2026, 3, 31)])
def test_award_refuses_an_end_date_not_after_the_start(end):
    refused = refusal("award", {**AWARD, "end_date": end})
    assert (refused.code, refused.params["field"], refused.params["reason"]) == (
        "invalid_field",
        "end_date",
        "not_after_start",
    )


def test_award_records_tranches():
    transition = attempt("award", AWARD)
    assert transition.fields["payment_schedule"] == (
        Tranche(450_000_000, date(2026, 4, 15), "Tạm ứng"),
        Tranche(300_000_000, date(2026, 12, 15)),
        Tranche(150_000_000),
    )
    assert transition.fields["contract_value"] == 900_000_000


def test_award_accepts_tranche_objects():
    schedule = (Tranche(900_000_000, date(2026, 4, 15)),)
    transition = attempt("award", {**AWARD, "payment_schedule": schedule})
    assert transition.fields["payment_schedule"] == schedule
