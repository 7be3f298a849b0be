"""What a viewer is shown of matches: researchers, institutions, orders and needs, each with why it matched.

The database has the last word here: a match the model still holds for a researcher deactivated a moment
ago, or for a need that became private, is dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from matchmaker.extensions import db
from matchmaker.matching import Document, Match, occurs
from matchmaker.models import (
    Confidentiality,
    Institution,
    IPAsset,
    NeedStatus,
    Project,
    Publication,
    ResearcherProfile,
    ResearchOrder,
    ResultRecord,
    TechNeed,
    User,
)
from matchmaker.services import policy
from matchmaker.services.matching import corpus, levels

# Shared terms shown on a "why" line.
SHOWN_TERMS = 5
OPEN_NEED_STATUSES = (NeedStatus.OPEN, NeedStatus.IN_DISCUSSION)

# The words a candidate's texts share with the query (``TfidfMatcher.explain`` bound to the query's own
# text): called with the candidate's texts and its keywords.
Explain = Callable[[Sequence[str], Sequence[str]], tuple[str, ...]]


@dataclass(frozen=True)
class MatchView:
    """One matched researcher or institution, with why it matched."""

    kind: str  # "researcher" or "institution"
    key: int | str  # the profile id, or the institution's slug
    name: str
    detail: str  # a researcher's institution, an institution's short name
    score: float
    terms: tuple[
        str, ...
    ]  # words and phrases both texts write alike, as the query writes them
    # The title of the best publication, IP asset, project or registered result, and which of these it is:
    # "publication", "ip", "project", "result", or "" (the profile itself).
    evidence: str = ""
    evidence_kind: str = ""

    @property
    def level(self) -> levels.Level:
        return levels.match_level(self.score)


@dataclass(frozen=True)
class Matches:
    """Best researchers and institutions for one text."""

    researchers: list[MatchView] = field(default_factory=list)
    institutions: list[MatchView] = field(default_factory=list)


@dataclass(frozen=True)
class TextView:
    """An order, a need (or a project) similar to a text, for duplicates and recommendations."""

    kind: str  # "order", "need" (or "project")
    key: int
    title: str
    detail: str  # the ordering agency or the enterprise
    status: str  # the order's state or the need's status value
    score: float
    terms: tuple[str, ...] = ()
    identical: bool = False  # the same text as the draft it was compared with

    @property
    def match_level(self) -> levels.Level:
        """How well it fits a researcher who is recommended it."""
        return levels.match_level(self.score)

    @property
    def duplicate_level(self) -> levels.Level:
        """How close it is to the draft it may duplicate."""
        return levels.duplicate_level(self.score, self.identical)


def signed_in(viewer: User | None) -> bool:
    """A signed-in user (``None`` and Flask-Login's anonymous user are not)."""
    return viewer is not None and viewer.is_authenticated


@dataclass(frozen=True)
class _Best:
    """A match's best document: its kind and title as evidence, its text, and whose work it is."""

    kind: str  # "publication", "ip", "project", "result" or "" (a profile: no evidence)
    title: str
    text: str
    owner: ResearcherProfile


def _best_documents(matches: Iterable[Match]) -> dict[str, _Best]:
    """Best document id → its evidence, text and owner, for publications, IP assets, projects, results
    and profiles: each read from its own row (a handful of queries however many matches), the text as the
    owner's documents write it (:func:`corpus.researcher_documents`)."""
    wanted: dict[str, set[int]] = {
        "pub": set(),
        "ip": set(),
        "project": set(),
        "result": set(),
        "profile": set(),
    }
    for match in matches:
        kind, _, pk = match.best_doc_id.partition(":")
        if kind in wanted and pk.isdigit():
            wanted[kind].add(int(pk))
    found: dict[str, _Best] = {}
    for kind, model, label, document in (
        ("pub", Publication, "publication", corpus.publication_document),
        ("ip", IPAsset, "ip", corpus.ip_document),
    ):
        if not wanted[kind]:
            continue
        rows = db.session.scalars(
            sa.select(model)
            .where(model.id.in_(wanted[kind]))
            .options(selectinload(model.researcher))
        )
        found |= {
            f"{kind}:{row.id}": _Best(
                label, row.title, corpus.own_text(document(row)), row.researcher
            )
            for row in rows
        }
    if wanted["profile"]:
        profiles = db.session.scalars(
            sa.select(ResearcherProfile)
            .where(ResearcherProfile.id.in_(wanted["profile"]))
            .options(selectinload(ResearcherProfile.field_rows))
        )
        found |= {
            f"profile:{p.id}": _Best(
                "", "", corpus.own_text(corpus.profile_document(p)), p
            )
            for p in profiles
        }
    return found | _work_evidence(wanted["project"], wanted["result"])


def _work_evidence(project_ids: set[int], result_ids: set[int]) -> dict[str, _Best]:
    """Projects and registered results as evidence; the owner is the principal investigator's profile. A
    result is quoted only once public, as the researchers' own documents hold it."""
    projects = (
        db.session.scalars(sa.select(Project).where(Project.id.in_(project_ids))).all()
        if project_ids
        else []
    )
    results = (
        db.session.execute(
            sa.select(ResultRecord, ResearchOrder.pi_id, ResearchOrder.state)
            .join(ResearchOrder, ResearchOrder.id == ResultRecord.order_id)
            .where(ResultRecord.id.in_(result_ids))
        ).all()
        if result_ids
        else []
    )
    pis = {p.pi_id for p in projects} | {pi for _r, pi, _s in results}
    owners = (
        {
            p.user_id: p
            for p in db.session.scalars(
                sa.select(ResearcherProfile).where(ResearcherProfile.user_id.in_(pis))
            )
        }
        if pis
        else {}
    )
    found: dict[str, _Best] = {}
    for project in projects:
        if (owner := owners.get(project.pi_id)) is not None:
            text = corpus.own_text(corpus.project_document(project))
            found[f"project:{project.id}"] = _Best(
                "project", project.title, text, owner
            )
    for result, pi, state in results:
        if (owner := owners.get(pi)) is not None:
            public = pi is not None and state in policy.PUBLIC_RESULT_STATES
            text = corpus.own_text(corpus.result_document(result)) if public else ""
            found[f"result:{result.id}"] = _Best("result", result.product, text, owner)
    return found


def _own_documents(
    profiles: Iterable[ResearcherProfile],
) -> dict[int, tuple[Document, ...]]:
    """Profile id → the researcher's documents (profile, publications, IP assets, the projects and public
    results they lead), their platform work read in one go for all of them."""
    profiles = list(profiles)
    users = sa.select(User.id).where(User.id.in_([p.user_id for p in profiles]))
    work = corpus.work_documents(users)
    return {
        p.id: corpus.researcher_documents(p, work.get(p.user_id, ())) for p in profiles
    }


def _own_texts(documents: Iterable[Document]) -> dict[str, str]:
    """Document id → its text as people wrote it (what a "why" line may quote)."""
    return {d.doc_id: corpus.own_text(d) for d in documents}


# Kinds of document a match may name as its evidence, and how the page calls them.
_EVIDENCE = {"pub": "publication", "ip": "ip", "project": "project", "result": "result"}


def _evidence_for(
    match: Match,
    documents: Sequence[Document],
    texts: dict[str, str],
    terms: Sequence[str],
) -> tuple[str, str]:
    """The best publication, IP asset, project or result behind a match: the engine's best document, or,
    when the profile itself matched best, the publication or IP asset that writes most of the shared terms
    (the newest on a tie)."""
    for document in documents:
        kind = document.doc_id.partition(":")[0]
        if document.doc_id == match.best_doc_id and kind in _EVIDENCE:
            return _EVIDENCE[kind], document.title
    best, hits = ("", ""), 0
    for document in documents:  # publications newest first
        kind = document.doc_id.partition(":")[0]
        if kind not in ("pub", "ip"):
            continue
        text = texts.get(document.doc_id, "")
        count = sum(1 for term in terms if occurs(term, text))
        if count > hits:
            best, hits = (_EVIDENCE[kind], document.title), count
    return best


def _researcher_view(
    profile: ResearcherProfile,
    match: Match,
    explain: Explain | None,
    documents: Sequence[Document],
) -> MatchView:
    terms, kind, title = (), "", ""
    if explain is not None:
        texts = _own_texts(documents)
        terms = explain(list(texts.values()), profile.keywords)[:SHOWN_TERMS]
        kind, title = _evidence_for(match, documents, texts, terms)
    institution = profile.user.institution
    return MatchView(
        "researcher", profile.id, profile.display_name,
        institution.name_vi if institution else "", match.score, terms, title, kind,
    )  # fmt: skip


def researcher_views(
    matches: list[Match], viewer: User | None, explain: Explain | None
) -> list[MatchView]:
    """Matched researchers who are active, and listed publicly unless ``viewer`` is signed in, each with
    the terms ``explain`` finds in their texts and the work that shows them (neither without ``explain``:
    their work is not read then)."""
    if not matches:
        return []
    ids = [corpus.split_id(m.candidate_id)[1] for m in matches]
    work = (
        ()
        if explain is None
        else (
            selectinload(ResearcherProfile.publications),
            selectinload(ResearcherProfile.ip_assets),
            selectinload(ResearcherProfile.field_rows),
        )
    )
    stmt = (
        sa.select(ResearcherProfile)
        .where(ResearcherProfile.id.in_(ids))
        .options(
            selectinload(ResearcherProfile.user).selectinload(User.institution), *work
        )
    )
    profiles = {p.id: p for p in db.session.scalars(stmt)}
    # The model may lag behind a change made this very moment: the database has the last word.
    shown = {
        pk: p
        for pk, p in profiles.items()
        if p.user.active and (p.public or signed_in(viewer))
    }
    documents = {} if explain is None else _own_documents(shown.values())
    return [
        _researcher_view(shown[pk], match, explain, documents.get(pk, ()))
        for match, pk in zip(matches, ids, strict=True)
        if pk in shown
    ]


def institution_views(
    matches: list[Match], viewer: User | None, explain: Explain
) -> list[MatchView]:
    """Matched institutions, explained by their best document; a visitor is not shown the work of
    researchers who are not listed, nor what it shares with the text."""
    if not matches:
        return []
    ids = [corpus.split_id(m.candidate_id)[1] for m in matches]
    institutions = {
        i.id: i
        for i in db.session.scalars(
            sa.select(Institution).where(Institution.id.in_(ids))
        )
    }
    best = _best_documents(matches)
    views = []
    for match, pk in zip(matches, ids, strict=True):
        institution = institutions.get(pk)
        if institution is None:
            continue
        kind, title, terms = "", "", ()
        document = best.get(match.best_doc_id)
        # A visitor does not see the work of researchers who are not listed.
        if document is not None and (document.owner.public or signed_in(viewer)):
            kind, title = document.kind, document.title
            terms = explain([document.text], document.owner.keywords)[:SHOWN_TERMS]
        views.append(
            MatchView(
                "institution",
                institution.slug,
                institution.name_vi,
                institution.short_name,
                match.score,
                terms,
                title,
                kind,
            )
        )
    return views


@dataclass(frozen=True)
class _TextKind:
    """How one kind of text (a ``matching_corpus.TEXT_SOURCES`` entry) is shown and to whom."""

    model: Any
    may_see: Callable[[User | None, Any], bool]  # the viewer may know it exists
    is_open: Callable[[Any], bool]  # a researcher may still take it up
    detail: Callable[[Any], str]  # who it belongs to
    status: Callable[[Any], str]
    # The parts of its text the viewer may read.
    text: Callable[[User | None, Any], tuple[str, ...]]


def _need_is_open(need: TechNeed) -> bool:
    return (
        need.status in OPEN_NEED_STATUSES
        and need.confidentiality != Confidentiality.PRIVATE
    )


def _order_text(viewer: User | None, order: ResearchOrder) -> tuple[str, ...]:
    if policy.is_staff(viewer):
        return (order.title, *(getattr(order, p) for p in policy.ORDER_TEXT_PARTS))
    return (order.title, *policy.public_order_text(order).values())


def _need_text(viewer: User | None, need: TechNeed) -> tuple[str, ...]:
    if policy.may_read_need_details(viewer, need):
        return (need.title, need.description, need.desired_outcome, need.targets)
    return (need.title,)


# Projects later: "project": _TextKind(Project, lambda _viewer, _row: True, lambda _row: False,
#     lambda p: p.institution.name_vi if p.institution else p.pi_display, lambda p: p.status.value).
_TEXT_KINDS = {
    "order": _TextKind(
        ResearchOrder, policy.may_view_order, lambda o: o.state == "published",
        lambda o: o.agency.name_vi, lambda o: o.state, _order_text,
    ),
    "need": _TextKind(
        TechNeed, policy.may_view_need, _need_is_open,
        lambda n: n.enterprise.name, lambda n: n.status.value, _need_text,
    ),
}  # fmt: skip


_TEXT_SOURCES = {source.kind: source for source in corpus.TEXT_SOURCES}


def text_views(
    matches: list[Match],
    viewer: User | None,
    explain: Explain,
    open_only: bool = False,
    full: bool = False,
    same_as: str = "",
    per_kind: int | None = None,
) -> list[TextView]:
    """Views of the matched texts ``viewer`` may see (and that are still open, if asked), best first,
    explained by their public text (``full``: the officials' full text, which the match was made on);
    those whose readable text has the ``levels.text_key`` ``same_as`` are marked identical. With
    ``per_kind``, at most that many of each kind (only those are explained)."""
    ids: dict[str, list[int]] = {}
    for match in matches:
        kind, pk = corpus.split_id(match.candidate_id)
        ids.setdefault(kind, []).append(pk)
    rows = {}
    for kind, spec in _TEXT_KINDS.items():
        found = db.session.scalars(
            sa.select(spec.model).where(spec.model.id.in_(ids.get(kind, [])))
        )
        rows |= {f"{kind}:{row.id}": row for row in found}
    views = []
    taken: dict[str, int] = {}
    for match in matches:
        row = rows.get(match.candidate_id)
        if row is None:
            continue
        kind, pk = corpus.split_id(match.candidate_id)
        spec = _TEXT_KINDS[kind]
        if per_kind is not None and taken.get(kind, 0) >= per_kind:
            continue
        if spec.may_see(viewer, row) and (spec.is_open(row) or not open_only):
            taken[kind] = taken.get(kind, 0) + 1
            source = _TEXT_SOURCES[kind]
            document = source.document(row) if full else source.public_document(row)
            terms = explain([corpus.own_text(document)], ())[:SHOWN_TERMS]
            views.append(
                TextView(
                    kind,
                    pk,
                    row.title,
                    spec.detail(row),
                    spec.status(row),
                    match.score,
                    terms,
                    bool(same_as)
                    and levels.text_key(*spec.text(viewer, row)) == same_as,
                )
            )
    return views
