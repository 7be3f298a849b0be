"""States, actions, roles and selection methods of a state-ordered S&T task (nhiệm vụ KH&CN đặt hàng)."""

from __future__ import annotations

import enum


class OrderState(enum.Enum):
    """Where an ordered task stands; values are the strings stored in the database."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    PUBLISHED = "published"
    APPLICATIONS_CLOSED = "applications_closed"
    UNDER_REVIEW = "under_review"
    AWARDED = "awarded"
    IN_PROGRESS = "in_progress"
    ACCEPTANCE_REVIEW = "acceptance_review"
    ACCEPTED = "accepted"
    NOT_ACCEPTED = "not_accepted"
    RESULTS_REGISTERED = "results_registered"
    IN_APPLICATION = "in_application"
    CLOSED = "closed"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    TERMINATED = "terminated"
    CLOSED_RISK_ACCEPTED = "closed_risk_accepted"


class Action(enum.Enum):
    """What someone does to an order; each action moves it to exactly one state."""

    SUBMIT = "submit"
    RETURN_FOR_REVISION = "return_for_revision"
    REJECT = "reject"
    APPROVE = "approve"
    PUBLISH = "publish"
    CLOSE_APPLICATIONS = "close_applications"
    START_REVIEW = "start_review"
    AWARD = "award"
    CLOSE_WITHOUT_AWARD = "close_without_award"
    START_WORK = "start_work"
    REQUEST_ACCEPTANCE = "request_acceptance"
    ACCEPT = "accept"
    NOT_ACCEPT = "not_accept"
    REGISTER_RESULTS = "register_results"
    START_APPLICATION = "start_application"
    CLOSE = "close"
    CLOSE_WITH_RISK_ACCEPTED = "close_with_risk_accepted"
    CANCEL = "cancel"
    TERMINATE = "terminate"


class Role(enum.Enum):
    """Who acts on an order, as the lifecycle sees it.

    The services layer maps a user to one of these: a platform administrator is ``ADMIN``; an
    official of the ordering agency is ``APPROVER`` when they hold approval authority (a
    ``can_approve`` flag) and ``OFFICIAL`` otherwise; the principal investigator of the order's
    contract is ``PI``. ``APPROVER`` may do everything ``OFFICIAL`` may do.
    """

    OFFICIAL = "official"
    APPROVER = "approver"
    ADMIN = "admin"
    PI = "pi"


class SelectionMethod(enum.Enum):
    """How the performing organisation is chosen (Circular 20/2023/TT-BKHCN)."""

    OPEN_SELECTION = (
        "open_selection"  # tuyển chọn: open call with an application deadline
    )
    DIRECT_ASSIGNMENT = (
        "direct_assignment"  # giao trực tiếp: a named organisation, justified
    )


class Step(enum.Enum):
    """A required step of the procedure, checked before a failed task is closed with risk accepted.

    ``MID_TERM_CHECK`` is not a transition: the services layer records it in the order's history
    when the mid-term check (kiểm tra giữa kỳ) is done.
    """

    APPROVAL_DECISION = "approval_decision"
    PUBLICATION = "publication"
    COUNCIL_REVIEW = "council_review"
    CONTRACT = "contract"
    MID_TERM_CHECK = "mid_term_check"
    ACCEPTANCE_COUNCIL_RESULT = "acceptance_council_result"


class Entry(enum.Enum):
    """A step of the work recorded in the history that leaves the order in its state (see ``ENTRIES``)."""

    DELIVERABLE_SUBMITTED = "submit_deliverable"
    DELIVERABLE_RETURNED = (
        "return_deliverable"  # sent back to the PI for revision, with a reason
    )
    RESULT_ADDED = "add_result"  # a result registered after the registration step
