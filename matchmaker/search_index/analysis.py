"""Vietnamese text analysis for the search index: NFC, lower case, accent folding (đ → d), syllables."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Iterator

from whoosh.analysis import Token, Tokenizer

# A token is a run of letters or digits: Vietnamese is written in syllables separated by spaces.
WORD_RE = re.compile(r"[^\W_]+")
_COMBINING_RE = re.compile(r"[\u0300-\u036f]")

# Same folding as matchmaker.matching.text.fold, kept here so the index does not depend on that package.
_EXTRA_FOLDS = {"đ": "d", "Đ": "D", "ð": "d", "Ð": "D"}


def _fold_char(char: str) -> str:
    if char in _EXTRA_FOLDS:
        return _EXTRA_FOLDS[char]
    decomposed = unicodedata.normalize("NFD", char)
    return unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if not unicodedata.combining(c))
    )


def _build_fold_table() -> dict[int, str]:
    # Precompute folds for the Latin blocks Vietnamese uses; str.translate is far faster than NFD per call.
    table: dict[int, str] = {}
    for start, end in ((0x00C0, 0x0250), (0x1E00, 0x1F00)):
        for code in range(start, end):
            char = chr(code)
            folded = _fold_char(char)
            if folded != char:
                table[code] = folded
    return table


_FOLD_TABLE = _build_fold_table()


def prepare(text: str) -> str:
    """Return ``text`` in NFC and lower case: the form indexed for exact (accented) matches."""
    return unicodedata.normalize("NFC", text or "").lower()


def fold_prepared(text: str) -> str:
    """Fold accents of text that already went through :func:`prepare` (đ becomes d)."""
    folded = text.translate(_FOLD_TABLE)
    if _COMBINING_RE.search(folded):
        folded = _COMBINING_RE.sub("", unicodedata.normalize("NFD", folded))
    return folded


def words(text: str) -> list[str]:
    """Split text into accented, lower-cased syllables."""
    return WORD_RE.findall(prepare(text))


def folded_words(text: str) -> list[str]:
    """Split text into accent-folded, lower-cased syllables."""
    return WORD_RE.findall(fold_prepared(prepare(text)))


@functools.lru_cache(maxsize=100_000)
def fold_word(word: str) -> str:
    """Fold one prepared syllable, memoised: the syllable vocabulary of a language is small."""
    return fold_prepared(word)


def index_terms(text: str) -> list[str]:
    """Terms of a text field: every syllable as written (lower case) and, if different, folded."""
    terms: list[str] = []
    for word in WORD_RE.findall(prepare(text)):
        terms.append(word)
        folded = fold_word(word)
        if folded != word:
            terms.append(folded)
    return terms


def pair_terms(text: str) -> list[str]:
    """Folded syllable bigrams within each line, for phrase search: "cong_nghe", "nghe_sinh", ..."""
    return analyse([text])[1]


def analyse(parts: Iterable[str]) -> tuple[list[str], list[str]]:
    """Tokenise texts once: the :func:`index_terms` (grouped, not interleaved) and :func:`pair_terms`.

    Each part is a separate line for bigrams, as if the parts were joined with newlines.
    """
    terms: list[str] = []
    pairs: list[str] = []
    for part in parts:
        for line in prepare(part).splitlines():
            found = WORD_RE.findall(line)
            if not found:
                continue
            folded = list(map(fold_word, found))
            terms += found
            if folded != found:
                terms += [f for w, f in zip(found, folded, strict=True) if f != w]
            pairs += map("_".join, zip(folded, folded[1:], strict=False))
    return terms, pairs


class VietnameseTokenizer(Tokenizer):
    """Whoosh tokenizer: ``mode="terms"`` gives :func:`index_terms`, ``mode="pairs"`` :func:`pair_terms`."""

    def __init__(self, mode: str = "terms") -> None:
        if mode not in ("terms", "pairs"):
            raise ValueError(f"unknown mode {mode!r}")
        self.mode = mode

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.mode == self.mode  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.mode))

    def __call__(  # the signature is Whoosh's tokenizer protocol
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: object,
    ) -> Iterator[Token]:
        # Positions and character offsets are not indexed: phrases use bigrams, snippets re-tokenise.
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            texts = [prepare(value)]
        else:
            texts = index_terms(value) if self.mode == "terms" else pair_terms(value)
        for pos, text in enumerate(texts):
            token.text = text
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = text
            if positions:
                token.pos = start_pos + pos
            if chars:
                token.startchar = token.endchar = start_char
            yield token
