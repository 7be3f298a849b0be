"""A forgiving parser for user queries: words, "phrases", prefixes, exclusions, facet filters."""

# The syntax is small on purpose: bare words, "quoted phrases", word* for a prefix, -word to
# exclude, and facet:value for the whitelisted facets only. Anything else (unbalanced quotes or
# parentheses, unknown field: prefixes, control characters, overlong input) degrades to plain
# words; parsing never raises.

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from .analysis import WORD_RE, is_stop_word, prepare
from .documents import FACETS

Expand = Callable[[str], list[str]]

MAX_QUERY_CHARS = 300
MAX_UNITS = 16
MAX_NGRAM = 4
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


@dataclass
class ParsedQuery:
    """The meaningful parts of a user query."""

    text: str
    units: list[Unit] = field(default_factory=list)
    filters: dict[str, list[str]] = field(default_factory=dict)
    truncated: bool = False

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


def parse(raw: str, expand: Expand | None = None) -> ParsedQuery:
    """Parse a user query; never raises."""
    text, truncated = clean(raw)
    parsed = ParsedQuery(text=text, truncated=truncated)
    bare: list[str] = []
    for match in _TOKEN_RE.finditer(text):
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
            parsed.units.extend(_expand_bare(bare, expand))
            bare = []
            parsed.units.extend(_special_units(phrase, word, negated, expand))
        else:
            bare.extend(WORD_RE.findall(prepare(word or "")))
    parsed.units.extend(_expand_bare(bare, expand))
    parsed.units = parsed.units[:MAX_UNITS]
    return parsed


def _special_units(
    phrase: str | None, word: str | None, negated: bool, expand: Expand | None
) -> list[Unit]:
    syllables = tuple(
        WORD_RE.findall(prepare(phrase if phrase is not None else word or ""))
    )
    if not syllables:
        return []
    if phrase is None and not negated:  # word* : the last syllable is a prefix
        head = [Unit((s,)) for s in syllables[:-1] if not is_stop_word(s)]
        return [*head, Unit((syllables[-1],), prefix=True)]
    if phrase is None:
        return [Unit((s,), negated=True) for s in syllables]
    return [
        Unit(syllables, negated=negated, alternatives=_alternatives(syllables, expand))
    ]


def _alternatives(
    syllables: tuple[str, ...], expand: Expand | None
) -> tuple[tuple[str, ...], ...]:
    if expand is None:
        return ()
    own = " ".join(syllables)
    found: list[tuple[str, ...]] = []
    for alternative in expand(own) or []:
        alt = tuple(WORD_RE.findall(prepare(alternative)))
        if alt and alt != syllables and alt not in found:
            found.append(alt)
    return tuple(found)


def _expand_bare(syllables: list[str], expand: Expand | None) -> list[Unit]:
    """Turn bare syllables into units, grouping the longest n-grams the lexicon knows."""
    units: list[Unit] = []
    i = 0
    while i < len(syllables):
        for n in range(min(MAX_NGRAM, len(syllables) - i), 0, -1):
            gram = tuple(syllables[i : i + n])
            alternatives = _alternatives(gram, expand)
            if alternatives:
                units.append(Unit(gram, alternatives=alternatives))
                i += n
                break
        else:
            if not is_stop_word(syllables[i]):
                units.append(Unit((syllables[i],)))
            i += 1
    return units


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
