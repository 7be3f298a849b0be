"""What a viewer is shown of matches: researchers, institutions, orders and needs, each with why it matched.

The database has the last word here: a match the model still holds for a researcher deactivated a moment
ago, or for a need that became private, is dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from matchmaker.extensions import db
from matchmaker.matching import Match, fold
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


@dataclass(frozen=True)
class MatchView:
    """One matched researcher or institution, with why it matched."""

    kind: str  # "researcher" or "institution"
    key: int | str  # the profile id, or the institution's slug
    name: str
    detail: str  # a researcher's institution, an institution's short name
    score: float
    terms: tuple[str, ...]  # shared terms, as written in the query
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


def why(terms: Iterable[str]) -> tuple[str, ...]:
    """The shared terms worth showing: not field names, not bare numbers."""
    return tuple(t for t in terms if not corpus.is_label_term(t))


def signed_in(viewer: User | None) -> bool:
    """A signed-in user (``None`` and Flask-Login's anonymous user are not)."""
    return viewer is not None and viewer.is_authenticated


def _evidence(
    matches: Iterable[Match],
) -> dict[str, tuple[str, str, ResearcherProfile | None]]:
    """Best document id → (kind, title, owner) for publications, IP assets, projects and results."""
    wanted: dict[str, set[int]] = {
        "pub": set(),
        "ip": set(),
        "project": set(),
        "result": set(),
    }
    for match in matches:
        kind, _, pk = match.best_doc_id.partition(":")
        if kind in wanted and pk.isdigit():
            wanted[kind].add(int(pk))
    found: dict[str, tuple[str, str, ResearcherProfile | None]] = {}
    for kind, model, label in (
        ("pub", Publication, "publication"),
        ("ip", IPAsset, "ip"),
    ):
        rows = db.session.scalars(
            sa.select(model)
            .where(model.id.in_(wanted[kind]))
            .options(selectinload(model.researcher))
        )
        found |= {
            f"{kind}:{row.id}": (label, row.title, row.researcher) for row in rows
        }
    return found | _work_evidence(wanted["project"], wanted["result"])


def _work_evidence(
    project_ids: set[int], result_ids: set[int]
) -> dict[str, tuple[str, str, ResearcherProfile | None]]:
    """Document id → (kind, title, owner) for projects and registered results; the owner is the principal
    investigator's profile."""
    rows = db.session.execute(
        sa.select(Project.id, Project.title, Project.pi_id).where(
            Project.id.in_(project_ids)
        )
    ).all()
    results = db.session.execute(
        sa.select(ResultRecord.id, ResultRecord.product, ResearchOrder.pi_id)
        .join(ResearchOrder, ResearchOrder.id == ResultRecord.order_id)
        .where(ResultRecord.id.in_(result_ids))
    ).all()
    owners = {
        p.user_id: p
        for p in db.session.scalars(
            sa.select(ResearcherProfile).where(
                ResearcherProfile.user_id.in_({r.pi_id for r in [*rows, *results]})
            )
        )
    }
    found = {
        f"project:{pk}": ("project", title, owners.get(pi)) for pk, title, pi in rows
    }
    return found | {
        f"result:{pk}": ("result", title, owners.get(pi)) for pk, title, pi in results
    }


def _best_publication(profile: ResearcherProfile, terms: Iterable[str]) -> str:
    """The publication mentioning most of the shared terms (the newest on a tie), or ``""``."""
    folded = [fold(t).lower() for t in terms]
    best, hits = "", 0
    for publication in profile.publications:  # newest first
        text = fold(f"{publication.title} {publication.abstract}").lower()
        count = sum(1 for term in folded if term in text)
        if count > hits:
            best, hits = publication.title, count
    return best


def _researcher_view(profile: ResearcherProfile, match: Match, evidence) -> MatchView:
    terms = why(match.top_terms)
    kind, title, _owner = evidence.get(match.best_doc_id, ("", "", None))
    if not title:
        # The profile itself matched best: point to the publication that shares most of its terms.
        title = _best_publication(profile, terms)
        kind = "publication" if title else ""
    institution = profile.user.institution
    return MatchView(
        "researcher", profile.id, profile.display_name,
        institution.name_vi if institution else "", match.score, terms[:SHOWN_TERMS], title, kind,
    )  # fmt: skip


def researcher_views(matches: list[Match], viewer: User | None) -> list[MatchView]:
    """Matched researchers who are active, and listed publicly unless ``viewer`` is signed in."""
    ids = [corpus.split_id(m.candidate_id)[1] for m in matches]
    stmt = (
        sa.select(ResearcherProfile)
        .where(ResearcherProfile.id.in_(ids))
        .options(
            selectinload(ResearcherProfile.user).selectinload(User.institution),
            selectinload(ResearcherProfile.publications),
        )
    )
    profiles = {p.id: p for p in db.session.scalars(stmt)}
    evidence = _evidence(matches)
    views = []
    for match, pk in zip(matches, ids, strict=True):
        profile = profiles.get(pk)
        # The model may lag behind a change made this very moment: the database has the last word.
        if profile is None or not profile.user.active:
            continue
        if profile.public or signed_in(viewer):
            views.append(_researcher_view(profile, match, evidence))
    return views


def institution_views(matches: list[Match], viewer: User | None) -> list[MatchView]:
    """Matched institutions; a visitor is not shown the work of researchers who are not listed."""
    ids = [corpus.split_id(m.candidate_id)[1] for m in matches]
    institutions = {
        i.id: i
        for i in db.session.scalars(
            sa.select(Institution).where(Institution.id.in_(ids))
        )
    }
    evidence = _evidence(matches)
    views = []
    for match, pk in zip(matches, ids, strict=True):
        institution = institutions.get(pk)
        if institution is None:
            continue
        kind, title, owner = evidence.get(match.best_doc_id, ("", "", None))
        if owner is not None and not (owner.public or signed_in(viewer)):
            # A visitor does not see the work of researchers who are not listed.
            kind, title = "", ""
        terms = why(match.top_terms)[:SHOWN_TERMS]
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


def text_views(
    matches: list[Match],
    viewer: User | None,
    open_only: bool = False,
    same_as: str = "",
) -> list[TextView]:
    """Views of the matched texts ``viewer`` may see (and that are still open, if asked), best first;
    those whose readable text has the ``levels.text_key`` ``same_as`` are marked identical."""
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
    for match in matches:
        row = rows.get(match.candidate_id)
        if row is None:
            continue
        kind, pk = corpus.split_id(match.candidate_id)
        spec = _TEXT_KINDS[kind]
        if spec.may_see(viewer, row) and (spec.is_open(row) or not open_only):
            terms = why(match.top_terms)[:SHOWN_TERMS]
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
