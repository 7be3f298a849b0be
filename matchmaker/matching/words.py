"""Where a Vietnamese word ends: syllable pairs that belong to one word, from a shipped dictionary.

Vietnamese writes the syllables of a word apart ("quản lý", "tăng trưởng"), so a run of syllables that two texts
share may begin or end inside a word: "phần mềm quản" where one text says "phần mềm quản lý" and the other
"phần mềm quản trị". :func:`cuts_no_word` trims such a run back to its last whole word.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Set
from functools import cache, lru_cache

from matchmaker.matching.lexicon import DATA_DIR
from matchmaker.matching.text import tokenise

# Words of two or more syllables (25,000, from pyvi's word list; see the file's header).
SHIPPED_WORDS = DATA_DIR / "words_vi.txt"

Pair = tuple[str, str]
Key = tuple[str, ...]


def pairs_of(terms: Iterable[str]) -> set[Pair]:
    """Each pair of neighbouring words inside one of ``terms``, as lower-case keys."""
    found: set[Pair] = set()
    for term in terms:
        for phrase in tokenise(term):
            keys = [token.text for token in phrase]
            found.update(zip(keys, keys[1:], strict=False))
    return found


@cache
def dictionary_pairs() -> frozenset[Pair]:
    """The syllable pairs inside the shipped dictionary's words (read once: the file never changes)."""
    lines = SHIPPED_WORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(pairs_of(line for line in lines if not line.startswith("#")))


def cuts_no_word(
    key: tuple[str, ...],
    before: Collection[str],
    after: Collection[str],
    bound: Callable[[str, str], bool],
) -> tuple[str, ...]:
    """``key`` without the syllables at its ends that belong to a word it cuts.

    An end syllable goes when it forms a word with a syllable next to it outside the run (any of ``before``
    or ``after``: its neighbours wherever either text writes the run) and not with its neighbour inside:
    "phần mềm quản" beside "lý" gives "phần mềm"; "giảm tăng" beside "trưởng" gives "giảm". A run of one
    syllable is kept as it is. ``bound(a, b)`` tells whether ``a b`` are two syllables of one word.
    """
    start, end = 0, len(key)
    while end - start > 1:
        outside = before if start == 0 else (key[start - 1],)
        if bound(key[start], key[start + 1]) or not any(
            bound(word, key[start]) for word in outside
        ):
            break
        start += 1
    while end - start > 1:
        outside = after if end == len(key) else (key[end],)
        if bound(key[end - 2], key[end - 1]) or not any(
            bound(key[end - 1], word) for word in outside
        ):
            break
        end -= 1
    return key[start:end]


# Words of the city's fields that many texts use but that still tell what a match is about.
SHIPPED_DOMAIN_WORDS = DATA_DIR / "domain_vi.txt"


@cache
def domain_words() -> tuple[str, ...]:
    """The shipped domain words: shown as reasons however common (read once: the file never changes)."""
    lines = SHIPPED_DOMAIN_WORDS.read_text(encoding="utf-8").splitlines()
    return tuple(
        line.strip() for line in lines if line.strip() and not line.startswith("#")
    )


def made_of(key: Key, words: Set[Key]) -> bool:
    """Whether ``key`` is made of ``words`` only, one after the other ("xây dựng quy trình")."""
    whole = [True] + [False] * len(key)
    for end in range(1, len(key) + 1):
        whole[end] = any(
            whole[start] and key[start:end] in words for start in range(end)
        )
    return whole[-1]


def holds(key: Key, words: Set[Key]) -> bool:
    """Whether ``key`` holds one of ``words`` of two or more syllables whole."""
    return any(
        key[i : i + len(word)] == word
        for word in words
        if len(word) > 1
        for i in range(len(key) - len(word) + 1)
    )


def bound_by(declared: Set[Key]) -> Callable[[str, str], bool]:
    """Whether two syllables belong to one word: of the dictionary, or a declared term of two syllables (a
    longer term may join words: "nông nghiệp công nghệ cao")."""
    dictionary = dictionary_pairs()
    return lambda a, b: (a, b) in dictionary or (a, b) in declared


@lru_cache(maxsize=16)
def fixed_keys(terms: tuple[str, ...]) -> frozenset[Key]:
    """:func:`keys_of` of a fixed list (the lexicon's terms, generic and domain words), worked out once."""
    return frozenset(keys_of(terms))


def keys_of(terms: Iterable[str]) -> set[Key]:
    """The lower-case keys of the phrases of ``terms``."""
    return {
        tuple(token.text for token in phrase)
        for term in terms
        for phrase in tokenise(term)
    }
