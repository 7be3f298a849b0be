"""Stop words, abbreviations and bilingual synonyms, loaded from extendable data files."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from matchmaker.matching.text import Token, loose, tokenise

DATA_DIR = Path(__file__).with_name("data")
SHIPPED_ABBREVIATIONS = (DATA_DIR / "abbreviations.tsv",)
SHIPPED_SYNONYMS = (DATA_DIR / "synonyms.tsv",)
SHIPPED_STOP_WORDS = (DATA_DIR / "stopwords_vi.txt",)
SHIPPED_ENGLISH_STOP_WORDS = (DATA_DIR / "stopwords_en.txt",)
SHIPPED_GENERIC_WORDS = (DATA_DIR / "generic_vi.txt",)


def _rows(path: Path) -> list[list[str]]:
    """Return the tab-separated, non-comment rows of a UTF-8 data file."""
    rows = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            rows.append([cell.strip() for cell in line.split("\t") if cell.strip()])
    return rows


def _words(text: str) -> list[str]:
    return [token.text for phrase in tokenise(text) for token in phrase]


def _key(words: Iterable[str]) -> tuple[str, ...]:
    return tuple(loose(word) for word in words)


@dataclass(frozen=True)
class Lexicon:
    """Language resources used by the analyser and reusable for query expansion.

    Build it with :meth:`load` (shipped files plus optional extra files) and add entries with
    :meth:`extended`. Abbreviations are replaced by their expansion; a phrase from a synonym group
    (compared without accents, case or English plurals) adds a concept shared by the whole group.
    """

    abbreviations: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    groups: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    stop_words: frozenset[str] = frozenset()
    english_stop_words: frozenset[str] = frozenset()
    # Words and phrases too common in any text to explain a match ("liên tục", "tỷ đồng"), as written.
    generic_words: frozenset[str] = frozenset()
    phrases: Mapping[tuple[str, ...], str] = field(default_factory=dict, repr=False)
    first_words: frozenset[str] = frozenset()
    longest: int = 1

    @classmethod
    def load(
        cls,
        abbreviation_files: Sequence[str | Path] = (),
        synonym_files: Sequence[str | Path] = (),
        stop_word_files: Sequence[str | Path] = (),
        *,
        shipped: bool = True,
    ) -> Lexicon:
        """Load the shipped data files and any extra files.

        Parameters
        ----------
        abbreviation_files, synonym_files, stop_word_files : sequence of path
            Extra files in the format of the shipped ones (``data/abbreviations.tsv``: ``ABBR<TAB>expansion``;
            ``data/synonyms.tsv``: one group of TAB-separated variants a line; stop words: one a line).
        shipped : bool
            Whether to start from the shipped files.

        Returns
        -------
        Lexicon
        """

        def rows(
            shipped_files: Sequence[Path], extra: Sequence[str | Path]
        ) -> list[list[str]]:
            return [
                row
                for path in (*(shipped_files if shipped else ()), *extra)
                for row in _rows(path)
            ]

        abbreviations = {
            row[0]: row[1]
            for row in rows(SHIPPED_ABBREVIATIONS, abbreviation_files)
            if len(row) > 1
        }
        stop_words = [row[0] for row in rows(SHIPPED_STOP_WORDS, stop_word_files)]
        english = frozenset(row[0] for row in rows(SHIPPED_ENGLISH_STOP_WORDS, ()))
        generic = frozenset(row[0] for row in rows(SHIPPED_GENERIC_WORDS, ()))
        synonyms = rows(SHIPPED_SYNONYMS, synonym_files)
        return cls(english_stop_words=english, generic_words=generic).extended(
            abbreviations, synonyms, stop_words
        )

    def extended(
        self,
        abbreviations: Mapping[str, str] | None = None,
        synonyms: Iterable[Sequence[str]] = (),
        stop_words: Iterable[str] = (),
    ) -> Lexicon:
        """Return a copy with extra entries; an extra synonym group sharing a variant joins that group.

        Parameters
        ----------
        abbreviations : mapping of str to str, optional
            Abbreviation to its expansion, e.g. ``{"ĐBSCL": "đồng bằng sông Cửu Long"}``.
        synonyms : iterable of sequence of str
            Groups of equivalent terms; the first one names the group.
        stop_words : iterable of str
            Extra words never used for matching.

        Returns
        -------
        Lexicon
        """
        abbr = dict(self.abbreviations)
        for short, expansion in (abbreviations or {}).items():
            abbr[short.lower()] = tuple(_words(expansion))
        groups = {name: list(variants) for name, variants in self.groups.items()}
        phrases = dict(self.phrases)
        for group in synonyms:
            keys = [_key(_words(variant)) for variant in group]
            name = next((phrases[k] for k in keys if k in phrases), group[0])
            groups.setdefault(name, [name])
            for variant, key in zip(group, keys, strict=True):
                if key and key not in phrases:
                    phrases[key] = name
                    groups[name].append(variant)
        stop = self.stop_words | {w for word in stop_words for w in _words(word)}
        longest = max((len(k) for k in phrases), default=1)
        frozen = {name: tuple(dict.fromkeys(v)) for name, v in groups.items()}
        return replace(
            self,
            abbreviations=abbr,
            groups=frozen,
            stop_words=stop,
            phrases=phrases,
            first_words=frozenset(key[0] for key in phrases),
            longest=longest,
        )

    def expand_abbreviations(self, phrase: Sequence[Token]) -> list[Token]:
        """Replace each abbreviation in ``phrase`` by the tokens of its expansion."""
        out: list[Token] = []
        for token in phrase:
            expansion = self.abbreviations.get(token.text)
            if expansion:
                out.extend(Token(word, False) for word in expansion)
            else:
                out.append(token)
        return out

    def is_stop(self, token: Token, vietnamese: bool = True) -> bool:
        """Whether ``token`` is a stop word; acronyms (``AI``, not ``ai``) never are.

        English stop words apply only outside Vietnamese phrases, where "an" (an toàn) or "to" are words.
        """
        if token.is_term:
            return False
        return token.text in self.stop_words or (
            not vietnamese and token.text in self.english_stop_words
        )

    def concepts(self, phrase: Sequence[Token]) -> list[tuple[str, int, int]]:
        """Find synonym-group phrases in ``phrase``, longest first, as ``(group, start, end)`` triples."""
        keys = [loose(token.text) for token in phrase]
        found, i = [], 0
        while i < len(phrase):
            if keys[i] not in self.first_words:
                i += 1
                continue
            for size in range(min(self.longest, len(phrase) - i), 0, -1):
                name = self.phrases.get(tuple(keys[i : i + size]))
                # A lone stop word ("ai" = who) must not stand for a group ("AI").
                if name is not None and not (size == 1 and self.is_stop(phrase[i])):
                    found.append((name, i, i + size))
                    i += size
                    break
            else:
                i += 1
        return found

    def expand(self, tokens: Sequence[str]) -> list[str]:
        """Expand query words for a search engine: abbreviations replaced, synonym variants appended.

        Parameters
        ----------
        tokens : sequence of str
            Query words in text order, e.g. ``["học", "máy", "ĐBSCL"]``.

        Returns
        -------
        list of str
            The words with abbreviations expanded, followed by the words of every other variant
            of each synonym group found, e.g. ``["học", "máy", "đồng", ..., "machine", "learning", ...]``.
        """
        phrase = self.expand_abbreviations(
            [Token(t.lower(), t[1:] != t[1:].lower()) for t in tokens]
        )
        words = [token.text for token in phrase]
        for name, start, end in self.concepts(phrase):
            own = _key(words[start:end])
            for variant in self.groups[name]:
                variant_words = _words(variant)
                if _key(variant_words) != own:
                    words.extend(variant_words)
        return words
