"""Institutions: universities, institutes and city agencies."""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from matchmaker.extensions import db
from matchmaker.matching.text import fold, normalise
from matchmaker.models import Institution, InstitutionKind, ResearcherProfile, User
from matchmaker.services import events, reference, text_filter
from matchmaker.services.errors import Conflict
from matchmaker.services.pagination import paginate


@dataclass(frozen=True)
class InstitutionInput:
    """What an administrator records about an institution."""

    name_vi: str
    name_en: str
    short_name: str
    kind: InstitutionKind
    district: str
    address: str
    website: str | None
    province: str = ""


def institutions_statement(
    kind: InstitutionKind | None = None, query: str = ""
) -> sa.Select:
    """Institutions (of a kind, with words of a name), by Vietnamese name."""
    stmt = sa.select(Institution).order_by(Institution.name_vi, Institution.id)
    if kind is not None:
        stmt = stmt.where(Institution.kind == kind)
    if words := text_filter.query_text(query):
        stmt = stmt.where(
            text_filter.contains(
                words, Institution.name_vi, Institution.name_en, Institution.short_name
            )
        )
    return stmt


def list_institutions(kind: InstitutionKind | None = None) -> list[Institution]:
    """Every institution (or every one of a kind), by Vietnamese name."""
    return list(db.session.scalars(institutions_statement(kind)))


def page_institutions(
    page: int, kind: InstitutionKind | None = None, query: str = "", per_page: int = 20
):
    """One page of :func:`institutions_statement`."""
    return paginate(institutions_statement(kind, query), page, per_page)


def get_by_slug(slug: str) -> Institution | None:
    """The institution with this address name."""
    return db.session.scalar(sa.select(Institution).where(Institution.slug == slug))


def slugify(text: str) -> str:
    """An ASCII address name: ``Trường Đại học Cần Thơ`` → ``truong-dai-hoc-can-tho``."""
    return (
        re.sub(r"[^a-z0-9]+", "-", fold(normalise(text)).lower()).strip("-")[:80]
        or "institution"
    )


def _unique_slug(base: str, current: Institution | None) -> str:
    slug, n = base, 1
    while (other := get_by_slug(slug)) is not None and other is not current:
        n += 1
        slug = f"{base[:75]}-{n}"
    return slug


def save_institution(
    data: InstitutionInput, institution: Institution | None = None
) -> Institution:
    """Create an institution, or update ``institution``; the same Vietnamese name twice is refused."""
    name = normalise(data.name_vi)
    clash = db.session.scalars(
        sa.select(Institution)
        .where(text_filter.folded(Institution.name_vi) == text_filter.fold(name))
        .limit(1)
    ).first()
    if clash is not None and clash is not institution:
        raise Conflict(
            str(_l("An institution with this name already exists.")), field="name_vi"
        )
    if institution is None:
        institution = Institution(
            slug=_unique_slug(slugify(data.short_name or name), None)
        )
        db.session.add(institution)
    institution.name_vi, institution.name_en = name, normalise(data.name_en)
    institution.short_name, institution.kind = normalise(data.short_name), data.kind
    institution.district, institution.address = (
        normalise(data.district),
        normalise(data.address),
    )
    if data.province and data.province not in reference.PROVINCES:
        raise Conflict(str(_l("Choose the province from the list.")), field="province")
    institution.province = data.province or ""
    institution.website = data.website or None
    events.commit()
    return institution


def researchers_of(
    institution: Institution, viewer: User, page: int, per_page: int = 20
):
    """The institution's active researchers that ``viewer`` may see, by name."""
    stmt = (
        sa.select(ResearcherProfile)
        .join(ResearcherProfile.user)
        .where(User.institution_id == institution.id, User.active.is_(True))
        .order_by(User.full_name)
    )
    if not viewer.is_authenticated:
        stmt = stmt.where(ResearcherProfile.public.is_(True))
    return paginate(stmt, page, per_page)
