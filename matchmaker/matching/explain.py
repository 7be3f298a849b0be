"""Why a candidate matched: the words and phrases its own text shares with the query, exactly as written.

A shown term is a run of words found, with the same accents, in the query and in one of the candidate's texts,
and not inside a longer shared run ("cá tra", never "tra" beside it). Runs stop at punctuation, stop words,
numbers and units. Vietnamese writes a word of two or three syllables with spaces, so a run never starts or ends
inside a word: an end syllable that forms a word with its neighbour outside the run, in either text, and not
with its neighbour inside goes (:func:`.words.cuts_no_word`, with the shipped dictionary of 25,000 words and
the two-syllable lexicon terms and keywords): "phần mềm quản" (of "quản lý") is shown as "phần mềm", and
"giảm tăng" (of "tăng trưởng") not at all. A run that is a keyword or lexicon term is kept whole. A lone
Vietnamese syllable is shown only when it is a word of its own by declaration: one of the candidate's keywords
(``"lúa"``) or a lexicon term (``"tôm"``). Acronyms and foreign words (``"IoT"``, ``"probiotic"``) stand alone.

A term that explains nothing is left out, so that fewer terms are shown rather than generic ones: one made only
of the lexicon's generic words (``"mô hình"``, ``"hệ thống"``, ``"xây dựng quy trình"``, ``"liên tục"``), or one that
most texts use (its weight below ``GENERIC_IDF``), unless it holds a domain word of the city's fields
(``data/domain_vi.txt``: "nông nghiệp", "dữ liệu", "thủy sản") or one of the candidate's keywords. Terms are
shown most informative first, so such common domain words come after the rare ones.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import NamedTuple

import numpy as np

from matchmaker.matching import words as vi
from matchmaker.matching.lexicon import Lexicon
from matchmaker.matching.text import Span, Token, normalise, spans, tokenise
from matchmaker.matching.words import Key

# A run's words beside each of its places, in the query and in the candidate's texts: (before, after).
Sides = dict[Key, tuple[set[str], set[str]]]


class Run(NamedTuple):
    """A run of words that may be shown, with the words beside it in its phrase ("" at its ends)."""

    spans: list[Span]
    before: str
    after: str


class Words(NamedTuple):
    """A run of a candidate's text: its words, and the words beside it in its phrase ("" at its ends)."""

    keys: Key
    before: str
    after: str


class Place(NamedTuple):
    """Where a run of words stands: the words of its run (``keys``), its first word at ``at``, and the
    words beside that run."""

    keys: Key
    at: int
    before: str
    after: str


# Units written apart from their number ("m³/ngày", "tấn/mẻ"): never a term.
UNITS = frozenset(
    "ha kg km mm cm m2 m3 m² m³ km2 km² ml mg µg µm nm kw kwh kwp mw mwh mwp gw gwh wp ppm ppt psu tấn ton"
    .split()
)  # fmt: skip
# One Vietnamese syllable, accents folded: onset, one to three vowels, final consonant. A word of the
# Latin script that is not one ("drone", "biogas", "probiotic") is foreign and stands alone.
_SYLLABLE_RE = re.compile(
    r"(?:ngh|ng|gh|gi|kh|nh|ph|qu|th|tr|ch|[bcdđghklmnpqrstvx])?[aeiouy]{1,3}(?:ch|ng|nh|[cmnpt])?"
)
_SPACES_RE = re.compile(r"\s+")
# The least idf of a shown term. The engine's idf is ``1 + ln((n + 1) / (df + 1))`` over n owners and texts, so
# this hides a term (and every word pair in it) that more than about 30% of them use, whatever the corpus size:
# on the demo data "mô hình" (1.64), "hệ thống" (1.67), "kết hợp" (1.98), "ứng dụng" (2.12), "công ty" (2.16),
# "trung bình" (2.20) and "hiệu quả" (2.25) go; "quy mô" (2.29), "học máy" (2.34), "cá tra" (2.82) stay.
GENERIC_IDF = 2.27
# Fewer than about twenty texts (a word of one text weighs less than this) cannot tell common words from rare
# ones: then no term is hidden for its weight.
CORPUS_IDF = GENERIC_IDF + 1.0
# Prepositions that start or end no term, though they are no stop words: they begin words ("theo dõi",
# "sau thu hoạch", "dưới đất") or sit inside them ("nước dưới đất").
_NEVER_FIRST = frozenset("trên bằng qua so hơn giữa".split())
_NEVER_LAST = _NEVER_FIRST | frozenset("dưới theo sau trước".split())


def _is_word_like(token: Token) -> bool:
    """A token that says something on its own: an acronym or code, or a foreign word."""
    text = token.text
    if token.is_term:
        return True
    return text.isascii() and len(text) > 2 and not _SYLLABLE_RE.fullmatch(text)


def _runs(text: str, lexicon: Lexicon) -> list[Run]:
    """The runs of ``text`` (normalised) that may be shown: its phrases cut at stop words, numbers, units
    and lower-case single letters (a capital stays: "X-quang", "vitamin C"); each with the words next to it
    in its phrase ("" at punctuation), where a word it ends inside may go on."""
    runs: list[Run] = []
    for phrase in spans(text):
        vietnamese = any(not span.token.text.isascii() for span in phrase)
        run: list[Span] = []
        for at, span in enumerate(phrase):
            token = span.token
            kept = not (
                token.text[0].isdigit()
                or token.text in UNITS
                or (span.end - span.start == 1 and not text[span.start].isupper())
                or lexicon.is_stop(token, vietnamese)
            )
            if kept:
                run.append(span)
            elif run:
                runs.append(Run(run, _key_at(phrase, at - len(run) - 1), token.text))
                run = []
        if run:
            runs.append(Run(run, _key_at(phrase, len(phrase) - len(run) - 1), ""))
    return runs


def _key_at(phrase: Sequence[Span], at: int) -> str:
    return phrase[at].token.text if at >= 0 else ""


def _quote(text: str, run: Sequence[Span]) -> str:
    """The words of ``run`` as the text writes them; lower case except acronyms and capital letters."""
    parts = []
    for at, span in enumerate(run):
        raw = text[span.start : span.end]
        if at:
            parts.append(_SPACES_RE.sub(" ", text[run[at - 1].end : span.start]))
        parts.append(raw if span.token.is_term or len(raw) == 1 else raw.lower())
    return "".join(parts)


def _ngrams(
    runs: Iterable[Run],
) -> tuple[dict[Key, list[Span]], dict[Key, list[Place]]]:
    """Every run of consecutive words of the query, by its key: its spans at its first place, and every
    place it has (to note the words beside a shared run without scanning the query again)."""
    table: dict[Key, list[Span]] = {}
    places: dict[Key, list[Place]] = {}
    for run in runs:
        keys = tuple(span.token.text for span in run.spans)
        for i in range(len(keys)):
            for j in range(i + 1, len(keys) + 1):
                key = keys[i:j]
                table.setdefault(key, run.spans[i:j])
                places.setdefault(key, []).append(Place(keys, i, run.before, run.after))
    return table, places


def _beside(
    sides: Sides, key: Key, keys: Key, at: int, before: str, after: str
) -> None:
    """Note the words beside ``key``, found at ``keys[at:]`` in a run with ``before`` and ``after`` beside it."""
    left, right = sides.setdefault(key, (set(), set()))
    end = at + len(key)
    left.add(keys[at - 1] if at else before)
    right.add(keys[end] if end < len(keys) else after)


def _shared(
    table: Mapping[Key, object], runs: Iterable[Words], sides: Sides
) -> set[Key]:
    """The longest run starting at each word of ``runs`` that the query also has; the words beside it in
    ``runs`` go to ``sides``."""
    found: set[Key] = set()
    for keys, before, after in runs:
        for i in range(len(keys)):
            j = i + 1
            while j <= len(keys) and keys[i:j] in table:
                j += 1
            if j - 1 > i:
                key = keys[i : j - 1]
                found.add(key)
                _beside(sides, key, keys, i, before, after)
    return found


def _trimmed(key: Key) -> Key:
    """``key`` without the prepositions at its ends."""
    start, end = 0, len(key)
    while start < end and key[start] in _NEVER_FIRST:
        start += 1
    while end > start and key[end - 1] in _NEVER_LAST:
        end -= 1
    return key[start:end]


def _maximal(found: set[Key]) -> list[Key]:
    """The shared runs inside no longer shared run."""
    inside: set[Key] = set()
    for key in found:
        for i in range(len(key)):
            for j in range(i + 1, len(key) + 1):
                if j - i < len(key):
                    inside.add(key[i:j])
    return [key for key in found if key not in inside]


def shared_terms(
    query: str,
    texts: Iterable[str],
    lexicon: Lexicon,
    weight: Callable[[Key], float],
    n: int = 5,
    words: Iterable[str] = (),
    min_weight: float = 0.0,
) -> tuple[str, ...]:
    """The words and phrases of ``query`` that one of ``texts`` also has, most informative first.

    Parameters
    ----------
    query : str
        The query's text (an order, a need, a project).
    texts : iterable of str
        The candidate's own texts (profile, publications, patents).
    lexicon : Lexicon
        Stop words and the lexicon's terms.
    weight : callable
        How informative a run of words (their lower-case keys) is: higher first.
    n : int
        At most this many terms.
    words : iterable of str
        Terms declared by the candidate (its keywords): one of one Vietnamese syllable may be shown.
    min_weight : float
        Terms weighing less are too common to explain anything (the engine passes ``generic_floor``); so are
        the lexicon's generic words.

    Returns
    -------
    tuple of str
        Terms as the query writes them.
    """
    return QueryTerms(query, lexicon, weight, min_weight).shared(texts, words, n)


class QueryTerms:
    """:func:`shared_terms` of one query for many candidates: the query is analysed once.

    A match list explains ten or more candidates with the same query; analysing the query again for each
    one was most of the time of a page with matches. ``runs_of`` reads a candidate's text (by default
    :func:`text_words`); a caller that explains the same texts again and again passes a cached one.
    """

    def __init__(
        self,
        query: str,
        lexicon: Lexicon,
        weight: Callable[[Key], float],
        min_weight: float = 0.0,
        runs_of: Callable[[str], Sequence[Words]] | None = None,
    ) -> None:
        self.query = normalise(query)
        self.min_weight = min_weight
        self._weight = weight
        self._weights: dict[Key, float] = {}
        self._runs_of = runs_of or (lambda text: text_words(text, lexicon))
        self._table, self._places = _ngrams(_runs(self.query, lexicon))
        self._lexicon_keys = vi.fixed_keys(tuple(lexicon_terms(lexicon)))
        self._generic = vi.fixed_keys(tuple(sorted(lexicon.generic_words)))
        self._domain = vi.fixed_keys(vi.domain_words())

    def weight(self, key: Key) -> float:
        """``weight`` of a run, worked out once per query."""
        if key not in self._weights:
            self._weights[key] = self._weight(key)
        return self._weights[key]

    def shared(
        self, texts: Iterable[str], words: Iterable[str] = (), n: int = 5
    ) -> tuple[str, ...]:
        """The query's terms that one of a candidate's ``texts`` also has (``words``: its keywords)."""
        sides: Sides = {}
        found: set[Key] = set()
        for text in texts:
            found |= _shared(self._table, self._runs_of(text), sides)
        for key in found:
            for place in self._places[key]:
                _beside(sides, key, *place)
        own = vi.keys_of(list(words))
        declared = own | self._lexicon_keys
        bound = vi.bound_by({key for key in declared if len(key) == 2})
        whole = {
            key if key in declared else vi.cuts_no_word(key, *sides[key], bound)
            for key in found
        }
        trimmed = {_trimmed(key) for key in whole} - {()}
        domain = own | self._domain
        table = self._table
        shown = [
            key
            for key in _maximal(trimmed)
            if (len(key) > 1 or key in declared or _is_word_like(table[key][0].token))
            and (key in domain or not vi.made_of(key, self._generic))
            and (self.weight(key) >= self.min_weight or vi.holds(key, domain))
        ]
        shown.sort(key=lambda key: (-self.weight(key), -len(key), key))
        return tuple(_quote(self.query, table[key]) for key in shown[:n])


def text_words(text: str, lexicon: Lexicon) -> tuple[Words, ...]:
    """The runs of a candidate's text as :class:`QueryTerms` reads them: their words (interned, so that a
    cache of many texts holds each word once) and the words beside them."""
    return tuple(
        Words(
            tuple(sys.intern(span.token.text) for span in run.spans),
            run.before,
            run.after,
        )
        for run in _runs(normalise(text), lexicon)
    )


def lexicon_terms(lexicon: Lexicon) -> list[str]:
    """The lexicon's terms: every variant of every synonym group."""
    return [variant for group in lexicon.groups.values() for variant in group]


def occurs(term: str, text: str) -> bool:
    """Whether the words of ``term`` occur in ``text`` one after the other, with the same accents."""
    wanted = [token.text for phrase in tokenise(term) for token in phrase]
    if not wanted:
        return False
    size = len(wanted)
    for phrase in tokenise(text):
        words = [token.text for token in phrase]
        if any(words[i : i + size] == wanted for i in range(len(words) - size + 1)):
            return True
    return False


def generic_floor(idf: np.ndarray) -> float:
    """The least weight of a shown term: ``GENERIC_IDF``, or none for a corpus too small to tell."""
    return GENERIC_IDF if len(idf) and float(idf.max()) >= CORPUS_IDF else 0.0


def rarity(
    vocabulary: Mapping[str, int], idf: np.ndarray, lexicon: Lexicon
) -> Callable[[Key], float]:
    """How informative a run of words is: the highest idf among its exact words and word pairs.

    A phrase is at least as rare as its rarest part; an abbreviation counts as its expansion, and a run the
    fitted vocabulary does not know (added since the fit) as the rarest.
    """
    unknown = float(idf.max()) if len(idf) else 1.0

    def weight(key: Key) -> float:
        tokens = lexicon.expand_abbreviations([Token(word, False) for word in key])
        words = [t.text for t in tokens if not lexicon.is_stop(t)]
        features = [
            *words,
            *(f"{a} {b}" for a, b in zip(words, words[1:], strict=False)),
        ]
        known = [idf[vocabulary[f]] for f in features if f in vocabulary]
        return float(max(known)) if known else unknown

    return weight
