"""The design system's one Python place: the platform's name and what every state means on screen.

Colours, type and spacing are tokens in ``static/app.css``; this module says which *meaning* each state of
each lifecycle has (open, in progress, late, done, failed, draft, inactive), and the stylesheet gives each
meaning one colour and one icon. Templates show a state with ``status_badge`` from
``templates/_macros/ui.html``, never with a Bootstrap colour of their own.
"""

from __future__ import annotations

import enum

from matchmaker.lifecycle import OrderState
from matchmaker.models.need import InterestStatus, NeedStatus
from matchmaker.models.plan import PlanTaskStatus
from matchmaker.models.project import MemberStatus, ProjectStatus
from matchmaker.models.proposal import ProposalStatus
from matchmaker.models.researcher import IPStatus
from matchmaker.services.home.items import Severity
from matchmaker.services.plan.standing import TaskStanding

PLATFORM_NAME = "Matchmaker Cần Thơ"


class Meaning(enum.Enum):
    """What a state tells a person, whatever the lifecycle; its value names the CSS class ``status-<value>``."""

    DRAFT = "draft"  # not out yet: only its authors see it
    OPEN = "open"  # waiting for someone to act: applications, an answer
    IN_PROGRESS = "in-progress"  # being worked on or reviewed
    LATE = "late"  # late, or needs attention now
    DONE = "done"  # finished well
    FAILED = "failed"  # refused, cancelled, not accepted
    INACTIVE = (
        "inactive"  # set aside without a verdict: withdrawn, expired, deactivated
    )

    @property
    def icon(self) -> str:
        """The Bootstrap Icons name shown before the label (colour alone never carries the meaning)."""
        return _ICONS[self]


_ICONS = {
    Meaning.DRAFT: "pencil",
    Meaning.OPEN: "circle",
    Meaning.IN_PROGRESS: "arrow-repeat",
    Meaning.LATE: "exclamation-triangle",
    Meaning.DONE: "check-circle",
    Meaning.FAILED: "x-circle",
    Meaning.INACTIVE: "dash-circle",
}


class MilestoneState(enum.Enum):
    """Where a milestone stands, as the work page shows it (derived from its dates, not stored)."""

    PLANNED = "planned"
    SUBMITTED = "submitted"
    OVERDUE = "overdue"
    COMPLETED = "completed"


class AccountState(enum.Enum):
    """Where an account stands, as the administrators' list shows it."""

    ACTIVE = "active"
    UNCONFIRMED = "unconfirmed"
    DEACTIVATED = "deactivated"


_M = Meaning
STATUS_MEANINGS: dict[enum.Enum, Meaning] = {
    OrderState.DRAFT: _M.DRAFT,
    OrderState.SUBMITTED: _M.IN_PROGRESS,
    OrderState.APPROVED: _M.IN_PROGRESS,
    OrderState.PUBLISHED: _M.OPEN,
    OrderState.APPLICATIONS_CLOSED: _M.IN_PROGRESS,
    OrderState.UNDER_REVIEW: _M.IN_PROGRESS,
    OrderState.AWARDED: _M.IN_PROGRESS,
    OrderState.IN_PROGRESS: _M.IN_PROGRESS,
    OrderState.ACCEPTANCE_REVIEW: _M.IN_PROGRESS,
    OrderState.ACCEPTED: _M.DONE,
    OrderState.NOT_ACCEPTED: _M.FAILED,
    OrderState.RESULTS_REGISTERED: _M.DONE,
    OrderState.IN_APPLICATION: _M.DONE,
    OrderState.CLOSED: _M.DONE,
    OrderState.REJECTED: _M.FAILED,
    OrderState.CANCELLED: _M.FAILED,
    OrderState.TERMINATED: _M.FAILED,
    OrderState.CLOSED_RISK_ACCEPTED: _M.FAILED,
    ProposalStatus.SUBMITTED: _M.IN_PROGRESS,
    ProposalStatus.WITHDRAWN: _M.INACTIVE,
    ProposalStatus.DECLINED: _M.FAILED,
    ProposalStatus.AWARDED: _M.DONE,
    NeedStatus.OPEN: _M.OPEN,
    NeedStatus.IN_DISCUSSION: _M.IN_PROGRESS,
    NeedStatus.FULFILLED: _M.DONE,
    NeedStatus.WITHDRAWN: _M.INACTIVE,
    InterestStatus.PENDING: _M.OPEN,
    InterestStatus.ACCEPTED: _M.DONE,
    InterestStatus.DECLINED: _M.FAILED,
    ProjectStatus.IN_PROGRESS: _M.IN_PROGRESS,
    ProjectStatus.COMPLETED: _M.DONE,
    ProjectStatus.IN_APPLICATION: _M.DONE,
    ProjectStatus.TERMINATED: _M.FAILED,
    MemberStatus.PENDING: _M.OPEN,
    MemberStatus.CONFIRMED: _M.DONE,
    Severity.OVERDUE: _M.LATE,
    Severity.SOON: _M.OPEN,
    Severity.NORMAL: _M.IN_PROGRESS,
    IPStatus.FILED: _M.IN_PROGRESS,
    IPStatus.GRANTED: _M.DONE,
    IPStatus.EXPIRED: _M.INACTIVE,
    MilestoneState.PLANNED: _M.OPEN,
    MilestoneState.SUBMITTED: _M.IN_PROGRESS,
    MilestoneState.OVERDUE: _M.LATE,
    MilestoneState.COMPLETED: _M.DONE,
    AccountState.ACTIVE: _M.DONE,
    AccountState.UNCONFIRMED: _M.LATE,
    AccountState.DEACTIVATED: _M.INACTIVE,
    # The action plan: the progress an agency reports, and where the task stands against its deadline.
    PlanTaskStatus.NOT_STARTED: _M.OPEN,
    PlanTaskStatus.IN_PROGRESS: _M.IN_PROGRESS,
    PlanTaskStatus.COMPLETED: _M.DONE,
    TaskStanding.NOT_STARTED: _M.OPEN,
    TaskStanding.ON_SCHEDULE: _M.IN_PROGRESS,
    TaskStanding.LATE: _M.LATE,
    TaskStanding.COMPLETED: _M.DONE,
}

# Every lifecycle whose states are shown as badges; tests check each state of each has a meaning.
STATE_ENUMS: tuple[type[enum.Enum], ...] = (
    OrderState,
    ProposalStatus,
    NeedStatus,
    InterestStatus,
    ProjectStatus,
    MemberStatus,
    Severity,
    IPStatus,
    MilestoneState,
    AccountState,
    PlanTaskStatus,
    TaskStanding,
)


def status_meaning(state: enum.Enum) -> Meaning:
    """The meaning of ``state``; a :class:`Meaning` stands for itself (a flag such as "conflict of interest")."""
    if isinstance(state, Meaning):
        return state
    return STATUS_MEANINGS[state]


def template_globals() -> dict:
    """What every template may use of the design: the name, the meanings and the derived states."""
    return {
        "platform_name": PLATFORM_NAME,
        "status_meaning": status_meaning,
        "Meaning": Meaning,
        "OrderState": OrderState,  # an order stores its state as text: OrderState(order.state)
        "MilestoneState": MilestoneState,
        "AccountState": AccountState,
    }
