"""Text preparation for Vietnamese and English: normalisation, accent folding, tokenisation."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import NamedTuple

from matchmaker.matching.stemmer import stem

# Unicode decomposition leaves đ/Đ whole (they are letters of their own, not d + a mark), so fold them by hand.
_EXTRA_FOLDS = str.maketrans({"đ": "d", "Đ": "D", "ð": "d", "Ð": "D"})

_UNITS = (
    "%|‰|°c|kwh|kwp|kw|mwh|mwp|mw|gwh|gw|wp|ha|kg|km2|km|mm|cm|m2|m3"
    "|ppt|ppm|psu|mg/l|g/l|ml|µm|nm|tấn|ton"
)
# One pass, alternatives in priority order: a number with an optional unit, a word (letters and digits,
# joined by "&" as in KH&CN or R&D), or punctuation that ends a phrase (bigrams never cross it).
_TOKEN_RE = re.compile(
    rf"(?P<num>\d+(?:[.,]\d+)*(?:\s?(?:{_UNITS})(?![^\W_]))?)"
    r"|(?P<word>[^\W_]+(?:&[^\W_]+)*)"
    r"|(?P<brk>[.,;:!?()\[\]{}\"“”…|/•·\n])",
    re.IGNORECASE,
)
_SPACE_RE = re.compile(r"\s+")
# "hoà"/"hòa", "thuỷ"/"thủy": both tone placements are in use; keep one (tone on the first vowel).
_TONE_MOVES = dict(
    zip(
        "oà oá oả oã oạ oè oé oẻ oẽ oẹ uỳ uý uỷ uỹ uỵ".split(),
        "òa óa ỏa õa ọa òe óe ỏe õe ọe ùy úy ủy ũy ụy".split(),
        strict=True,
    )
)
# After "q" the "u" belongs to the consonant ("quý"), so the tone already sits on the vowel.
_TONE_RE = re.compile("(?<!q)(" + "|".join(_TONE_MOVES) + r")$")
_TONE_FINALS = frozenset(key[-1] for key in _TONE_MOVES)


def normalise(text: str) -> str:
    """Return ``text`` in Unicode NFC with surrounding white space removed."""
    return unicodedata.normalize("NFC", text or "").strip()


def fold(text: str) -> str:
    """Remove diacritics, ``đ`` included: ``"Điện mặt trời"`` becomes ``"Dien mat troi"``.

    Works on NFC and NFD input alike; case is kept.
    """
    decomposed = unicodedata.normalize("NFD", (text or "").translate(_EXTRA_FOLDS))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", stripped)


@lru_cache(maxsize=1 << 18)
def loose(word: str) -> str:
    """Return the loose form of a lower-case word: accents folded, English words stemmed.

    ``"công"`` gives ``"cong"`` and ``"networks"`` gives ``"network"``; see :mod:`.stemmer` for why
    stemming never merges two Vietnamese syllables.
    """
    folded = fold(word)
    return stem(folded) if folded.isascii() else folded


class Token(NamedTuple):
    """One word of a text: its lower-case NFC form and whether it is an acronym or code."""

    text: str
    is_term: bool


def _is_term(word: str) -> bool:
    # Capitals after the first letter (AI, IoT, CRISPR), digits or "&" mark an acronym or code.
    rest = word[1:]
    return rest != rest.lower() or not word.isalpha()


def _word(raw: str) -> str:
    word = raw.lower()
    if word[-1] in _TONE_FINALS:
        return _TONE_RE.sub(lambda m: _TONE_MOVES[m.group(1)], word)
    return word


@lru_cache(maxsize=1 << 18)
def _token(raw: str) -> Token:
    """The token of one raw word (cached: words repeat across a corpus)."""
    return Token(_word(raw), _is_term(raw))


def tokenise(text: str) -> list[list[Token]]:
    """Split ``text`` into phrases of tokens; punctuation separates phrases.

    Vietnamese syllables keep their diacritics, acronyms and technical terms stay whole
    (``IoT``, ``KH&CN``) and a number keeps its unit (``"5,5 ha"`` gives ``"5,5ha"``).

    Parameters
    ----------
    text : str
        Any text; it is normalised to NFC first.

    Returns
    -------
    list of list of Token
        The phrases, each a non-empty list of tokens in text order.
    """
    phrases: list[list[Token]] = []
    current: list[Token] = []
    for number, raw, _ in _TOKEN_RE.findall(normalise(text)):
        if raw:
            current.append(_token(raw))
        elif number:
            current.append(Token(_SPACE_RE.sub("", number).lower(), True))
        elif current:
            phrases.append(current)
            current = []
    if current:
        phrases.append(current)
    return phrases


class Span(NamedTuple):
    """A token with where it stands in the normalised text (``normalise(text)[start:end]``)."""

    token: Token
    start: int
    end: int


def spans(text: str) -> list[list[Span]]:
    """:func:`tokenise` with each token's place in ``normalise(text)``, to quote the text as written."""
    phrases: list[list[Span]] = []
    current: list[Span] = []
    for match in _TOKEN_RE.finditer(normalise(text)):
        number, raw = match.group("num"), match.group("word")
        if raw:
            current.append(Span(_token(raw), *match.span()))
        elif number:
            token = Token(_SPACE_RE.sub("", number).lower(), True)
            current.append(Span(token, *match.span()))
        elif current:
            phrases.append(current)
            current = []
    if current:
        phrases.append(current)
    return phrases
