"""What a similarity score means to a reader: levels of matched researchers and of similar texts.

A score is the cosine similarity (0 to 1) of the weighted words of two texts; for a researcher, the mean over
their best documents. It is not a percentage of fit: the best genuine match of a need often scores 0.1-0.3,
because a researcher's documents speak of much more than one need. People are shown a level; the number comes
with it as a detail. The thresholds are calibrated on the demo data (README, *Matching*):

- researchers: the researcher who leads the demo proposal built for each order scores 0.087-0.349 (every one
  at least 0.08, 11 of 18 at least 0.15); no competing applicant reaches 0.15, and 3% of the other researchers
  listed do, mostly ones working on the same topic;
- duplicates: the demo orders written from an enterprise's need score 0.25-0.67 against that need (18 of 20
  at least 0.40), while 98% of the other order and need pairs score below 0.20 and none reaches 0.40.

The expertise gold standard (English abstracts, 20-paper profiles) ranks well with the same engine but sits on
another scale (its experts' median is 0.027), so absolute thresholds are taken from the demo data only.
"""

from __future__ import annotations

import enum
import unicodedata

from flask_babel import lazy_gettext as _l

STRONG_MATCH_SCORE = 0.15
GOOD_MATCH_SCORE = 0.08
VERY_SIMILAR_SCORE = 0.40
# Below this, a text shares a topic's common words with the draft, not its problem: not a duplicate.
SIMILAR_SCORE = 0.20


class Level(enum.Enum):
    """A level shown instead of a bare score; the value names its CSS class."""

    STRONG = "strong"
    GOOD = "good"
    RELATED = "related"
    IDENTICAL = "identical"
    VERY_SIMILAR = "very-similar"
    SIMILAR = "similar"

    @property
    def label(self) -> str:
        return str(_LABELS[self])

    @property
    def badge(self) -> str:
        """The Bootstrap badge classes of the level: the stronger, the more it stands out."""
        return _BADGES[self]


_LABELS = {
    Level.STRONG: _l("Strong match"),
    Level.GOOD: _l("Good match"),
    Level.RELATED: _l("Related"),
    Level.IDENTICAL: _l("Identical"),
    Level.VERY_SIMILAR: _l("Very similar"),
    Level.SIMILAR: _l("Similar"),
}
_BADGES = {
    Level.STRONG: "text-bg-success",
    Level.GOOD: "text-bg-primary",
    Level.RELATED: "text-bg-light border",
    Level.IDENTICAL: "text-bg-danger",
    Level.VERY_SIMILAR: "text-bg-warning",
    Level.SIMILAR: "text-bg-light border",
}


def match_level(score: float) -> Level:
    """How well a researcher, an institution or an open text fits: strong, good or related."""
    if score >= STRONG_MATCH_SCORE:
        return Level.STRONG
    if score >= GOOD_MATCH_SCORE:
        return Level.GOOD
    return Level.RELATED


def duplicate_level(score: float, identical: bool = False) -> Level:
    """How close an existing text is to a draft: identical, very similar or similar."""
    if identical:
        return Level.IDENTICAL
    if score >= VERY_SIMILAR_SCORE:
        return Level.VERY_SIMILAR
    return Level.SIMILAR


def text_key(*parts: str | None) -> str:
    """The text of ``parts`` as compared for identity: NFC, case-folded, runs of whitespace as one space."""
    text = " ".join(part for part in parts if part)
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())
