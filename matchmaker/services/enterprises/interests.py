"""Researchers' expressions of interest in technology needs, and the enterprise's answer."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from matchmaker.extensions import db
from matchmaker.matching.text import normalise
from matchmaker.models import (
    InterestStatus,
    NeedInterest,
    NeedStatus,
    ResearcherProfile,
    Role,
    TechNeed,
    User,
    utcnow,
)
from matchmaker.services import events, policy
from matchmaker.services.enterprises import companies as enterprises
from matchmaker.services.errors import Conflict, NotAllowed, ServiceError
from matchmaker.services.messaging import notifications

MESSAGE_MAX = 1000


@dataclass(frozen=True)
class InterestRow:
    """An interest as the enterprise sees it: who, from where, and their profile if they have one."""

    interest: NeedInterest
    profile_id: int | None
    institution: str


def find_interest(user: User | None, need: TechNeed) -> NeedInterest | None:
    """The interest ``user`` expressed in ``need``, if any."""
    if user is None:
        return None
    return db.session.scalar(
        sa.select(NeedInterest).where(
            NeedInterest.need_id == need.id, NeedInterest.user_id == user.id
        )
    )


def express_interest(
    user: User, need: TechNeed, message: str, on_behalf_of_institution: bool = False
) -> NeedInterest:
    """Record a researcher's interest (once per need) and notify the enterprise's representatives."""
    if user.role != Role.RESEARCHER or not policy.may_view_need(user, need):
        raise NotAllowed(_("Only researchers can express interest in a need."))
    if need.status in policy.CLOSED_NEEDS:
        raise Conflict(_("This need no longer accepts expressions of interest."))
    if find_interest(user, need) is not None:
        raise Conflict(_("You have already expressed interest in this need."))
    text = normalise(message)
    if not text or len(text) > MESSAGE_MAX:
        raise ServiceError(
            _("Write a short message of at most %(n)d characters.", n=MESSAGE_MAX),
            field="message",
        )
    if on_behalf_of_institution and user.institution_id is None:
        raise ServiceError(
            _("Your profile has no institution to speak for."), field="on_behalf"
        )
    interest = NeedInterest(
        need=need,
        user_id=user.id,
        message=text,
        on_behalf_of_institution=on_behalf_of_institution,
    )
    db.session.add(interest)
    try:
        db.session.flush()
    except IntegrityError:  # a second click raced the first
        db.session.rollback()
        raise Conflict(_("You have already expressed interest in this need.")) from None
    params = {"who": user.full_name, "title": need.title}
    for rep in enterprises.representatives(need.enterprise):
        notifications.notify(
            rep,
            "interest_received",
            params,
            "enterprises.needs.detail",
            need_id=need.id,
        )
    events.commit()
    return interest


def list_interests(user: User | None, need: TechNeed) -> list[InterestRow]:
    """Who expressed interest in ``need``: only for the enterprise's representatives and administrators."""
    if not policy.may_manage_enterprise(user, need.enterprise):
        return []
    profiles = dict(
        db.session.execute(
            sa.select(ResearcherProfile.user_id, ResearcherProfile.id).where(
                ResearcherProfile.user_id.in_([i.user_id for i in need.interests])
            )
        ).all()
    )
    return [
        InterestRow(
            interest,
            profiles.get(interest.user_id),
            interest.user.institution.name_vi if interest.user.institution else "",
        )
        for interest in need.interests
    ]


def decide_interest(user: User, interest: NeedInterest, accept: bool) -> NeedInterest:
    """Accept or decline a pending interest; the researcher and the other representatives are told."""
    need = interest.need
    if not policy.may_answer_interest(user, need):
        raise NotAllowed(_("Only the enterprise's representatives can answer."))
    if interest.status != InterestStatus.PENDING:
        raise Conflict(_("This expression of interest has already been answered."))
    interest.status = InterestStatus.ACCEPTED if accept else InterestStatus.DECLINED
    interest.decided_at = utcnow()
    interest.decided_by_id = user.id
    if accept and need.status == NeedStatus.OPEN:
        need.status = NeedStatus.IN_DISCUSSION
        events.changed("need", need.id)
    researcher = interest.user
    notifications.notify(
        researcher,
        "interest_accepted" if accept else "interest_declined",
        {"enterprise": need.enterprise.name, "title": need.title},
        "enterprises.needs.detail",
        need_id=need.id,
    )
    colleague_kind = (
        "colleague_accepted_interest" if accept else "colleague_declined_interest"
    )
    params = {
        "who": user.full_name,
        "researcher": researcher.full_name,
        "title": need.title,
    }
    for rep in enterprises.representatives(need.enterprise):
        if rep.id != user.id:
            notifications.notify(
                rep, colleague_kind, params, "enterprises.needs.detail", need_id=need.id
            )
    events.commit()
    return interest
