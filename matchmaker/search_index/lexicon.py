"""The matching lexicon as search uses it: stop words and equivalent forms of query phrases."""

# Search and matching share one lexicon (matchmaker/matching/data): the same stop words, and the
# abbreviations and synonym groups as classes of equivalent phrases. Every member of a class finds
# the others, in both directions ("ĐBSCL" ↔ "đồng bằng sông Cửu Long" ↔ "Mekong Delta"), at any
# length and with or without accents (classes are keyed by folded syllables).

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence

from matchmaker.matching import Lexicon
from matchmaker.matching.text import Token

from .analysis import WORD_RE, fold_word, prepare

Key = tuple[str, ...]


def _syllables(text: str) -> Key:
    return tuple(WORD_RE.findall(prepare(text)))


def _key(syllables: Iterable[str]) -> Key:
    return tuple(fold_word(s) for s in syllables)


def is_term(word: str) -> bool:
    """Whether a word as typed is an acronym or code (``AI``, ``IoT``, ``5G``), never a stop word."""
    rest = word[1:]
    return rest != rest.lower() or not word.isalpha()


class QueryLexicon:
    """Stop words and equivalent phrase forms for parsing queries, built from a matching lexicon."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        classes: list[dict[Key, Key]] = []
        owner: dict[Key, int] = {}

        def join(forms: Sequence[str]) -> None:
            members = {_key(s): s for s in map(_syllables, forms) if s}
            found = sorted({owner[k] for k in members if k in owner})
            target = found[0] if found else len(classes)
            if not found:
                classes.append({})
            for other in found[1:]:  # a form shared by two classes merges them
                members.update(classes[other])
                classes[other] = {}
            for key, form in members.items():
                classes[target].setdefault(key, form)
                owner[key] = target

        for short, expansion in lexicon.abbreviations.items():
            join([short, " ".join(expansion)])
        for variants in lexicon.groups.values():
            join(variants)
        self._forms = {
            key: tuple(form for other, form in classes[i].items() if other != key)
            for key, i in owner.items()
        }
        self.longest = max((len(key) for key in self._forms), default=1)

    def alternatives(self, syllables: Sequence[str]) -> tuple[Key, ...]:
        """Other forms of a phrase (prepared syllables): its abbreviation, expansion or synonyms."""
        return self._forms.get(_key(syllables), ())

    def is_stop(self, word: str, vietnamese: bool) -> bool:
        """Whether a query word as typed carries no meaning on its own (the lexicon's rule).

        One exception for queries typed without diacritics: there a stop word that is also a form the
        lexicon knows on its own ("ai" = who, but also "AI") is read as that form. Whoever skips accents
        skips capitals too ("ai nong nghiep"), and partial matching still finds the rest if they meant
        "who". With accents, a lower-case "ai" stays "who"; "AI" in capitals is always the acronym.
        """
        token = Token(prepare(word), is_term(word))
        if not vietnamese and (token.text,) in self._forms:
            return False
        return self.lexicon.is_stop(token, vietnamese)

    def is_vietnamese(self, words: Iterable[str]) -> bool:
        """Whether meaningful words are accented, so English stop words ("an", "to") are syllables."""
        return any(
            not word.isascii()
            for word in words
            if not self.is_stop(word, vietnamese=True)
        )


@functools.cache
def shipped() -> QueryLexicon:
    """The query lexicon of the shipped data files (loaded once)."""
    return QueryLexicon(Lexicon.load())
