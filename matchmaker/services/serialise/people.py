"""Researchers' public profiles and the institutions of the city."""

from __future__ import annotations

from pydantic import Field

from matchmaker.models import Institution as InstitutionRow
from matchmaker.models import ResearcherProfile, User
from matchmaker.services import policy
from matchmaker.services.serialise.common import (
    InstitutionRef,
    Record,
    Timestamp,
    institution_ref,
    internal_field,
)


class Institution(Record):
    """A university, research institute or city agency."""

    id: int
    slug: str
    name_vi: str
    name_en: str
    short_name: str
    kind: str = Field(description="university, institute or agency.")
    district: str
    address: str
    website: str | None


def institution(row: InstitutionRow) -> Institution:
    """Every field of an institution is public."""
    return Institution(
        id=row.id, slug=row.slug, name_vi=row.name_vi, name_en=row.name_en or "",
        short_name=row.short_name or "", kind=row.kind.value, district=row.district or "",
        address=row.address or "", website=row.website,
    )  # fmt: skip


class Publication(Record):
    """A paper, book or report."""

    title: str
    authors: str
    year: int | None
    venue: str
    doi: str | None


class IPAsset(Record):
    """A patent, utility solution, plant variety or copyright."""

    kind: str
    number: str
    title: str
    year: int | None
    status: str


class Researcher(Record):
    """A scientist's profile. The contact address is ``null`` for the public; the internal audience also
    gets the profiles kept out of the public directory."""

    id: int
    name: str = Field(description="With academic title and degree.")
    academic_title: str | None
    degree: str | None
    institution: InstitutionRef | None
    department: str
    position: str
    field_codes: list[str]
    priority_area: str | None
    keywords: list[str]
    summary: str
    capabilities: str
    orcid: str | None
    links: list[str]
    open_to_orders: bool
    contact_email: str | None
    publications: list[Publication]
    ip_assets: list[IPAsset]
    updated_at: Timestamp
    listed: bool | None = internal_field(
        "whether the profile is in the public directory (null for the public, "
        "who only ever see listed ones)."
    )


def researcher(row: ResearcherProfile, viewer: User | None = None) -> Researcher:
    """``row`` as ``viewer`` may read it; raises ``LookupError`` for a hidden profile or a closed account."""
    if not row.user.active or not policy.may_view_profile(viewer, row):
        raise LookupError(row.id)
    return Researcher(
        id=row.id, name=row.display_name, academic_title=row.academic_title, degree=row.degree,
        institution=institution_ref(row.user.institution), department=row.department or "",
        position=row.position or "", field_codes=row.field_codes, priority_area=row.priority_area,
        keywords=list(row.keywords or ()), summary=row.summary or "", capabilities=row.capabilities or "",
        orcid=row.orcid, links=list(row.links or ()), open_to_orders=row.open_to_orders,
        contact_email=(row.contact_email or row.user.email) if policy.may_see_contact(viewer) else None,
        publications=[
            Publication(title=p.title, authors=p.authors or "", year=p.year, venue=p.venue or "", doi=p.doi)
            for p in row.publications
        ],
        ip_assets=[
            IPAsset(kind=a.kind.value, number=a.number or "", title=a.title, year=a.year, status=a.status.value)
            for a in row.ip_assets
        ],
        updated_at=row.updated_at,
        listed=row.public if policy.api_audience(viewer) == "internal" else None,
    )  # fmt: skip
