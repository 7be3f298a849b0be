"""Researchers matched to a text: the researcher's public profile, the score, its level and why it matched."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from matchmaker.models import ResearcherProfile, User
from matchmaker.services.matching.display import MatchView
from matchmaker.services.serialise.common import Record
from matchmaker.services.serialise.people import Researcher, researcher


class Evidence(Record):
    """The researcher's work that fits the text best."""

    kind: Literal["publication", "ip", "project", "result"] = Field(
        description="publication, ip (a patent, utility solution, plant variety or copyright), project or "
        "result (a registered result of a city order)."
    )
    title: str


class ResearcherMatch(Record):
    """One matched researcher, as the website's match lists show them."""

    researcher: Researcher
    score: float = Field(
        ge=0,
        le=1,
        description="Cosine similarity of the weighted words (not a percentage of fit; see ``level``).",
    )
    level: Literal["strong", "good", "related"] = Field(
        description="strong (score ≥ 0.15), good (≥ 0.08) or related: what the website shows."
    )
    level_label: str = Field(
        description="The level as the website words it, in the caller's language."
    )
    terms: list[str] = Field(
        description="Words and phrases the text and the researcher's work share."
    )
    evidence: Evidence | None = Field(
        description="The publication, IP asset, project or result that fits best (null: the profile itself)."
    )


class ResearcherMatches(Record):
    """The researchers who fit a text best, best first."""

    items: list[ResearcherMatch]
    total: int = Field(ge=0, description="Researchers listed (at most ``k``).")


def researcher_match(
    view: MatchView, row: ResearcherProfile, viewer: User | None
) -> ResearcherMatch:
    """``view`` of the researcher ``row``, whose profile is read as ``viewer`` may read it (``LookupError``
    for a profile ``viewer`` may not see)."""
    return ResearcherMatch(
        researcher=researcher(row, viewer), score=round(min(max(view.score, 0.0), 1.0), 4),
        level=view.level.value, level_label=view.level.label, terms=list(view.terms),
        evidence=Evidence(kind=view.evidence_kind, title=view.evidence) if view.evidence_kind else None,
    )  # fmt: skip
