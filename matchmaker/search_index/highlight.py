"""Highlighted snippets: user text is HTML-escaped first, then query matches are wrapped in <mark>."""

from __future__ import annotations

import functools
import html
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .analysis import fold_prepared, prepare
from .documents import SafeHtml
from .query import ParsedQuery

SNIPPET_CHARS = 220
LEAD_CHARS = 40
ELLIPSIS = "…"


@dataclass(frozen=True)
class Marker:
    """What a record matched: the forms (syllable sequences) of its matched units, and prefixes.

    A form is marked where its exact accented syllables occur in the record; only if they occur
    nowhere in it (it matched by accent folding, or the query was typed without accents) are the
    folded occurrences marked. So "nhân" marks "nhân", not "nhận", in a text holding both.
    """

    forms: frozenset[tuple[str, ...]]
    prefixes: tuple[str, ...]

    @classmethod
    def for_query(
        cls, parsed: ParsedQuery, held: Sequence[bool] | None = None
    ) -> Marker:
        """Collect what to mark from the positive units of a query (those in ``held`` if given)."""
        forms: set[tuple[str, ...]] = set()
        prefixes: list[str] = []
        units = parsed.positive
        for unit, has in zip(
            units, held if held is not None else [True] * len(units), strict=True
        ):
            if not has:
                continue
            if unit.prefix:
                prefixes.append(fold_prepared(unit.words[-1]))
            else:
                forms.update((unit.words, *unit.alternatives))
        return cls(frozenset(forms), tuple(prefixes))

    def for_record(self, text: str) -> Pattern:
        """The patterns to mark in one record's text (title and body), exact forms where they occur."""
        lowered = prepare(text)
        exact: list[str] = []
        folded: list[str] = []
        for form in self.forms:
            plain = tuple(fold_prepared(s) for s in form)
            if plain != form and _compile((_phrase(form),)).search(lowered):
                exact.append(_phrase(form))
            else:
                folded.append(_phrase(plain))
        folded += [re.escape(p) + r"[^\W_]*" for p in self.prefixes]
        return Pattern(_compile(tuple(sorted(exact))), _compile(tuple(sorted(folded))))


def _phrase(syllables: tuple[str, ...]) -> str:
    return r"[\W_]+".join(map(re.escape, syllables))


@functools.lru_cache(maxsize=4096)
def _compile(choices: tuple[str, ...]) -> re.Pattern[str] | None:
    """One expression for all ``choices``, longest first, matching whole words only."""
    if not choices:
        return None
    ordered = sorted(choices, key=len, reverse=True)
    return re.compile(r"(?<![^\W_])(?:" + "|".join(ordered) + r")(?![^\W_])")


@dataclass(frozen=True)
class Pattern:
    """Expressions to mark: ``exact`` runs over lower-cased text, ``folded`` over folded text."""

    exact: re.Pattern[str] | None
    folded: re.Pattern[str] | None


def _spans(text: str, pattern: Pattern) -> list[tuple[int, int]]:
    lowered = prepare(text)
    folded = fold_prepared(lowered)
    if not len(text) == len(lowered) == len(folded):
        # Rare: lower-casing or folding changed the length ("İ"): keep one character for each.
        lowered = "".join(prepare(c)[:1] or c for c in text)
        folded = "".join(fold_prepared(c)[:1] or c for c in lowered)
    found = [
        m.span()
        for expression, target in ((pattern.exact, lowered), (pattern.folded, folded))
        if expression is not None
        for m in expression.finditer(target)
    ]
    spans: list[tuple[int, int]] = []
    for start, end in sorted(found, key=lambda span: (span[0], -span[1])):
        if not spans or start >= spans[-1][1]:
            spans.append((start, end))
    return spans


def _render(text: str, spans: Iterable[tuple[int, int]]) -> str:
    out: list[str] = []
    last = 0
    for start, end in spans:
        out.append(html.escape(text[last:start]))
        out.append(f"<mark>{html.escape(text[start:end])}</mark>")
        last = end
    out.append(html.escape(text[last:]))
    return "".join(out)


def highlight_all(text: str, pattern: Pattern) -> SafeHtml:
    """Return the whole of ``text`` escaped, with matches marked (for titles)."""
    text = unicodedata.normalize("NFC", text or "")
    return SafeHtml(_render(text, _spans(text, pattern)))


def _best_start(spans: list[tuple[int, int]]) -> int:
    """Start of the window of :data:`SNIPPET_CHARS` that holds the most matches."""
    best, best_count = 0, 0
    for i, (start, _end) in enumerate(spans):
        count = sum(1 for s, _e in spans[i:] if s < start + SNIPPET_CHARS - LEAD_CHARS)
        if count > best_count:
            best, best_count = start, count
    return best


def snippet(text: str, pattern: Pattern) -> SafeHtml:
    """Return an escaped excerpt of about :data:`SNIPPET_CHARS` around the densest matches."""
    text = " ".join(unicodedata.normalize("NFC", text or "").split())
    spans = _spans(text, pattern)
    start = max(0, _best_start(spans) - LEAD_CHARS) if spans else 0
    if start:
        start = text.find(" ", start) + 1 or start
    end = min(len(text), start + SNIPPET_CHARS)
    if end < len(text):
        end = (
            text.rfind(" ", start, end) if text.rfind(" ", start, end) > start else end
        )
    window = [(s - start, e - start) for s, e in spans if s >= start and e <= end]
    body = _render(text[start:end], window)
    prefix = ELLIPSIS if start else ""
    suffix = ELLIPSIS if end < len(text) else ""
    return SafeHtml(f"{prefix}{body}{suffix}")
