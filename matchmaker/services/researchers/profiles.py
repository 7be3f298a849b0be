"""Researcher profiles: reading, editing, listing, and how complete they are."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import contains_eager, selectinload

from matchmaker.extensions import db
from matchmaker.matching.text import normalise
from matchmaker.models import (
    Institution,
    ResearcherField,
    ResearcherProfile,
    Role,
    User,
)
from matchmaker.services import events, policy, reference, text_filter
from matchmaker.services.errors import NotAllowed, ServiceError
from matchmaker.services.pagination import paginate
from matchmaker.services.researchers import search_text  # noqa: F401 - its mapper events keep the filter's text

ACADEMIC_TITLES = ("GS", "PGS")
DEGREES = ("TSKH", "TS", "ThS", "KS", "CN", "BS", "DS")


@dataclass(frozen=True)
class ProfileInput:
    """What a researcher can change on their profile."""

    full_name: str
    academic_title: str | None
    degree: str | None
    institution_id: int | None
    department: str
    position: str
    field_codes: list[str]
    priority_area: str | None
    keywords: list[str]
    summary: str
    capabilities: str
    orcid: str | None
    contact_email: str | None
    links: list[str]
    open_to_orders: bool
    public: bool


@dataclass(frozen=True)
class Completeness:
    """How complete a profile is, and what would improve its matches."""

    percent: int
    tips: list[str] = field(default_factory=list)


def get_profile(profile_id: int) -> ResearcherProfile | None:
    """A profile with its person, institution, fields, publications and IP loaded."""
    stmt = (
        sa.select(ResearcherProfile)
        .where(ResearcherProfile.id == profile_id)
        .options(
            selectinload(ResearcherProfile.publications),
            selectinload(ResearcherProfile.ip_assets),
            selectinload(ResearcherProfile.field_rows),
        )
    )
    return db.session.scalar(stmt)


def profile_for(user: User) -> ResearcherProfile:
    """The researcher's own profile, created empty on first use."""
    if user.role != Role.RESEARCHER:
        raise NotAllowed(_l("Only researchers have a researcher profile."))
    profile = db.session.scalar(
        sa.select(ResearcherProfile).where(ResearcherProfile.user_id == user.id)
    )
    if profile is None:
        profile = ResearcherProfile(user=user, keywords=[], links=[])
        db.session.add(profile)
        events.commit()
    return profile


def _check(data: ProfileInput) -> None:
    fields = reference.science_fields()
    if unknown := [
        c for c in data.field_codes if c not in fields or fields[c].parent is None
    ]:
        raise ServiceError(
            str(_l("Unknown research field: %(code)s.", code=unknown[0])),
            field="field_codes",
        )
    if data.priority_area and data.priority_area not in reference.priority_areas():
        raise ServiceError(str(_l("Unknown priority area.")), field="priority_area")
    if (
        data.institution_id is not None
        and db.session.get(Institution, data.institution_id) is None
    ):
        raise ServiceError(
            str(_l("Choose an institution from the list.")), field="institution_id"
        )


def update_profile(
    profile: ResearcherProfile, editor: User, data: ProfileInput
) -> ResearcherProfile:
    """Save the owner's (or an administrator's) changes to a profile."""
    if not policy.may_edit_profile(editor, profile):
        raise NotAllowed(_l("You can only edit your own profile."))
    _check(data)
    profile.user.full_name = normalise(data.full_name)
    profile.user.institution_id = data.institution_id
    for name in ("academic_title", "degree", "priority_area", "orcid", "contact_email"):
        setattr(profile, name, getattr(data, name) or None)
    for name in ("department", "position", "summary", "capabilities"):
        setattr(profile, name, normalise(getattr(data, name)))
    profile.keywords = list(
        dict.fromkeys(normalise(k) for k in data.keywords if normalise(k))
    )
    profile.links = list(dict.fromkeys(data.links))
    profile.open_to_orders, profile.public = data.open_to_orders, data.public
    profile.field_rows = [
        ResearcherField(field_code=code) for code in dict.fromkeys(data.field_codes)
    ]
    events.changed("researcher", profile.id)
    events.commit()
    return profile


def completeness(profile: ResearcherProfile) -> Completeness:
    """A score out of 100 and the tips that would raise it, most valuable first."""
    with_abstract = sum(1 for p in profile.publications if len(p.abstract) >= 100)
    checks = [
        (
            20,
            len(profile.publications) >= 3,
            _l("Add at least three publications: they explain your matches."),
        ),
        (
            15,
            len(profile.keywords) >= 5,
            _l("Add at least five expertise keywords, in Vietnamese or English."),
        ),
        (
            15,
            len(profile.summary) >= 200,
            _l("Describe your research interests in a few sentences."),
        ),
        (
            10,
            bool(profile.field_rows),
            _l("Choose your research fields from the national classification."),
        ),
        (10, profile.user.institution_id is not None, _l("Choose your institution.")),
        (
            10,
            bool(profile.capabilities),
            _l("List the laboratory equipment and services you can offer."),
        ),
        (
            10,
            with_abstract * 2 >= max(len(profile.publications), 1),
            _l("Add abstracts to your publications."),
        ),
        (5, bool(profile.degree), _l("Give your academic degree.")),
        (5, bool(profile.orcid), _l("Add your ORCID iD.")),
    ]
    percent = sum(weight for weight, done, _tip in checks if done)
    return Completeness(percent, [str(tip) for _w, done, tip in checks if not done])


def list_researchers(
    viewer: User,
    page: int,
    query: str = "",
    field_code: str = "",
    institution_id: int | None = None,
    per_page: int = 20,
):
    """Researchers a viewer may see, by name, filtered by text, field and institution."""
    stmt = (
        sa.select(ResearcherProfile)
        .join(ResearcherProfile.user)
        .where(User.active.is_(True))
    )
    if not viewer.is_authenticated:
        stmt = stmt.where(ResearcherProfile.public.is_(True))
    if query := text_filter.query_text(query):
        stmt = stmt.where(
            text_filter.stored_contains(query, ResearcherProfile.search_text)
        )
    if field_code:
        # The researchers of the field, found in its index (the page and its count both start there).
        stmt = stmt.where(
            ResearcherProfile.id.in_(
                sa.select(ResearcherField.researcher_id).where(
                    reference.in_field(ResearcherField.field_code, field_code)
                )
            )
        )
    if institution_id:
        stmt = stmt.where(User.institution_id == institution_id)
    # By name, then account (one profile each: a total order), which the index on users reads in order, so a
    # page stops after its rows instead of sorting every researcher.
    stmt = stmt.order_by(User.full_name, User.id).options(
        # What a listed profile shows (the API gives all of it): a few queries per page, not per row.
        contains_eager(ResearcherProfile.user).selectinload(User.institution),
        selectinload(ResearcherProfile.field_rows),
        selectinload(ResearcherProfile.publications),
        selectinload(ResearcherProfile.ip_assets),
    )
    return paginate(stmt, page, per_page)
