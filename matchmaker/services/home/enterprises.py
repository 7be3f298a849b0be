"""An enterprise representative's work: interests to answer and researchers who fit their open needs."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from matchmaker.extensions import db
from matchmaker.models import InterestStatus, NeedInterest, NeedStatus, TechNeed, User
from matchmaker.services import policy
from matchmaker.services.home.items import Kind, WorkItem, item
from matchmaker.services.matching import matches as matching
from matchmaker.services.matching import model as matching_model

# Open needs matched on the home page (the newest), and researchers shown for each.
MATCHED_NEEDS = 3
MATCHES_PER_NEED = 3


def _interest_items(user: User, today: date) -> list[WorkItem]:
    """Pending expressions of interest in the needs ``user`` answers for, oldest first."""
    rows = db.session.execute(
        sa.select(NeedInterest, TechNeed.title, User.full_name)
        .join(TechNeed, TechNeed.id == NeedInterest.need_id)
        .join(User, User.id == NeedInterest.user_id)
        .where(
            policy.answerable_needs(user),
            NeedInterest.status == InterestStatus.PENDING,
        )
        .order_by(NeedInterest.created_at, NeedInterest.id)
    )
    return [
        item(
            Kind.INTEREST_RECEIVED, title,
            _("%(name)s offers to work on this need: accept or decline.", name=name),
            "enterprises.needs.detail", {"need_id": interest.need_id, "_anchor": "interests-heading"}, today,
            since=interest.created_at, key=f"interest-{interest.id}",
        )
        for interest, title, name in rows
    ]  # fmt: skip


def _match_items(user: User, today: date) -> list[WorkItem]:
    """For each of the newest open needs, the best researchers with their level (the matching service).

    Only from a model already fitted: the home page never waits for the first fit (the need's own page,
    or ``matchmaker match rebuild``, builds it).
    """
    if not matching_model.model_state().saved:
        return []
    needs = db.session.scalars(
        sa.select(TechNeed)
        .where(policy.answerable_needs(user), TechNeed.status == NeedStatus.OPEN)
        .order_by(TechNeed.created_at.desc(), TechNeed.id.desc())
        .limit(MATCHED_NEEDS)
    ).all()
    found = []
    for need in needs:
        people = matching.matches_for_need(
            need, user, k=MATCHES_PER_NEED, institutions=False, explained=False
        ).researchers
        if not people:
            continue
        names = ", ".join(
            f"{m.name} ({m.level.label})" for m in people[:MATCHES_PER_NEED]
        )
        found.append(
            item(
                Kind.NEED_MATCHES, need.title, names, "enterprises.needs.detail",
                {"need_id": need.id, "_anchor": "matches"}, today, due=need.deadline,
                key=f"need-{need.id}",
            )
        )  # fmt: skip
    return found


def enterprise_items(user: User, today: date) -> list[WorkItem]:
    """Everything waiting for the representative ``user``."""
    return [*_interest_items(user, today), *_match_items(user, today)]
