"""Publications and intellectual property of a researcher, and importing publication lists."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from matchmaker.extensions import db
from matchmaker.matching.text import normalise
from matchmaker.models import (
    ImportBatch,
    IPAsset,
    IPKind,
    IPStatus,
    Publication,
    ResearcherProfile,
    User,
)
from matchmaker.services import events, staging
from matchmaker.services.errors import Conflict, NotAllowed
from matchmaker.services.imports import ImportProblem
from matchmaker.services.researchers import bibliography
from matchmaker.services.researchers.bibliography import PublicationDraft
from matchmaker.validators import title_key

IMPORT_KIND = "publications"


@dataclass(frozen=True)
class PublicationInput:
    """A publication typed in by hand."""

    title: str
    authors: str
    year: int | None
    venue: str
    doi: str | None
    abstract: str


@dataclass(frozen=True)
class ImportPreview:
    """What an import would add, what it would skip, and what could not be read."""

    batch_id: int | None
    new: list[PublicationDraft]
    duplicates: list[PublicationDraft]
    problems: list[ImportProblem]


def _require_owner(profile: ResearcherProfile, user: User) -> None:
    if not profile.is_owned_by(user):
        raise NotAllowed(_l("You can only change your own profile."))


def _known_keys(profile: ResearcherProfile) -> tuple[set[str], set[str]]:
    rows = db.session.execute(
        sa.select(Publication.doi, Publication.title_key).where(
            Publication.researcher_id == profile.id
        )
    ).all()
    return {doi for doi, _key in rows if doi}, {key for _doi, key in rows}


def _publication(
    profile: ResearcherProfile, data: PublicationInput | PublicationDraft
) -> Publication:
    title = normalise(data.title)
    return Publication(
        researcher_id=profile.id,
        title=title,
        title_key=title_key(title),
        authors=normalise(data.authors),
        year=data.year,
        venue=normalise(data.venue),
        doi=data.doi or None,
        abstract=normalise(data.abstract),
    )


def add_publication(
    profile: ResearcherProfile, user: User, data: PublicationInput
) -> Publication:
    """Add one publication; the same DOI or title twice is refused."""
    _require_owner(profile, user)
    dois, keys = _known_keys(profile)
    if (data.doi and data.doi in dois) or title_key(data.title) in keys:
        raise Conflict(
            str(_l("This publication is already on your profile.")), field="title"
        )
    publication = _publication(profile, data)
    db.session.add(publication)
    events.commit()
    return publication


def delete_publication(
    profile: ResearcherProfile, user: User, publication_id: int
) -> None:
    """Remove one of the owner's publications."""
    _require_owner(profile, user)
    publication = db.session.get(Publication, publication_id)
    if publication is None or publication.researcher_id != profile.id:
        raise NotAllowed(_l("This publication is not on your profile."))
    db.session.delete(publication)
    events.commit()


def preview_import(
    profile: ResearcherProfile,
    user: User,
    text: str,
    fmt: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportPreview:
    """Parse a BibTeX/RIS text and keep what would be added until the owner confirms; writes no publication."""
    _require_owner(profile, user)
    parsed = bibliography.parse_with_progress(text, fmt, progress)
    new, duplicates = bibliography.split_duplicates(
        parsed.entries, *_known_keys(profile)
    )
    batch_id = None
    if new:
        batch = ImportBatch(
            user_id=user.id,
            kind=IMPORT_KIND,
            target_id=profile.id,
            payload=[asdict(d) for d in new],
        )
        db.session.add(batch)
        events.commit()
        batch_id = batch.id
    return ImportPreview(batch_id, new, duplicates, parsed.problems)


def confirm_import(profile: ResearcherProfile, user: User, batch_id: int) -> int:
    """Write a previewed import in one transaction; returns how many publications were added."""
    _require_owner(profile, user)
    batch = staging.pending_batch(batch_id, IMPORT_KIND, user, profile.id)
    # Something may have been added since the preview: check again.
    drafts = [PublicationDraft(**row) for row in batch.payload]
    new, _duplicates = bibliography.split_duplicates(drafts, *_known_keys(profile))
    db.session.add_all(_publication(profile, draft) for draft in new)
    staging.mark_confirmed(batch)
    events.commit()
    return len(new)


@dataclass(frozen=True)
class IPInput:
    """A patent, utility solution, plant variety or copyright."""

    kind: IPKind
    number: str
    title: str
    year: int | None
    status: IPStatus


def add_ip(profile: ResearcherProfile, user: User, data: IPInput) -> IPAsset:
    """Add an intellectual property record to the owner's profile."""
    _require_owner(profile, user)
    asset = IPAsset(
        researcher_id=profile.id,
        kind=data.kind,
        number=normalise(data.number),
        title=normalise(data.title),
        year=data.year,
        status=data.status,
    )
    db.session.add(asset)
    events.commit()
    return asset


def delete_ip(profile: ResearcherProfile, user: User, asset_id: int) -> None:
    """Remove one of the owner's IP records."""
    _require_owner(profile, user)
    asset = db.session.get(IPAsset, asset_id)
    if asset is None or asset.researcher_id != profile.id:
        raise NotAllowed(_l("This record is not on your profile."))
    db.session.delete(asset)
    events.commit()
