"""What the search index may hold: the public document of each kind of record, built from the database."""

# Only what any visitor may read on the record's own page goes in: published orders without their
# internal parts, needs by confidentiality, publicly listed researchers without contact details.

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from matchmaker.extensions import db
from matchmaker.models import (
    Confidentiality,
    Project,
    ProjectMember,
    ResearcherProfile,
    ResearchOrder,
    TechNeed,
    User,
)
from matchmaker.search_index import IndexDoc
from matchmaker.services import policy, reference

# Markdown emphasis, code marks, headings and quotes: noise in snippets (the text itself stays).
_MARKDOWN_RE = re.compile(r"[*`]+|^[ \t]*(?:#{1,6}|>+)[ \t]*", re.MULTILINE)

Progress = Callable[[int], object]


def _plain(*parts: str) -> str:
    return "\n".join(_MARKDOWN_RE.sub("", part) for part in parts if part)


def _field_group(code: str | None) -> str:
    field = reference.science_fields().get(code or "")
    if field is None:
        return ""
    return field.parent or field.code


def _topic_words(codes: Iterable[str | None], area: str | None) -> tuple[str, ...]:
    fields = reference.science_fields()
    words = [fields[c].name_vi for c in codes if c in fields]
    if area in reference.priority_areas():
        words.append(reference.priority_areas()[area].name_vi)
    return tuple(words)


def project_doc(project: Project) -> IndexDoc:
    """A project is public as a whole; a team member counts (and is found) once they confirmed."""
    year = project.end_year or project.start_year
    return IndexDoc(
        kind="project", id=str(project.id), title=project.title,
        body=_plain(project.summary, project.products, project.ip, project.applied_at),
        keywords=(project.pi_display, *(m.user.full_name for m in project.confirmed_members), *project.team, *_topic_words([project.field_code], project.priority_area)),
        institution=project.institution.name_vi if project.institution else "",
        field=_field_group(project.field_code), priority_area=project.priority_area or "",
        status=project.status.value, year=year, date=date(year, 1, 1) if year else project.created_at,
    )  # fmt: skip


def order_doc(order: ResearchOrder) -> IndexDoc | None:
    """Published orders, without the parts kept internal; ``None`` before publication."""
    if order.state not in policy.PUBLIC_STATES:
        return None
    parts = policy.public_order_text(order).values()
    return IndexDoc(
        kind="order", id=str(order.id), title=order.title, body=_plain(*parts),
        keywords=_topic_words([order.field_code], order.priority_area),
        institution=order.agency.name_vi, field=_field_group(order.field_code),
        priority_area=order.priority_area or "", status=order.state,
        year=order.created_at.year, date=order.created_at,
    )  # fmt: skip


def need_doc(need: TechNeed) -> IndexDoc | None:
    """Public needs in full; summary-only needs by title alone; confidential needs never."""
    if need.confidentiality == Confidentiality.PRIVATE:
        return None
    full = need.confidentiality == Confidentiality.PUBLIC
    body = _plain(need.description, need.desired_outcome, need.targets) if full else ""
    return IndexDoc(
        kind="need", id=str(need.id), title=need.title, body=body,
        keywords=_topic_words([need.field_code], need.priority_area),
        institution=need.enterprise.name, field=_field_group(need.field_code),
        priority_area=need.priority_area or "", status=need.status.value,
        year=need.created_at.year, date=need.created_at,
    )  # fmt: skip


def profile_doc(profile: ResearcherProfile) -> IndexDoc | None:
    """Publicly listed profiles of active accounts, without contact details."""
    user = profile.user
    if not profile.public or not user.active or user.invitation_pending:
        return None
    codes = profile.field_codes
    titles = [p.title for p in profile.publications[:50]]
    return IndexDoc(
        kind="researcher", id=str(profile.id), title=profile.display_name,
        body=_plain(profile.summary, profile.capabilities, profile.position, profile.department, *titles),
        keywords=(*profile.keywords, *_topic_words(codes, profile.priority_area)),
        institution=user.institution.name_vi if user.institution else "",
        field=_field_group(codes[0] if codes else None), priority_area=profile.priority_area or "",
        date=profile.updated_at,
    )  # fmt: skip


_MODELS = {
    "project": (Project, project_doc),
    "order": (ResearchOrder, order_doc),
    "need": (TechNeed, need_doc),
    "researcher": (ResearcherProfile, profile_doc),
}


def document(kind: str, record_id: int) -> IndexDoc | None:
    """The record's public document as the database has it now; ``None`` if gone or not public."""
    model, build = _MODELS[kind]
    record = db.session.get(model, record_id)
    return None if record is None else build(record)


def public_statements() -> list[sa.Select]:
    return [
        sa.select(Project).options(
            selectinload(Project.pi),
            selectinload(Project.institution),
            selectinload(Project.members).selectinload(ProjectMember.user),
        ),
        sa.select(ResearchOrder)
        .where(ResearchOrder.state.in_(policy.PUBLIC_STATES))
        .options(selectinload(ResearchOrder.agency)),
        sa.select(TechNeed)
        .where(TechNeed.confidentiality != Confidentiality.PRIVATE)
        .options(selectinload(TechNeed.enterprise)),
        sa.select(ResearcherProfile)
        .join(ResearcherProfile.user)
        .where(ResearcherProfile.public.is_(True), User.active.is_(True))
        .options(
            selectinload(ResearcherProfile.user).selectinload(User.institution),
            selectinload(ResearcherProfile.field_rows),
            selectinload(ResearcherProfile.publications),
        ),
    ]


def count_documents() -> int:
    """About how many documents a rebuild indexes (for a progress bar)."""
    return sum(
        db.session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery())) or 0
        for stmt in public_statements()
    )


def all_documents(progress: Progress | None) -> Iterator[IndexDoc]:
    """Every public document; ``progress(1)`` is called for each record read."""
    builders = [project_doc, order_doc, need_doc, profile_doc]
    for stmt, build in zip(public_statements(), builders, strict=True):
        for record in db.session.scalars(stmt.execution_options(yield_per=200)):
            doc = build(record)
            if doc is not None:
                yield doc
            if progress is not None:
                progress(1)
