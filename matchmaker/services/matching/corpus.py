"""The database as the matching library sees it: candidates, documents and change fingerprints.

Three corpora are matched against:

- researchers (candidate ``researcher:<profile id>``): the profile as one document, each publication, each
  IP asset, each project they lead or joined and each public registered result of a task they lead as
  another (their work on the platform is evidence, as their publications are);
- institutions (``institution:<id>``): the merged documents of their researchers;
- texts (``order:<id>``, ``need:<id>``, later ``project:<id>``): one document each, for duplicate warnings and
  for researchers' recommendations. ``TEXT_SOURCES`` lists them: a new kind is one more entry. The public
  texts hold only what a visitor may read (the search index's rule); a second, full corpus of texts serves
  city officials only and shapes nothing else.

A project a researcher joined (a confirmed team member: they confirmed it, and whoever registered the
project named them) counts as one document exactly as a project they lead does. Its text describes the
work they did as much as the PI's; the engine already keeps one project from outweighing a body of work (a
candidate's score is the mean of its best documents), and a lower weight for joined projects would be a
number no judged data supports yet (the gold standard has no projects). A request not yet confirmed
counts for nobody.

A fingerprint is a small comparable value per candidate that changes whenever what the matcher holds for it
would change; comparing fingerprints finds what to update without reading every text.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from matchmaker.extensions import db
from matchmaker.matching import Candidate, CandidateMeta, Document
from matchmaker.models import (
    Confidentiality,
    Institution,
    IPAsset,
    MemberStatus,
    Project,
    ProjectMember,
    Publication,
    ResearcherField,
    ResearcherProfile,
    ResearchOrder,
    ResultRecord,
    Role,
    TechNeed,
    User,
)
from matchmaker.services import policy, reference

Fingerprint = tuple[Any, ...]


def researcher_id(profile_id: int) -> str:
    return f"researcher:{profile_id}"


def institution_id(institution_pk: int) -> str:
    return f"institution:{institution_pk}"


def split_id(candidate_id: str) -> tuple[str, int]:
    """``"order:12"`` → ``("order", 12)``."""
    kind, _, number = candidate_id.partition(":")
    return kind, int(number)


def document_text(document: Document) -> str:
    """A document's fields as one text (for the idf of another corpus)."""
    return "\n".join(p for p in (document.title, document.keywords, document.body) if p)


def _joined(*parts: str | None, sep: str = "\n") -> str:
    return sep.join(p.strip() for p in parts if p and p.strip())


def _has_text(document: Document) -> bool:
    return bool(document.title or document.keywords or document.body)


# --- Researchers ------------------------------------------------------------------------------------------


def label_words(codes: Iterable[str], area: str | None) -> list[str]:
    """Names (Vietnamese and English) of research fields and of the priority area.

    They tell the matcher that an order and a researcher share a field or an area; :func:`own_text` leaves
    them out of the "why" line, which quotes what people wrote.
    """
    fields = reference.science_fields()
    words = [
        name
        for code in codes
        if code in fields
        for name in (fields[code].name_vi, fields[code].name_en)
    ]
    if named_area := reference.priority_areas().get(area or ""):
        words += [named_area.name_vi, named_area.name_en]
    return [w for w in words if w]


@cache
def _labels() -> frozenset[str]:
    fields = reference.science_fields().values()
    areas = reference.priority_areas().values()
    return frozenset(
        name
        for named in (*fields, *areas)
        for name in (named.name_vi, named.name_en)
        if name
    )


def own_text(document: Document) -> str:
    """What people wrote in a document, without the field and area names added for the matcher: the text
    a "why" line quotes."""
    keywords = [k for k in document.keywords.split("; ") if k not in _labels()]
    return _joined(document.title, "; ".join(keywords), document.body)


def profile_document(profile: ResearcherProfile) -> Document:
    """The profile's own text: department and position, keywords, fields and area, summary and capabilities."""
    keywords = [
        *profile.keywords,
        *label_words(profile.field_codes, profile.priority_area),
    ]
    return Document(
        f"profile:{profile.id}",
        title=_joined(profile.department, profile.position, sep=". "),
        keywords="; ".join(keywords),
        body=_joined(profile.summary, profile.capabilities),
    )


def project_document(project: Project) -> Document:
    """A project's text (every field of a project is public): title, field and area, summary, products,
    intellectual property and where it is applied."""
    return Document(
        f"project:{project.id}",
        title=project.title,
        keywords="; ".join(
            label_words([project.field_code or ""], project.priority_area)
        ),
        body=_joined(project.summary, project.products, project.ip, project.applied_at),
    )


def publication_document(publication: Publication) -> Document:
    """A publication's text: title, abstract and venue."""
    return Document(
        f"pub:{publication.id}",
        title=publication.title,
        body=_joined(publication.abstract, publication.venue),
    )


def ip_document(asset: IPAsset) -> Document:
    """An IP asset's text: its title."""
    return Document(f"ip:{asset.id}", title=asset.title)


def result_document(result: ResultRecord) -> Document:
    """A registered result's text, as its public results page shows it."""
    return Document(
        f"result:{result.id}",
        title=result.product,
        body=_joined(result.description, result.applied_at, result.beneficiary),
    )


def researcher_documents(
    profile: ResearcherProfile, work: Iterable[Document] = ()
) -> tuple[Document, ...]:
    """The profile, each publication (title, abstract, venue), each IP asset and the documents of their
    ``work`` on the platform (:func:`work_documents`), without empty ones."""
    documents = [profile_document(profile)]
    documents += [publication_document(p) for p in profile.publications]
    documents += [ip_document(a) for a in profile.ip_assets]
    documents += work
    return tuple(d for d in documents if _has_text(d))


def _public_results() -> sa.Select:
    """Registered results anyone may read, with the principal investigator of their task."""
    return (
        sa.select(ResultRecord, ResearchOrder.pi_id)
        .join(ResearchOrder, ResearchOrder.id == ResultRecord.order_id)
        .where(
            ResearchOrder.pi_id.is_not(None),
            ResearchOrder.state.in_(policy.PUBLIC_RESULT_STATES),
        )
    )


def _joined_projects() -> sa.Select:
    """(project, user id) for every confirmed team member; a request awaiting confirmation counts for nobody."""
    return (
        sa.select(Project, ProjectMember.user_id)
        .join(ProjectMember, ProjectMember.project_id == Project.id)
        .where(ProjectMember.status == MemberStatus.CONFIRMED)
    )


def work_documents(users: sa.Select) -> dict[int, list[Document]]:
    """User id → the documents of their work on the platform, for the users ``users`` selects: the projects
    they lead (``pi_id``; a request awaiting confirmation counts for nobody), the projects they joined as
    confirmed team members, and the public registered results of the tasks they lead."""
    projects = sa.select(Project).where(Project.pi_id.in_(users)).order_by(Project.id)
    joined = _joined_projects().where(ProjectMember.user_id.in_(users))
    results = (
        _public_results()
        .where(ResearchOrder.pi_id.in_(users))
        .order_by(ResultRecord.id)
    )
    found: dict[int, list[Document]] = {}
    for project in db.session.scalars(projects):
        found.setdefault(project.pi_id, []).append(project_document(project))
    for project, user_id in db.session.execute(joined.order_by(Project.id)):
        found.setdefault(user_id, []).append(project_document(project))
    for result, pi_id in db.session.execute(results):
        found.setdefault(pi_id, []).append(result_document(result))
    return found


def _with_groups(codes: Iterable[str]) -> frozenset[str]:
    """Sub-field codes with their groups, so a filter on a group keeps its sub-fields."""
    fields = reference.science_fields()
    found = set(codes)
    found |= {fields[c].parent for c in codes if c in fields and fields[c].parent}
    return frozenset(found)


def researcher_meta(profile: ResearcherProfile) -> CandidateMeta:
    institution = profile.user.institution
    return CandidateMeta(
        fields=_with_groups(profile.field_codes),
        institution_id=str(institution.id) if institution else None,
        institution_kind=institution.kind.value if institution else None,
        available=profile.open_to_orders,
        public=profile.public,
    )


def _researcher_filter(
    profile_ids: Collection[int] | None, institution_ids: Collection[int] | None
) -> list[sa.ColumnElement[bool]]:
    """Active researchers, all of them or those with the given profile or institution ids."""
    where = [User.active.is_(True), User.role == Role.RESEARCHER]
    if profile_ids is not None:
        where.append(ResearcherProfile.id.in_(list(profile_ids)))
    if institution_ids is not None:
        where.append(User.institution_id.in_(list(institution_ids)))
    return where


def _researcher_query(where: list[sa.ColumnElement[bool]]) -> sa.Select:
    return (
        sa.select(ResearcherProfile)
        .join(ResearcherProfile.user)
        .where(*where)
        .options(
            selectinload(ResearcherProfile.publications),
            selectinload(ResearcherProfile.ip_assets),
            selectinload(ResearcherProfile.field_rows),
            selectinload(ResearcherProfile.user).selectinload(User.institution),
        )
        .order_by(ResearcherProfile.id)
    )


def researcher_candidates(
    profile_ids: Collection[int] | None = None,
    institution_ids: Collection[int] | None = None,
    progress: Callable[[int], Any] | None = None,
) -> list[Candidate]:
    """Active researchers with some text, all of them or those with the given profile or institution ids."""
    where = _researcher_filter(profile_ids, institution_ids)
    users = (
        sa.select(ResearcherProfile.user_id).join(ResearcherProfile.user).where(*where)
    )
    work = work_documents(users)
    candidates = []
    for profile in db.session.scalars(_researcher_query(where)):
        documents = researcher_documents(profile, work.get(profile.user_id, ()))
        if documents:
            candidates.append(
                Candidate(
                    researcher_id(profile.id), documents, researcher_meta(profile)
                )
            )
        if progress is not None:
            progress(1)
    return candidates


def count_researchers() -> int:
    return db.session.scalar(
        sa.select(sa.func.count(ResearcherProfile.id))
        .join(ResearcherProfile.user)
        .where(User.active.is_(True), User.role == Role.RESEARCHER)
    )


@dataclass(frozen=True)
class ResearcherStamp:
    """What may change a researcher's candidate, read in one query."""

    institution: int | None
    fingerprint: Fingerprint


def researcher_stamps() -> dict[str, ResearcherStamp]:
    """Every active researcher's fingerprint: profile and institution times, counts and last ids of
    publications and IP assets, of the projects they lead and of those they joined (with their last change,
    and the last change of their team links) and of the public results of the tasks they lead, field codes,
    institution (profiles without text included)."""
    pubs = _counted(Publication)
    ips = _counted(IPAsset)
    projects = (
        sa.select(
            Project.pi_id.label("owner"),
            sa.func.count(Project.id).label("n"),
            sa.func.max(Project.id).label("last"),
            sa.func.max(Project.updated_at).label("changed"),
        )
        .where(Project.pi_id.is_not(None))
        .group_by(Project.pi_id)
        .subquery()
    )
    joined = (
        _joined_projects()
        .with_only_columns(
            ProjectMember.user_id.label("owner"),
            sa.func.count(Project.id).label("n"),
            sa.func.max(Project.id).label("last"),
            sa.func.max(Project.updated_at).label("changed"),
            sa.func.max(ProjectMember.updated_at).label("linked"),
        )
        .group_by(ProjectMember.user_id)
        .subquery()
    )
    results = (
        _public_results()
        .with_only_columns(
            ResearchOrder.pi_id.label("owner"),
            sa.func.count(ResultRecord.id).label("n"),
            sa.func.max(ResultRecord.id).label("last"),
            sa.func.max(ResultRecord.updated_at).label("changed"),
        )
        .group_by(ResearchOrder.pi_id)
        .subquery()
    )
    fields = (
        sa.select(
            ResearcherField.researcher_id.label("owner"),
            sa.func.aggregate_strings(ResearcherField.field_code, ",").label("codes"),
        )
        .group_by(ResearcherField.researcher_id)
        .subquery()
    )
    stmt = (
        sa.select(
            ResearcherProfile.id,
            ResearcherProfile.updated_at,
            User.institution_id,
            Institution.updated_at,
            pubs.c.n,
            pubs.c.last,
            pubs.c.changed,
            ips.c.n,
            ips.c.last,
            ips.c.changed,
            projects.c.n,
            projects.c.last,
            projects.c.changed,
            joined.c.n,
            joined.c.last,
            joined.c.changed,
            joined.c.linked,
            results.c.n,
            results.c.last,
            results.c.changed,
            fields.c.codes,
        )
        .join(User, User.id == ResearcherProfile.user_id)
        .outerjoin(Institution, Institution.id == User.institution_id)
        .outerjoin(pubs, pubs.c.owner == ResearcherProfile.id)
        .outerjoin(ips, ips.c.owner == ResearcherProfile.id)
        .outerjoin(projects, projects.c.owner == User.id)
        .outerjoin(joined, joined.c.owner == User.id)
        .outerjoin(results, results.c.owner == User.id)
        .outerjoin(fields, fields.c.owner == ResearcherProfile.id)
        .where(User.active.is_(True), User.role == Role.RESEARCHER)
    )
    stamps = {}
    for pk, *values, codes in db.session.execute(stmt):
        codes = tuple(sorted((codes or "").split(",")))
        stamps[researcher_id(pk)] = ResearcherStamp(values[1], (*values, codes))
    return stamps


# Every table whose rows make a candidate (the researchers' fingerprints above, the texts' below). Each has an
# ``updated_at`` set on insert and update, so any change to one moves its row count (a delete) or its latest
# time (an insert or an update); a researcher's fields move their profile's time (models/researcher.py).
SOURCE_TABLES = (
    ResearcherProfile,
    User,
    Institution,
    Publication,
    IPAsset,
    Project,
    ProjectMember,
    ResultRecord,
    ResearchOrder,
    TechNeed,
)


def data_version() -> tuple[Any, ...]:
    """A summary of every source table that changes whenever one of them does: one query of counts and
    latest times, where the fingerprints read every candidate (half a second at 10,000 researchers)."""
    columns = []
    for model in SOURCE_TABLES:
        columns += [
            sa.select(sa.func.count()).select_from(model).scalar_subquery(),
            sa.select(sa.func.max(model.updated_at)).scalar_subquery(),
        ]
    return tuple(db.session.execute(sa.select(*columns)).one())


def _counted(model: type[Publication] | type[IPAsset]) -> sa.Subquery:
    return (
        sa.select(
            model.researcher_id.label("owner"),
            sa.func.count(model.id).label("n"),
            sa.func.max(model.id).label("last"),
            sa.func.max(model.updated_at).label("changed"),
        )
        .group_by(model.researcher_id)
        .subquery()
    )


# --- Institutions -----------------------------------------------------------------------------------------


def institution_meta(
    institution: Institution, members: list[Candidate]
) -> CandidateMeta:
    return CandidateMeta(
        fields=frozenset().union(*(m.meta.fields for m in members)),
        institution_id=str(institution.id),
        institution_kind=institution.kind.value,
        available=any(m.meta.available for m in members),
        public=True,
    )


def institution_candidates(
    researchers: list[Candidate], institution_pks: Collection[int] | None = None
) -> list[Candidate]:
    """Each institution (all, or those given) as the merge of its researchers among ``researchers``."""
    members: dict[int, list[Candidate]] = {}
    for candidate in researchers:
        if candidate.meta.institution_id is not None:
            members.setdefault(int(candidate.meta.institution_id), []).append(candidate)
    wanted = (
        members.keys()
        if institution_pks is None
        else set(institution_pks) & members.keys()
    )
    institutions = db.session.scalars(
        sa.select(Institution)
        .where(Institution.id.in_(list(wanted)))
        .order_by(Institution.id)
    )
    return [
        Candidate.merge(
            institution_id(i.id), members[i.id], institution_meta(i, members[i.id])
        )
        for i in institutions
    ]


def institution_stamps(stamps: dict[str, ResearcherStamp]) -> dict[str, str]:
    """An institution's fingerprint: a digest of its members' fingerprints (which carry its own time)."""
    members: dict[int, list[str]] = {}
    for candidate_id, stamp in sorted(stamps.items()):
        if stamp.institution is not None:
            members.setdefault(stamp.institution, []).append(
                f"{candidate_id}={stamp.fingerprint!r}"
            )
    return {
        institution_id(pk): hashlib.sha1("\n".join(lines).encode()).hexdigest()
        for pk, lines in members.items()
    }


# --- Orders, needs (and projects later) -------------------------------------------------------------------


def order_document(order: ResearchOrder, full: bool = False) -> Document:
    """An order's text: only its public text (``policy.public_order_text``, what the search index holds)
    unless ``full``, which adds the internal parts and is for city officials only."""
    if full:
        text = {part: getattr(order, part) or "" for part in policy.ORDER_TEXT_PARTS}
    else:
        text = dict(policy.public_order_text(order))
    beneficiary = text.pop("beneficiary", "")
    return Document(
        f"order:{order.id}",
        title=order.title,
        keywords=_joined(
            beneficiary,
            *label_words([order.field_code or ""], order.priority_area),
            sep="; ",
        ),
        body=_joined(*text.values()),
    )


def need_document(need: TechNeed, full: bool = True) -> Document:
    """A need's text; without ``full``, only what everyone may read (title, field, area)."""
    keywords = "; ".join(label_words([need.field_code or ""], need.priority_area))
    if not full:
        return Document(f"need:{need.id}", title=need.title, keywords=keywords)
    return Document(
        f"need:{need.id}",
        title=need.title,
        keywords=keywords,
        body=_joined(need.description, need.desired_outcome, need.targets),
    )


def _public_order_document(order: ResearchOrder) -> Document:
    return order_document(order)


def _public_need_document(need: TechNeed) -> Document:
    return need_document(need, full=need.confidentiality == Confidentiality.PUBLIC)


@dataclass(frozen=True)
class TextSource:
    """A kind of text that may duplicate another and that researchers may be recommended.

    Two corpora are built from each source: the public one (``public_where`` rows, as
    ``public_document``: what a visitor may read, the rule of the search index), which serves everyone
    and shapes every other matcher's idf; and the full one (every row, as ``document``), which serves
    city officials only.
    """

    kind: str
    model: Any
    document: Callable[[Any], Document]
    public_document: Callable[[Any], Document]
    public_where: Callable[[], Any]


# To match projects too: TextSource("project", Project, project_document, ...), like the ones below.
TEXT_SOURCES: tuple[TextSource, ...] = (
    TextSource(
        "order",
        ResearchOrder,
        lambda order: order_document(order, full=True),
        _public_order_document,
        lambda: ResearchOrder.state.in_(policy.PUBLIC_STATES),
    ),
    TextSource(
        "need",
        TechNeed,
        need_document,
        _public_need_document,
        lambda: TechNeed.confidentiality != Confidentiality.PRIVATE,
    ),
)


def text_stamps(public: bool = True) -> dict[str, Fingerprint]:
    """Every order's and need's last change time; with ``public``, of the public ones only."""
    stamps: dict[str, Fingerprint] = {}
    for source in TEXT_SOURCES:
        stmt = sa.select(source.model.id, source.model.updated_at)
        if public:
            stmt = stmt.where(source.public_where())
        rows = db.session.execute(stmt)
        stamps.update({f"{source.kind}:{pk}": (changed,) for pk, changed in rows})
    return stamps


def text_candidates(
    candidate_ids: Collection[str] | None = None, public: bool = True
) -> list[Candidate]:
    """Orders and needs (all, or those with the given candidate ids) as one-document candidates.

    With ``public`` (the default), only what anyone may read: published orders without their internal
    parts, needs by confidentiality. ``public=False`` is the officials' full corpus.
    """
    wanted: dict[str, list[int]] | None = None
    if candidate_ids is not None:
        wanted = {}
        for candidate_id in candidate_ids:
            kind, pk = split_id(candidate_id)
            wanted.setdefault(kind, []).append(pk)
    candidates = []
    for source in TEXT_SOURCES:
        stmt = sa.select(source.model).order_by(source.model.id)
        if public:
            stmt = stmt.where(source.public_where())
        if wanted is not None:
            stmt = stmt.where(source.model.id.in_(wanted.get(source.kind, [])))
        build = source.public_document if public else source.document
        for row in db.session.scalars(stmt):
            document = build(row)
            if _has_text(document):
                candidates.append(Candidate(document.doc_id, (document,)))
    return candidates
