"""Turn a text into weighted-matching features: words, bigrams, loose (accent-folded) forms and concepts."""

from __future__ import annotations

from dataclasses import dataclass, field

from matchmaker.matching.lexicon import Lexicon
from matchmaker.matching.text import loose, tokenise

LOOSE = "~"
CONCEPT = "#"


def is_loose(feature: str) -> bool:
    """Whether ``feature`` is an accent-folded form."""
    return feature.startswith(LOOSE)


def is_concept(feature: str) -> bool:
    """Whether ``feature`` names a synonym group."""
    return feature.startswith(CONCEPT)


def is_bigram(feature: str) -> bool:
    """Whether ``feature`` spans two words."""
    return " " in feature and not is_concept(feature)


@dataclass(frozen=True)
class Analyzer:
    """Callable that lists a text's features, repeated as often as they occur.

    Exact features are lower-case NFC words and word pairs (``"công nghệ"``); loose ones carry a ``~``
    prefix and no accents (``"~cong nghe"``) so a text typed without diacritics still matches;
    ``#name`` marks a synonym group.
    """

    lexicon: Lexicon = field(default_factory=Lexicon.load)
    bigrams: bool = True
    folding: bool = True

    def __call__(self, text: str) -> list[str]:
        features: list[str] = []
        for raw in tokenise(text):
            phrase = self.lexicon.expand_abbreviations(raw)
            features.extend(
                CONCEPT + name for name, _, _ in self.lexicon.concepts(phrase)
            )
            vietnamese = any(not token.text.isascii() for token in phrase)
            words = [t.text for t in phrase if not self.lexicon.is_stop(t, vietnamese)]
            features.extend(words)
            if self.bigrams:
                features.extend(
                    f"{a} {b}" for a, b in zip(words, words[1:], strict=False)
                )
            if self.folding:
                folded = [LOOSE + loose(word) for word in words]
                features.extend(folded)
                if self.bigrams:
                    features.extend(
                        f"{a} {b[1:]}" for a, b in zip(folded, folded[1:], strict=False)
                    )
        return features
