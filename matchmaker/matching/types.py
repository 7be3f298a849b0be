"""Frozen value types exchanged with the matching library."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field


class NotFittedError(RuntimeError):
    """Raised when a matcher is used before :meth:`fit`."""


@dataclass(frozen=True)
class Document:
    """One text of a candidate: its profile or one publication.

    Parameters
    ----------
    doc_id : str
        Identifier unique within one matcher, e.g. ``"pub:42"`` or ``"profile:7"``.
    title, keywords, body : str
        Text fields; each is weighted by the matcher's ``field_weights``.
    """

    doc_id: str
    title: str = ""
    keywords: str = ""
    body: str = ""


@dataclass(frozen=True)
class CandidateMeta:
    """Facts used by query filters."""

    fields: frozenset[str] = frozenset()
    institution_id: str | None = None
    institution_kind: str | None = None
    available: bool = True
    public: bool = True


@dataclass(frozen=True)
class Candidate:
    """A researcher (or an institution) with its documents and metadata."""

    candidate_id: str
    documents: tuple[Document, ...]
    meta: CandidateMeta = field(default_factory=CandidateMeta)

    @classmethod
    def merge(
        cls, candidate_id: str, members: Iterable[Candidate], meta: CandidateMeta
    ) -> Candidate:
        """Build an institution as the sum of its members' documents; a document several members share
        (a project one leads and another joined) is counted once.

        Parameters
        ----------
        candidate_id : str
            The institution's id.
        members : iterable of Candidate
            Its researchers.
        meta : CandidateMeta
            The institution's own metadata.

        Returns
        -------
        Candidate
        """
        docs: dict[str, Document] = {}
        for member in members:
            for doc in member.documents:
                docs.setdefault(doc.doc_id, doc)
        return cls(candidate_id, tuple(docs.values()), meta)


@dataclass(frozen=True)
class QueryFilter:
    """Constraints applied to candidates at query time; ``None`` means no constraint.

    Parameters
    ----------
    fields : frozenset of str, optional
        Keep candidates working in at least one of these research fields.
    institution_kinds : frozenset of str, optional
        Keep candidates whose institution is of one of these kinds.
    available_only, public_only : bool
        Keep only available candidates / candidates who chose to be listed publicly.
    exclude_ids : frozenset of str
        Candidate ids never returned (conflicts of interest).
    max_per_institution : int, optional
        Diversity: at most this many candidates of one institution in the result.
    """

    fields: frozenset[str] | None = None
    institution_kinds: frozenset[str] | None = None
    available_only: bool = False
    public_only: bool = False
    exclude_ids: frozenset[str] = frozenset()
    max_per_institution: int | None = None


@dataclass(frozen=True)
class Match:
    """One ranked candidate for a query.

    Parameters
    ----------
    candidate_id : str
        The candidate.
    score : float
        Aggregated cosine similarity in [0, 1].
    top_terms : tuple of str
        The query terms that contributed most, in their accented original form.
    best_doc_id : str
        The document (e.g. publication) most similar to the query.
    """

    candidate_id: str
    score: float
    top_terms: tuple[str, ...]
    best_doc_id: str


Pairs = Sequence[tuple[str, str]]
