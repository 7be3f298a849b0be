"""Matching use cases: who fits an order, a need or a project, what a researcher may take up, and which
existing texts a draft duplicates. The glue between the database and ``matchmaker.matching``.

Privacy: a visitor who is not signed in only ever gets researchers who chose public listing; the text matched
for a viewer is only the text that viewer may read (a need's summary, an order's public parts), so neither the
shared terms nor the ranking reveal what is hidden.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from matchmaker.extensions import db
from matchmaker.matching import Document, Match, QueryFilter, TfidfMatcher, normalise
from matchmaker.models import (
    InstitutionKind,
    Proposal,
    ProposalMember,
    ProposalStatus,
    ResearcherProfile,
    ResearchOrder,
    TechNeed,
    User,
)
from matchmaker.services import policy, reference
from matchmaker.services.matching import corpus, display, levels
from matchmaker.services.matching import model as matching_model
from matchmaker.services.matching.display import Matches, MatchView, TextView

__all__ = [
    "DUPLICATE_MIN_SCORE",
    "FilterChoices",
    "Matches",
    "MatchOptions",
    "MatchView",
    "Recommendations",
    "TextView",
    "conflicted_profile_ids",
    "duplicates_for_text",
    "explainer",
    "filter_choices",
    "matches_for_need",
    "matches_for_order",
    "matches_for_text",
    "recommendations_for",
    "refit",
    "wait_for_refit",
]

# Below this similarity a text is not a duplicate (``levels``), or not worth a recommendation.
DUPLICATE_MIN_SCORE = levels.SIMILAR_SCORE
RECOMMENDATION_MIN_SCORE = 0.1
# Researchers and institutions scoring below this share only a stray syllable or two with the text.
MATCH_MIN_SCORE = 0.03
# Texts read from the model before the viewer's visibility rules leave the best ``k``.
_TEXT_POOL = 50
PER_INSTITUTION_CHOICES = (1, 2, 3)
KIND_LABELS = {
    InstitutionKind.UNIVERSITY: _l("University"),
    InstitutionKind.INSTITUTE: _l("Research institute"),
    InstitutionKind.AGENCY: _l("City agency"),
}


@dataclass(frozen=True)
class MatchOptions:
    """The viewer's filters on a match list; empty values mean no filter."""

    # A group ("1") or a sub-field ("105") of the national classification.
    field_code: str = ""
    institution_kind: str = ""
    available_only: bool = False
    public_only: bool = False
    # Diversity: at most this many researchers of one institution.
    max_per_institution: int | None = None
    # Conflicts of interest: researchers never proposed.
    exclude_profile_ids: frozenset[int] = frozenset()

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> MatchOptions:
        """Options from a filter form's GET parameters; unknown values are ignored."""
        field_code = args.get("match_field", "")
        kind = args.get("match_kind", "")
        per = args.get("match_per_institution", "")
        return cls(
            field_code=field_code if field_code in reference.science_fields() else "",
            institution_kind=kind if kind in {k.value for k in InstitutionKind} else "",
            available_only=args.get("match_available") == "1",
            public_only=args.get("match_public") == "1",
            max_per_institution=(
                int(per)
                if per.isdigit() and int(per) in PER_INSTITUTION_CHOICES
                else None
            ),
        )


@dataclass(frozen=True)
class FilterChoices:
    """What a match filter form offers."""

    fields: list[tuple[str, str]]
    kinds: list[tuple[str, str]]
    per_institution: tuple[int, ...] = PER_INSTITUTION_CHOICES


def filter_choices() -> FilterChoices:
    """Research fields (groups, then their sub-fields) and institution kinds, labelled."""
    fields = [
        (
            f.code,
            f"{f.code} · {f.name()}"
            if f.parent is None
            else f"— {f.code} · {f.name()}",
        )
        for f in reference.science_fields().values()
    ]
    return FilterChoices(
        fields, [(k.value, str(label)) for k, label in KIND_LABELS.items()]
    )


@dataclass(frozen=True)
class Recommendations:
    """What a researcher could take up: open calls and open needs."""

    orders: list[TextView] = field(default_factory=list)
    needs: list[TextView] = field(default_factory=list)


def _query_filter(options: MatchOptions, viewer: User | None) -> QueryFilter:
    return QueryFilter(
        fields=frozenset({options.field_code}) if options.field_code else None,
        institution_kinds=frozenset({options.institution_kind})
        if options.institution_kind
        else None,
        available_only=options.available_only,
        public_only=options.public_only or not display.signed_in(viewer),
        exclude_ids=frozenset(
            corpus.researcher_id(pk) for pk in options.exclude_profile_ids
        ),
        max_per_institution=options.max_per_institution,
    )


def _as_document(text: str | Document, title: str = "") -> Document:
    if isinstance(text, Document):
        return text
    return Document("", title=normalise(title), body=normalise(text))


def _is_blank(document: Document) -> bool:
    return not (document.title + document.keywords + document.body).strip()


def matches_for_text(
    text: str | Document,
    viewer: User | None,
    options: MatchOptions | None = None,
    k: int = 10,
    *,
    institutions: bool = True,
    explained: bool = True,
) -> Matches:
    """Best researchers (``k``) and institutions (``k // 2``) for a text, as ``viewer`` may see them.

    A summary that shows only names and levels (a home page) asks for no ``institutions`` and nothing
    ``explained``: neither the institutions' query nor the researchers' work is read then.

    A list is built once for the model as it is (``matching_model.remember``): the next viewer of the same
    text, with the same options and signed in or not alike, gets it without a query, until a change
    reaches the model (this process's own at once, another's within ``MATCHING_PROBE_SECONDS``).
    """
    options = options or MatchOptions()
    query = _as_document(text)
    if _is_blank(query):
        return Matches()
    where = _query_filter(options, viewer)
    institution_where = QueryFilter(
        fields=where.fields,
        institution_kinds=where.institution_kinds,
        available_only=where.available_only,
    )
    # Everything the list depends on besides the model and the database (whose changes move the
    # model's generation): what a visitor sees differs from what a signed-in user sees.
    key = (
        "matches",
        query,
        options,
        display.signed_in(viewer),
        k,
        institutions,
        explained,
    )
    with matching_model.serving() as model:
        found = matching_model.recall(key)
        if found is not None:
            return _copy(found)
        generation = matching_model.generation()
        people = _query(model, "researchers", query, k, where)
        places = (
            _query(model, "institutions", query, max(k // 2, 1), institution_where)
            if institutions
            else []
        )
        explain = _explainer(model, "researchers", query) if explained else None
    found = Matches(
        display.researcher_views(_strong(people), viewer, explain),
        display.institution_views(_strong(places), viewer, explain or _unexplained),
    )
    matching_model.remember(key, found, generation)
    return _copy(found)


def _copy(found: Matches) -> Matches:
    """A list of its own for the caller (the views themselves are frozen)."""
    return Matches(list(found.researchers), list(found.institutions))


def _unexplained(_texts: Sequence[str], _words: Sequence[str]) -> tuple[str, ...]:
    return ()


def _strong(matches: list[Match]) -> list[Match]:
    return [m for m in matches if m.score >= MATCH_MIN_SCORE]


def matches_for_need(
    need: TechNeed,
    viewer: User | None,
    options: MatchOptions | None = None,
    k: int = 10,
    **parts: bool,
) -> Matches:
    """Who fits a need; matched on the part of the need ``viewer`` may read (``parts``: what
    :func:`matches_for_text` leaves out)."""
    document = corpus.need_document(
        need, full=policy.may_read_need_details(viewer, need)
    )
    return matches_for_text(document, viewer, options, k, **parts)


def matches_for_order(
    order: ResearchOrder,
    viewer: User | None,
    k: int = 10,
    options: MatchOptions | None = None,
) -> Matches:
    """Who fits an order; matched on its public text unless ``viewer`` is a city official."""
    document = corpus.order_document(order, full=policy.is_staff(viewer))
    return matches_for_text(document, viewer, options, k)


def _texts_for(viewer: User | None) -> str:
    """The texts matcher that may serve ``viewer``: the officials' full one, or the public one."""
    return "staff_texts" if policy.is_staff(viewer) else "texts"


def _query(
    model: matching_model.Model, group: str, query: Document, k: int, where: QueryFilter
) -> list[Match]:
    matcher = model.groups[group].matcher
    return matcher.query(query, k=k, where=where) if matcher is not None else []


def _explainer(
    model: matching_model.Model, group: str, query: Document
) -> display.Explain:
    """What a candidate's texts share with the query's own text, weighed by ``group``'s matcher."""
    matcher = model.groups[group].matcher
    return explainer(matcher, query)


def explainer(matcher: TfidfMatcher | None, query: Document) -> display.Explain:
    """What a candidate's texts share with the query's own text (nothing without a fitted matcher)."""
    if matcher is None:
        return _unexplained
    terms = matcher.explainer(corpus.own_text(query))

    def explain(texts: Sequence[str], words: Sequence[str]) -> tuple[str, ...]:
        return terms.shared(texts, words, display.SHOWN_TERMS)

    return explain


def duplicates_for_text(
    text: str | Document,
    exclude_order_id: int | None = None,
    *,
    title: str = "",
    viewer: User | None = None,
    exclude_need_id: int | None = None,
    k: int = 5,
    min_score: float = DUPLICATE_MIN_SCORE,
) -> list[TextView]:
    """Existing orders and needs most similar to a draft (``title`` weighs as a title), among those
    ``viewer`` may see; without a viewer, only what everyone may see. The draft itself is left out by id.
    Anyone but a city official is matched against public text only, so internal words never score.
    A text identical to the draft in all ``viewer`` may read of it is marked so and comes first."""
    query = _as_document(text, title)
    if _is_blank(query):
        return []
    exclude = {f"order:{exclude_order_id}", f"need:{exclude_need_id}"}
    group = _texts_for(viewer)
    with matching_model.serving() as model:
        found = _query(
            model, group, query, _TEXT_POOL, QueryFilter(exclude_ids=frozenset(exclude))
        )
        explain = _explainer(model, group, query)
    same_as = levels.text_key(query.title, query.body)
    views = display.text_views(
        found, viewer, explain, full=group == "staff_texts", same_as=same_as
    )
    views = [v for v in views if v.identical or v.score >= min_score]
    return sorted(views, key=lambda v: not v.identical)[:k]


def _profile_query(profile: ResearcherProfile) -> Document:
    """What a researcher works on, as a query: publication titles, keywords and fields, summary."""
    own = corpus.profile_document(profile)
    titles = "\n".join(p.title for p in profile.publications[:20])
    return Document(
        "", title=titles, keywords=own.keywords, body=_join(own.title, own.body)
    )


def _join(*parts: str) -> str:
    return "\n".join(p for p in parts if p)


def recommendations_for(user: User, k: int = 5) -> Recommendations:
    """Published orders (open calls) and open needs that fit a researcher's profile."""
    profile = db.session.scalar(
        sa.select(ResearcherProfile)
        .where(ResearcherProfile.user_id == user.id)
        .options(
            selectinload(ResearcherProfile.publications),
            selectinload(ResearcherProfile.field_rows),
        )
    )
    if profile is None:
        return Recommendations()
    query = _profile_query(profile)
    if _is_blank(query):
        return Recommendations()
    with matching_model.serving() as model:
        found = _query(model, "texts", query, _TEXT_POOL, QueryFilter())
        explain = _explainer(model, "texts", query)
    found = [m for m in found if m.score >= RECOMMENDATION_MIN_SCORE]
    views = display.text_views(found, user, explain, open_only=True, per_kind=k)
    return Recommendations(
        [v for v in views if v.kind == "order"],
        [v for v in views if v.kind == "need"],
    )


def refit(progress: matching_model.Progress | None = None) -> dict[str, int]:
    """Refit the matching model from the database now (``matchmaker match rebuild``; a queue job later);
    how many candidates each matcher holds."""
    model = matching_model.refit(progress)
    return {name: len(group.present) for name, group in model.groups.items()}


def wait_for_refit(app, timeout: float | None = None) -> bool:
    """Wait for this process's background refit, if one runs; ``True`` once none is running."""
    return matching_model.wait_for_refit(app, timeout)


def conflicted_profile_ids(order: ResearchOrder) -> frozenset[int]:
    """Researchers in conflict with the order's proposals: the applicants, their teams, and the researchers
    of the applicants' institutions (the council rules of ``services.councils``, without co-authorship)."""
    active = sa.select(Proposal.id).where(
        Proposal.order_id == order.id, Proposal.status != ProposalStatus.WITHDRAWN
    )
    people = set(
        db.session.scalars(sa.select(Proposal.pi_id).where(Proposal.id.in_(active)))
    )
    people |= set(
        db.session.scalars(
            sa.select(ProposalMember.user_id).where(
                ProposalMember.proposal_id.in_(active)
            )
        )
    )
    places = set(
        db.session.scalars(
            sa.select(Proposal.institution_id).where(Proposal.id.in_(active))
        )
    )
    places |= set(
        db.session.scalars(
            sa.select(ProposalMember.institution_id).where(
                ProposalMember.proposal_id.in_(active)
            )
        )
    )
    places |= set(
        db.session.scalars(sa.select(User.institution_id).where(User.id.in_(people)))
    )
    return _profile_ids(people, places - {None})


def _profile_ids(
    user_ids: Collection[int], institution_ids: Collection[int]
) -> frozenset[int]:
    stmt = (
        sa.select(ResearcherProfile.id)
        .join(ResearcherProfile.user)
        .where(
            sa.or_(
                User.id.in_(list(user_ids)),
                User.institution_id.in_(list(institution_ids)),
            )
        )
    )
    return frozenset(db.session.scalars(stmt))
