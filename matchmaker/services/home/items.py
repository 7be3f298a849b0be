"""A work item and the queue of them: what it is, when it is due, how urgent, and where it is done."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l

from matchmaker import lifecycle
from matchmaker.models import utcnow

# An item due within this many days is "soon".
SOON_DAYS = 7


class Severity(enum.Enum):
    """How urgent an item is; the value names its CSS class."""

    OVERDUE = "overdue"
    SOON = "soon"
    NORMAL = "normal"

    @property
    def rank(self) -> int:
        return _RANKS[self]

    @property
    def label(self) -> str:
        return str(_SEVERITY_LABELS[self])


_RANKS = {Severity.OVERDUE: 0, Severity.SOON: 1, Severity.NORMAL: 2}
_SEVERITY_LABELS = {
    Severity.OVERDUE: _l("Overdue"),
    Severity.SOON: _l("Due soon"),
    Severity.NORMAL: _l("To do"),
}


class Kind(enum.Enum):
    """What kind of work an item is; items are grouped by kind."""

    # officials
    ORDER_DECISION = "order_decision"
    CALL_CLOSING = "call_closing"
    COUNCIL_TO_FORM = "council_to_form"
    MILESTONE_OVERDUE = "milestone_overdue"
    TRANCHE_OVERDUE = "tranche_overdue"
    DELIVERABLE_TO_CONFIRM = "deliverable_to_confirm"
    # researchers
    PROPOSALS_TO_SCORE = "proposals_to_score"
    PROPOSAL_NEXT_STEP = "proposal_next_step"
    MILESTONE_DUE = "milestone_due"
    MATCHING_CALL = "matching_call"
    # enterprise representatives
    INTEREST_RECEIVED = "interest_received"
    NEED_MATCHES = "need_matches"
    # administrators
    INVITATION_PENDING = "invitation_pending"
    PLATFORM_HEALTH = "platform_health"

    @property
    def label(self) -> str:
        return str(_KIND_LABELS[self])


_KIND_LABELS = {
    Kind.ORDER_DECISION: _l("Orders waiting for your step"),
    Kind.CALL_CLOSING: _l("Calls closing soon"),
    Kind.COUNCIL_TO_FORM: _l("Councils to form"),
    Kind.MILESTONE_OVERDUE: _l("Overdue milestones"),
    Kind.TRANCHE_OVERDUE: _l("Overdue payment tranches"),
    Kind.DELIVERABLE_TO_CONFIRM: _l("Deliverables to confirm"),
    Kind.PROPOSALS_TO_SCORE: _l("Proposals to score"),
    Kind.PROPOSAL_NEXT_STEP: _l("Your proposals: next step"),
    Kind.MILESTONE_DUE: _l("Milestones due"),
    Kind.MATCHING_CALL: _l("Open calls that match you"),
    Kind.INTEREST_RECEIVED: _l("Expressions of interest to answer"),
    Kind.NEED_MATCHES: _l("Researchers matching your open needs"),
    Kind.INVITATION_PENDING: _l("Invitations not yet accepted"),
    Kind.PLATFORM_HEALTH: _l("Search index and matching"),
}


@dataclass(frozen=True)
class WorkItem:
    """One thing to do: ``title`` names its subject (an order, a need, a person), ``note`` says what to do.

    ``due`` is the day it is due in Cần Thơ (``due_at`` the exact moment when there is one); ``since`` is
    when something started waiting for the person, for items without a due date. The page links to
    ``endpoint`` with ``values`` (no endpoint: the action is a command an administrator runs).
    """

    kind: Kind
    title: str
    note: str
    endpoint: str | None
    values: Mapping[str, Any] = field(default_factory=dict)
    due: date | None = None
    due_at: datetime | None = None
    since: date | None = None
    days_left: int | None = None
    severity: Severity = Severity.NORMAL
    key: str = ""  # a stable id for the page (tests, anchors)

    @property
    def is_overdue(self) -> bool:
        return self.severity == Severity.OVERDUE

    @property
    def days_late(self) -> int:
        return -self.days_left if self.days_left is not None else 0


@dataclass(frozen=True)
class WorkGroup:
    """The items of one kind, most urgent first."""

    kind: Kind
    items: tuple[WorkItem, ...]

    @property
    def count(self) -> int:
        return len(self.items)

    @property
    def severity(self) -> Severity:
        return min((i.severity for i in self.items), key=lambda s: s.rank)


@dataclass(frozen=True)
class HealthCheck:
    """One of the platform's moving parts as an administrator sees it: working or not, and a detail."""

    name: str
    ok: bool
    detail: str


@dataclass(frozen=True)
class WorkQueue:
    """Everything waiting for one person, grouped by kind, the most urgent group first."""

    groups: tuple[WorkGroup, ...] = ()
    health: tuple[HealthCheck, ...] = ()
    audience: str = ""  # "official", "researcher", "enterprise" or "admin": which empty state to show

    @property
    def items(self) -> list[WorkItem]:
        return [item for group in self.groups for item in group.items]

    @property
    def total(self) -> int:
        return sum(group.count for group in self.groups)

    def count(self, severity: Severity) -> int:
        return sum(item.severity == severity for item in self.items)

    @property
    def overdue(self) -> int:
        return self.count(Severity.OVERDUE)

    @property
    def soon(self) -> int:
        return self.count(Severity.SOON)


def vietnam_day(moment: datetime | date | None) -> date | None:
    """The day ``moment`` falls on in Cần Thơ (a naive datetime is UTC, as SQLite returns it)."""
    if moment is None or not isinstance(moment, datetime):
        return moment
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(lifecycle.VIETNAM_TZ).date()


def today_in_vietnam(now: datetime | None = None) -> date:
    return vietnam_day(now or utcnow())


def item(
    kind: Kind,
    title: str,
    note: str,
    endpoint: str | None,
    values: Mapping[str, Any],
    today: date,
    *,
    due: datetime | date | None = None,
    since: datetime | date | None = None,
    severity: Severity | None = None,
    key: str = "",
) -> WorkItem:
    """A work item whose severity follows its due date (overdue, due within SOON_DAYS, or later)."""
    day = vietnam_day(due)
    days_left = (day - today).days if day is not None else None
    if severity is None:
        if days_left is None or days_left > SOON_DAYS:
            severity = Severity.NORMAL
        elif days_left < 0:
            severity = Severity.OVERDUE
        else:
            severity = Severity.SOON
    return WorkItem(
        kind=kind, title=title, note=note, endpoint=endpoint, values=dict(values),
        due=day, due_at=due if isinstance(due, datetime) else None, since=vietnam_day(since),
        days_left=days_left, severity=severity, key=key,
    )  # fmt: skip


def _urgency(item: WorkItem) -> tuple:
    # Most urgent first: by severity, then the earliest due date, then what has waited longest.
    return (
        item.severity.rank,
        item.due is None,
        item.due or date.max,
        item.since or date.max,
        item.title,
        item.key,
    )


def queue(
    items: Iterable[WorkItem],
    health: Iterable[HealthCheck] = (),
    audience: str = "",  # "official", "researcher", "enterprise" or "admin": which empty state to show
) -> WorkQueue:
    """Group ``items`` by kind, each group most urgent first, the groups by their most urgent item."""
    by_kind: dict[Kind, list[WorkItem]] = {}
    for one in items:
        by_kind.setdefault(one.kind, []).append(one)
    groups = [
        WorkGroup(kind, tuple(sorted(found, key=_urgency)))
        for kind, found in by_kind.items()
    ]
    order = list(Kind)
    groups.sort(key=lambda g: (_urgency(g.items[0])[:3], order.index(g.kind)))
    return WorkQueue(tuple(groups), tuple(health), audience)
