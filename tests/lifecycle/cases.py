"""Hand-written expectations and valid inputs for the lifecycle tests, independent of the table."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from matchmaker.lifecycle import Action, OrderState, Role

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 09:00 in Cần Thơ

STAFF = {"official", "approver", "admin"}
DECIDERS = {"approver", "admin"}
REPORTERS = STAFF | {"pi"}
BEFORE_AWARD = {
    "draft",
    "submitted",
    "approved",
    "published",
    "applications_closed",
    "under_review",
}

# action: (from-states, to-state, roles), written out from the issue rather than read from the code.
EXPECTED: dict[str, tuple[set[str], str, set[str]]] = {
    "submit": ({"draft"}, "submitted", STAFF),
    "return_for_revision": ({"submitted"}, "draft", DECIDERS),
    "reject": ({"submitted"}, "rejected", DECIDERS),
    "approve": ({"submitted"}, "approved", DECIDERS),
    "publish": ({"approved"}, "published", STAFF),
    "close_applications": ({"published"}, "applications_closed", STAFF),
    "start_review": ({"applications_closed"}, "under_review", STAFF),
    "award": ({"under_review"}, "awarded", DECIDERS),
    "close_without_award": ({"under_review"}, "closed", DECIDERS),
    "start_work": ({"awarded"}, "in_progress", STAFF),
    "request_acceptance": ({"in_progress"}, "acceptance_review", REPORTERS),
    "accept": ({"acceptance_review"}, "accepted", DECIDERS),
    "not_accept": ({"acceptance_review"}, "not_accepted", DECIDERS),
    "register_results": ({"accepted"}, "results_registered", REPORTERS),
    "start_application": ({"results_registered"}, "in_application", STAFF),
    "close": ({"in_application"}, "closed", STAFF),
    "close_with_risk_accepted": ({"not_accepted"}, "closed_risk_accepted", DECIDERS),
    "cancel": (BEFORE_AWARD, "cancelled", DECIDERS),
    "terminate": (
        {"awarded", "in_progress", "acceptance_review"},
        "terminated",
        DECIDERS,
    ),
}

TERMINAL = {"closed", "rejected", "cancelled", "terminated", "closed_risk_accepted"}

AWARD = {
    "contract_number": "05/2026/HĐ-KHCN",
    "contract_value": 900_000_000,
    "start_date": date(2026, 4, 1),
    "end_date": date(2027, 9, 30),
    "payment_schedule": [
        {"amount": 450_000_000, "due_date": date(2026, 4, 15), "label": "Tạm ứng"},
        {"amount": 300_000_000, "due_date": date(2026, 12, 15)},
        {"amount": 150_000_000},
    ],
}

VALID: dict[str, dict[str, object]] = {
    "submit": {},
    "return_for_revision": {"reason": "Bổ sung dự toán kinh phí"},
    "reject": {"reason": "Trùng với nhiệm vụ đã thực hiện"},
    "approve": {"decision_number": "123/QĐ-UBND", "decision_date": date(2026, 3, 2)},
    "publish": {
        "selection_method": "open_selection",
        "application_deadline": NOW + timedelta(days=30),
    },
    "close_applications": {
        "selection_method": "open_selection",
        "application_deadline": NOW - timedelta(minutes=1),
    },
    "start_review": {"council": "Hội đồng tư vấn tuyển chọn"},
    "award": AWARD,
    "close_without_award": {"reason": "Không có hồ sơ đạt yêu cầu"},
    "start_work": {},
    "request_acceptance": {},
    "accept": {"council_result": "Đạt, 8/9 thành viên"},
    "not_accept": {"council_result": "Không đạt chỉ tiêu sản phẩm"},
    "register_results": {},
    "start_application": {},
    "close": {},
    "close_with_risk_accepted": {},
    "cancel": {"reason": "Nhu cầu không còn"},
    "terminate": {"reason": "Tổ chức chủ trì giải thể"},
}

COMPLETE_HISTORY = [
    Action.SUBMIT,
    Action.APPROVE,
    "publish",
    Action.CLOSE_APPLICATIONS,
    Action.START_REVIEW,
    Action.AWARD,
    Action.START_WORK,
    "mid_term_check",
    Action.REQUEST_ACCEPTANCE,
    Action.NOT_ACCEPT,
]

ALL_STATES = [state.value for state in OrderState]
ALL_ACTIONS = [action.value for action in Action]
ALL_ROLES = [role.value for role in Role]


def a_role(action: str) -> str:
    """A role the issue says may take ``action`` (the narrowest sensible one)."""
    roles = EXPECTED[action][2]
    return next(name for name in ("official", "approver", "admin") if name in roles)
