"""Participation: researchers, institutions and enterprises taking part, expressions of interest, profiles."""

from __future__ import annotations

from dataclasses import replace

import sqlalchemy as sa

from matchmaker.extensions import db
from matchmaker.models import (
    Enterprise,
    Institution,
    NeedInterest,
    Proposal,
    ProposalMember,
    Publication,
    ResearcherField,
    ResearcherProfile,
    TechNeed,
    User,
)
from matchmaker.services import reference
from matchmaker.services.dashboard.orders import needs_conditions
from matchmaker.services.dashboard.records import RecordSet, counts, figure, records_of
from matchmaker.services.dashboard.scope import (
    Scope,
    in_scope,
    province_institutions,
)
from matchmaker.services.dashboard.types import Figure, Section


def _proposals(scope: Scope) -> sa.Select:
    """Proposals submitted in the period to the orders in scope. The province filter is not applied to the
    order (a call's order has no team yet) but to each participant's institution, by ``_in_province``."""
    start, end = scope.period.bounds()
    orders = replace(scope, filters=replace(scope.filters, province=None))
    return sa.select(Proposal.id).where(
        *in_scope(Proposal.order_id, orders),
        Proposal.submitted_at >= start,
        Proposal.submitted_at < end,
    )


def _in_province(
    scope: Scope, column: sa.ColumnElement
) -> list[sa.ColumnElement[bool]]:
    """The condition that the institution ``column`` is in the province filtered on (none if none)."""
    province = scope.filters.province
    return [column.in_(province_institutions(province))] if province else []


@figure("proposals_submitted")
def _proposals_submitted(scope: Scope) -> RecordSet:
    return RecordSet("proposal", _proposals(scope).where(*_in_province(scope, Proposal.institution_id)))  # fmt: skip


@figure("researchers_taking_part")
def _researchers(scope: Scope) -> RecordSet:
    proposals = _proposals(scope)
    people = sa.union(
        sa.select(Proposal.pi_id).where(
            Proposal.id.in_(proposals), *_in_province(scope, Proposal.institution_id)
        ),
        sa.select(ProposalMember.user_id).where(
            ProposalMember.proposal_id.in_(proposals),
            *_in_province(scope, ProposalMember.institution_id),
        ),
    ).subquery()
    return RecordSet(
        "user", sa.select(User.id).where(User.id.in_(sa.select(people.c[0])))
    )


def _places(scope: Scope, *conditions) -> sa.Select:
    """The ids of the institutions of the proposals (and their team members) in scope."""
    proposals = _proposals(scope)
    places = sa.union(
        sa.select(Proposal.institution_id).where(Proposal.id.in_(proposals)),
        sa.select(ProposalMember.institution_id).where(ProposalMember.proposal_id.in_(proposals)),
    ).subquery()  # fmt: skip
    return sa.select(Institution.id).where(
        Institution.id.in_(sa.select(places.c[0])),
        *_in_province(scope, Institution.id),
        *conditions,
    )


@figure("institutions_taking_part")
def _institutions(scope: Scope) -> RecordSet:
    return RecordSet("institution", _places(scope))


@figure("regional_institutions_taking_part")
def _regional_institutions(scope: Scope) -> RecordSet:
    """Institutions taking part whose province is given and is not Cần Thơ city."""
    return RecordSet("institution", _places(
        scope, Institution.province != "", Institution.province != reference.HOME_PROVINCE
    ))  # fmt: skip


def _needs_in_period(scope: Scope) -> sa.Select:
    start, end = scope.period.bounds()
    return sa.select(TechNeed.id).where(
        TechNeed.created_at >= start,
        TechNeed.created_at < end,
        *needs_conditions(scope),
    )


@figure("enterprises_taking_part")
def _enterprises(scope: Scope) -> RecordSet:
    posting = sa.select(TechNeed.enterprise_id).where(
        TechNeed.id.in_(_needs_in_period(scope))
    )

    return RecordSet(
        "enterprise", sa.select(Enterprise.id).where(Enterprise.id.in_(posting))
    )


@figure("interests_expressed")
def _interests(scope: Scope) -> RecordSet:
    start, end = scope.period.bounds()
    conditions = needs_conditions(
        scope
    )  # every interest is in a need: tested only when filtered
    needs = [NeedInterest.need_id.in_(sa.select(TechNeed.id).where(*conditions))] if conditions else []  # fmt: skip
    stmt = sa.select(NeedInterest.id).where(
        *needs,
        NeedInterest.created_at >= start,
        NeedInterest.created_at < end,
    )
    return RecordSet("interest", stmt)


def profiles(scope: Scope, *conditions) -> sa.Select:
    """The ids of the researcher profiles of active accounts matching the scope's field, area and institution."""
    found = scope.filters
    stmt = (
        sa.select(ResearcherProfile.id)
        .join(User, User.id == ResearcherProfile.user_id)
        .where(User.active.is_(True), *conditions)
    )
    if found.field_code:
        fields = sa.select(ResearcherField.researcher_id).where(ResearcherField.field_code == found.field_code)  # fmt: skip
        stmt = stmt.where(ResearcherProfile.id.in_(fields))
    if found.priority_area:
        stmt = stmt.where(ResearcherProfile.priority_area == found.priority_area)
    if found.institution_id:
        stmt = stmt.where(User.institution_id == found.institution_id)
    if found.province:
        stmt = stmt.where(
            User.institution_id.in_(province_institutions(found.province))
        )
    return stmt


@figure("profiles_total")
def _profiles_total(scope: Scope) -> RecordSet:
    return RecordSet("profile", profiles(scope))


def complete() -> sa.ColumnElement[bool]:
    """Complete: at least one research field, at least one publication, and an institution."""
    with_field = sa.select(ResearcherField.researcher_id)
    with_paper = sa.select(Publication.researcher_id)
    return sa.and_(
        ResearcherProfile.id.in_(with_field), ResearcherProfile.id.in_(with_paper),
        User.institution_id.is_not(None),
    )  # fmt: skip


@figure("profiles_complete")
def _profiles_complete(scope: Scope) -> RecordSet:
    return RecordSet("profile", profiles(scope, complete()))


def profile_counts(scope: Scope) -> tuple[int, int]:
    """(profiles, complete profiles) in scope in one query, over the records of ``profiles_total``."""
    stmt = profiles(scope).with_only_columns(
        sa.func.count(ResearcherProfile.id),
        sa.func.coalesce(sa.func.sum(sa.case((complete(), 1), else_=0)), 0),
    )
    total, done = db.session.execute(stmt).one()
    return int(total), int(done or 0)


def section(scope: Scope) -> Section:
    """The participation section."""
    keys = (
        "proposals_submitted", "researchers_taking_part", "institutions_taking_part",
        "regional_institutions_taking_part", "enterprises_taking_part", "interests_expressed",
    )  # fmt: skip
    values = counts(*(records_of(key, scope) for key in keys))  # one statement
    figures = [Figure(key, value, records=key) for key, value in zip(keys, values, strict=True)]  # fmt: skip
    total, done = profile_counts(scope)
    figures += [
        Figure("profiles_total", total, records="profiles_total"),
        Figure("profiles_complete", done, records="profiles_complete"),
    ]
    share = round(100 * done / total, 1) if total else None
    figures.append(Figure("profiles_complete_share", share, "percent"))
    return Section("participation", tuple(figures))
