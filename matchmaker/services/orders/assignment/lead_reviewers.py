"""Exact assignments with ``matching.assign``: lead reviewers (phản biện) for a council's proposals, and the
helpers shared with :mod:`matchmaker.services.orders.assignment.open_calls` (researchers for the open orders). Plain
functions, so that a job queue can run them later.

Each proposal the council reviews gets :data:`REVIEWERS_PER_PROPOSAL` members, each member at most
``ceil(2 × proposals / members)``, never one in conflict (``councils.conflicts_of``, declared ones included).
A proposal is matched on the order's title and field plus its approach; a member is scored as a researcher
(0 without a researcher profile). Covering the proposals comes first (fewer reviewers only when the
council's size, the loads or the conflicts leave no choice), then the best total score.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from matchmaker.extensions import db
from matchmaker.matching import Document, NotFittedError, TfidfMatcher, assign
from matchmaker.models import (
    Council,
    CouncilMember,
    LeadReviewer,
    Proposal,
    ProposalStatus,
    ResearcherProfile,
    ResearchOrder,
    User,
    utcnow,
)
from matchmaker.services import events, policy
from matchmaker.services.errors import Conflict, NotAllowed, ServiceError
from matchmaker.services.matching import corpus, levels
from matchmaker.services.matching import model as matching_model
from matchmaker.services.messaging import notifications
from matchmaker.services.orders import councils
from matchmaker.services.orders.councils import ConflictOfInterest

REVIEWERS_PER_PROPOSAL = 2
LEAD_REVIEWER_KIND = "lead_reviewer_assigned"


class MatchingUnavailable(ServiceError):
    """No researcher can be scored yet: the matching model holds no researcher with any text."""


# --- Shared ----------------------------------------------------------------------------------------------


def check_official(user: User) -> None:
    """:class:`NotAllowed` unless ``user`` is a city official (or an administrator)."""
    if not policy.is_staff(user):
        raise NotAllowed(_l("Only city officials assign reviewers and researchers."))


@contextmanager
def researcher_matcher() -> Iterator[TfidfMatcher]:
    """The live researcher matcher; :class:`MatchingUnavailable` while none is fitted."""
    try:
        with matching_model.serving() as model:
            matcher = model.groups["researchers"].matcher
            if matcher is None:
                raise NotFittedError("no researcher has any text yet")
            yield matcher
    except NotFittedError as error:
        raise MatchingUnavailable(
            _("Matching is not available yet: no researcher profile has been matched. Try again once "
              "researchers have filled in their profiles and the matching model is fitted.")
        ) from error  # fmt: skip


# --- Lead reviewers for proposals ------------------------------------------------------------------------


@dataclass(frozen=True)
class Reviewer:
    """A council member proposed (or recorded) as lead reviewer; ``conflicts`` void a recorded one."""

    member: CouncilMember
    score: float
    conflicts: tuple[ConflictOfInterest, ...] = ()

    @property
    def level(self) -> levels.Level:
        """How well the member's work fits the proposal, as the match lists say it."""
        return levels.match_level(self.score)

    @property
    def valid(self) -> bool:
        return not self.conflicts


@dataclass(frozen=True)
class ProposalReviewers:
    """One proposal and its lead reviewers."""

    proposal: Proposal
    reviewers: list[Reviewer]

    @property
    def is_active(self) -> bool:
        return self.proposal.status == ProposalStatus.SUBMITTED

    @property
    def valid_count(self) -> int:
        return sum(1 for r in self.reviewers if r.valid)

    @property
    def is_short(self) -> bool:
        return self.valid_count < REVIEWERS_PER_PROPOSAL


@dataclass(frozen=True)
class ReviewerPlan:
    """Lead reviewers for every proposal the council reviews, the total score and each member's load."""

    rows: list[ProposalReviewers]
    total_affinity: float  # the sum of the chosen pairs' similarities, which the assignment maximises
    max_load: int  # 0 for a recorded assignment
    assigned_at: datetime | None = None  # set for a recorded assignment

    @property
    def short_rows(self) -> list[ProposalReviewers]:
        return [row for row in self.rows if row.is_short]


def _council(order: ResearchOrder) -> Council:
    council = councils.get_council(order)
    if council is None:
        raise Conflict(_("This order has no council yet: form it first."))
    return council


def _proposal_document(order: ResearchOrder, proposal: Proposal) -> Document:
    """What a reviewer should know about: the order's title and field, then the proposal's approach."""
    ordered = corpus.order_document(order)
    return Document(
        f"proposal:{proposal.id}",
        title=ordered.title,
        keywords=ordered.keywords,
        body=proposal.approach,
    )


def _candidate_ids(user_ids: Sequence[int]) -> list[str]:
    """Each user's researcher candidate id; an id the model cannot know (scoring 0) for the others."""
    profiles = dict(
        db.session.execute(
            sa.select(ResearcherProfile.user_id, ResearcherProfile.id).where(
                ResearcherProfile.user_id.in_(list(user_ids))
            )
        ).all()
    )
    return [
        corpus.researcher_id(profiles[u]) if u in profiles else f"user:{u}"
        for u in user_ids
    ]


def member_scores(
    order: ResearchOrder, items: Sequence[Proposal], members: Sequence[CouncilMember]
) -> np.ndarray:
    """The match score of each member (columns) for each proposal (rows): what the assignment maximises."""
    texts = [_proposal_document(order, p) for p in items]
    ids = _candidate_ids([m.user_id for m in members])
    with researcher_matcher() as matcher:
        return matcher.affinity(texts, ids)


def propose_lead_reviewers(official: User, order: ResearchOrder) -> ReviewerPlan:
    """The best assignment of council members as lead reviewers of the order's proposals (not stored)."""
    check_official(official)
    members = list(_council(order).members)
    items = councils.active_proposals(order)
    if not items or not members:
        return ReviewerPlan([], 0.0, 0)
    scores = member_scores(order, items, members)
    load = math.ceil(REVIEWERS_PER_PROPOSAL * len(items) / len(members))
    blocked = [(str(p.id), str(m.id)) for p in items for m in members if councils.conflicts_of(m, p)]  # fmt: skip
    result = assign(
        [str(p.id) for p in items], [str(m.id) for m in members],
        scores, capacities=load, demands=REVIEWERS_PER_PROPOSAL, conflicts=blocked,
        allow_partial=True, cover_first=True,
    )  # fmt: skip
    row_of = {str(p.id): i for i, p in enumerate(items)}
    column_of = {str(m.id): j for j, m in enumerate(members)}
    chosen: dict[str, list[Reviewer]] = {str(p.id): [] for p in items}
    for item, member in result.pairs:
        score = float(scores[row_of[item], column_of[member]])
        chosen[item].append(Reviewer(members[column_of[member]], score))
    rows = [ProposalReviewers(p, chosen[str(p.id)]) for p in items]
    total = sum(r.score for row in rows for r in row.reviewers)
    return ReviewerPlan(rows, total, load)


def _led_by_member(council: Council) -> dict[int, set[int]]:
    led: dict[int, set[int]] = {}
    for member_id, proposal_id in db.session.execute(
        sa.select(LeadReviewer.member_id, LeadReviewer.proposal_id).where(
            LeadReviewer.council_id == council.id
        )
    ):
        led.setdefault(member_id, set()).add(proposal_id)
    return led


def record_lead_reviewers(official: User, order: ResearchOrder) -> ReviewerPlan:
    """Compute the assignment now and record it in place of the council's earlier one; members whose
    proposals changed are notified."""
    plan = propose_lead_reviewers(official, order)
    if not plan.rows:
        raise Conflict(_("There is no proposal to assign reviewers to."))
    council = _council(order)
    before = _led_by_member(council)
    db.session.execute(
        sa.delete(LeadReviewer).where(LeadReviewer.council_id == council.id)
    )
    now = utcnow()
    for row in plan.rows:
        for reviewer in row.reviewers:
            db.session.add(
                LeadReviewer(
                    council_id=council.id, member_id=reviewer.member.id,
                    proposal_id=row.proposal.id, score=reviewer.score,
                    assigned_by_id=official.id, assigned_at=now,
                )
            )  # fmt: skip
    db.session.flush()
    _notify_reviewers(official, order, council, before)
    events.commit()
    return plan


def _notify_reviewers(
    official: User, order: ResearchOrder, council: Council, before: dict[int, set[int]]
) -> None:
    after = _led_by_member(council)
    for member in council.members:
        if after.get(member.id) and after[member.id] != before.get(member.id):
            notifications.notify(
                member.user, LEAD_REVIEWER_KIND,
                {"who": official.full_name, "title": order.title, "n": str(len(after[member.id]))},
                "orders.council.review", order_id=order.id,
            )  # fmt: skip


def recorded_lead_reviewers(official: User, order: ResearchOrder) -> ReviewerPlan:
    """The recorded assignment, with conflicts recomputed now: a member conflicted since is not valid."""
    check_official(official)
    council = councils.get_council(order)
    if council is None:
        return ReviewerPlan([], 0.0, 0)
    stmt = (
        sa.select(LeadReviewer)
        .where(LeadReviewer.council_id == council.id)
        .options(
            selectinload(LeadReviewer.member).selectinload(CouncilMember.user),
            selectinload(LeadReviewer.proposal),
        )
        .order_by(LeadReviewer.proposal_id, LeadReviewer.score.desc(), LeadReviewer.id)
    )
    grouped: dict[int, list[Reviewer]] = {}
    proposals_by_id: dict[int, Proposal] = {}
    recorded = list(db.session.scalars(stmt))
    for lead in recorded:
        proposals_by_id[lead.proposal_id] = lead.proposal
        conflicts = tuple(councils.conflicts_of(lead.member, lead.proposal))
        grouped.setdefault(lead.proposal_id, []).append(
            Reviewer(lead.member, lead.score, conflicts)
        )
    rows = [ProposalReviewers(proposals_by_id[pk], grouped[pk]) for pk in grouped]
    total = sum(r.score for row in rows for r in row.reviewers if r.valid)
    assigned_at = max((lead.assigned_at for lead in recorded), default=None)
    return ReviewerPlan(rows, total, 0, assigned_at)
