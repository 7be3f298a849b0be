"""A forgiving parser for user queries: words, "phrases", prefixes, exclusions, facet filters."""

# The syntax is small on purpose: bare words, "quoted phrases", word* for a prefix, -word to
# exclude, and facet:value for the whitelisted facets only. Anything else (unbalanced quotes or
# parentheses, unknown field: prefixes, control characters, overlong input) degrades to plain
# words; parsing never raises.

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from .analysis import WORD_RE, fold_word, prepare
from .documents import FACETS
from .lexicon import QueryLexicon, shipped

MAX_QUERY_CHARS = 300
MAX_UNITS = 16
EXPANSION_BOOST = 0.8

_TOKEN_RE = re.compile(
    r'(?P<neg>-)?(?:(?P<fname>[A-Za-z_]+):(?:"(?P<fqval>[^"]*)"?|(?P<fval>[^\s"]*))'
    r'|"(?P<phrase>[^"]*)"?|(?P<word>[^\s"]+))'
)


@dataclass(frozen=True)
class Unit:
    """One searchable unit: a syllable, a phrase or a prefix, possibly with alternative forms."""

    words: tuple[str, ...]
    prefix: bool = False
    negated: bool = False
    alternatives: tuple[tuple[str, ...], ...] = ()

    @property
    def label(self) -> str:
        """The unit as shown to users: its words, a prefix with its star."""
        return " ".join(self.words) + ("*" if self.prefix else "")


@dataclass
class ParsedQuery:
    """The meaningful parts of a user query."""

    text: str
    units: list[Unit] = field(default_factory=list)
    filters: dict[str, list[str]] = field(default_factory=dict)
    truncated: bool = False
    pairs: list[str] = field(default_factory=list)

    @property
    def positive(self) -> list[Unit]:
        """Units that must match."""
        return [unit for unit in self.units if not unit.negated]

    @property
    def is_empty(self) -> bool:
        """Tell whether nothing searchable is left (blank, stop words or exclusions only)."""
        return not self.positive


def clean(raw: str) -> tuple[str, bool]:
    """Return NFC text without control characters, cut to :data:`MAX_QUERY_CHARS`, and if it was cut."""
    text = unicodedata.normalize("NFC", raw or "")
    text = "".join(
        " " if unicodedata.category(ch)[0] == "C" else ch
        for ch in text[: MAX_QUERY_CHARS * 4]
    )
    text = " ".join(text.split())
    truncated = len(text) > MAX_QUERY_CHARS
    if truncated:
        text = text[:MAX_QUERY_CHARS].rsplit(" ", 1)[0]
    return text, truncated


def parse(raw: str, lexicon: QueryLexicon | None = None) -> ParsedQuery:
    """Parse a user query; never raises.

    Stop words are the matching lexicon's; ``lexicon`` also gives each phrase it knows its other
    forms (abbreviation, expansion, synonyms). Without one, the shipped stop words and no expansion.
    """
    text, truncated = clean(raw)
    parsed = ParsedQuery(text=text, truncated=truncated)
    tokens = list(_TOKEN_RE.finditer(text))
    query = _Query(lexicon, _is_vietnamese(tokens, lexicon or shipped()))
    bare: list[str] = []
    for match in tokens:
        negated = bool(match.group("neg"))
        fname, phrase, word = (
            match.group("fname"),
            match.group("phrase"),
            match.group("word"),
        )
        if fname is not None:
            value = (
                match.group("fqval")
                if match.group("fqval") is not None
                else match.group("fval")
            )
            if fname.lower() in FACETS:
                if value.strip():
                    parsed.filters.setdefault(fname.lower(), []).append(value.strip())
                continue
            word = value  # not a field users may name: search the value as plain words
        if phrase is not None or negated or (word or "").endswith("*"):
            query.bare(bare, parsed)
            bare = []
            parsed.units.extend(query.special(phrase, word, negated))
        else:
            bare.extend(WORD_RE.findall(word or ""))
    query.bare(bare, parsed)
    parsed.units = parsed.units[:MAX_UNITS]
    return parsed


def _is_vietnamese(tokens: list[re.Match[str]], lexicon: QueryLexicon) -> bool:
    typed = [
        w for m in tokens for w in WORD_RE.findall(m.group(0)) if not m.group("fname")
    ]
    return lexicon.is_vietnamese(typed)


@dataclass(frozen=True)
class _Query:
    """What parsing one query needs: the lexicon (if any) and the query's language."""

    lexicon: QueryLexicon | None
    vietnamese: bool

    def is_stop(self, word: str) -> bool:
        return (self.lexicon or shipped()).is_stop(word, self.vietnamese)

    def alternatives(self, typed: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
        """Other forms of a phrase as typed; a lone stop word ("ai" = who) stands for nothing."""
        if self.lexicon is None or (len(typed) == 1 and self.is_stop(typed[0])):
            return ()
        return self.lexicon.alternatives([prepare(w) for w in typed])

    def special(
        self, phrase: str | None, word: str | None, negated: bool
    ) -> list[Unit]:
        typed = tuple(WORD_RE.findall(phrase if phrase is not None else word or ""))
        syllables = tuple(prepare(s) for s in typed)
        if not syllables:
            return []
        if phrase is None and not negated:  # word* : the last syllable is a prefix
            head = [Unit((prepare(s),)) for s in typed[:-1] if not self.is_stop(s)]
            return [*head, Unit((syllables[-1],), prefix=True)]
        if phrase is None:
            return [Unit((s,), negated=True) for s in syllables]
        return [Unit(syllables, negated=negated, alternatives=self.alternatives(typed))]

    def bare(self, typed: list[str], parsed: ParsedQuery) -> None:
        """Add bare words as units, grouping the longest phrases the lexicon knows, and their pairs."""
        longest = self.lexicon.longest if self.lexicon is not None else 1
        syllables = [prepare(w) for w in typed]
        i = 0
        while i < len(typed):
            for n in range(min(longest, len(typed) - i), 0, -1):
                gram = tuple(typed[i : i + n])
                alternatives = self.alternatives(gram)
                if alternatives:
                    parsed.units.append(
                        Unit(tuple(syllables[i : i + n]), alternatives=alternatives)
                    )
                    break
            else:
                n = 1
                if not self.is_stop(typed[i]):
                    parsed.units.append(Unit((syllables[i],)))
            if i + n < len(
                typed
            ):  # the words as a phrase: the pair across this boundary
                parsed.pairs.append(
                    f"{fold_word(syllables[i + n - 1])}_{fold_word(syllables[i + n])}"
                )
            i += n


def normalise_filters(
    filters: Mapping[str, Iterable[str | int] | str | int],
) -> dict[str, list[str]]:
    """Return the accepted values of each known facet as strings; unknown facets and bad years are dropped."""
    found: dict[str, list[str]] = {}
    for name, values in filters.items():
        if name not in FACETS or values is None:
            continue
        values = [values] if isinstance(values, str | int) else list(values)
        labels = [
            label for label in (_facet_label(name, value) for value in values) if label
        ]
        if labels:
            found[name] = labels
    return found


def _facet_label(name: str, value: str | int) -> str:
    if name != "year":
        return str(value)
    try:
        return str(int(str(value).strip()))
    except ValueError:
        return ""
