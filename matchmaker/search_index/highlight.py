"""Highlighted snippets: user text is HTML-escaped first, then query matches are wrapped in <mark>."""

from __future__ import annotations

import functools
import html
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from .analysis import WORD_RE, fold_prepared, prepare
from .documents import SafeHtml
from .query import ParsedQuery

SNIPPET_CHARS = 220
LEAD_CHARS = 40
ELLIPSIS = "…"


@dataclass(frozen=True)
class Marker:
    """Folded words and prefixes to mark in displayed text."""

    words: frozenset[str]
    prefixes: tuple[str, ...]

    @classmethod
    def for_query(cls, parsed: ParsedQuery) -> Marker:
        """Collect what to mark from the positive units of a query, alternatives included."""
        words: set[str] = set()
        prefixes: list[str] = []
        for unit in parsed.positive:
            if unit.prefix:
                prefixes.append(fold_prepared(unit.words[-1]))
                continue
            for group in (unit.words, *unit.alternatives):
                words.update(fold_prepared(w) for w in group)
        return cls(frozenset(words), tuple(prefixes))

    def matches(self, word: str) -> bool:
        """Tell whether a displayed word should be marked."""
        folded = fold_prepared(prepare(word))
        return folded in self.words or folded.startswith(self.prefixes)

    @functools.cached_property
    def pattern(self) -> re.Pattern[str] | None:
        """One regular expression for all marked words, run over folded text."""
        choices = [re.escape(w) for w in sorted(self.words, key=len, reverse=True)]
        choices += [re.escape(p) + r"[^\W_]*" for p in self.prefixes]
        if not choices:
            return None
        return re.compile(r"(?<![^\W_])(?:" + "|".join(choices) + r")(?![^\W_])")


def _spans(text: str, marker: Marker) -> list[tuple[int, int]]:
    if marker.pattern is None:
        return []
    folded = fold_prepared(prepare(text))
    if len(folded) != len(text):
        # Rare: lower-casing or folding changed the length, so offsets differ; go word by word.
        return [m.span() for m in WORD_RE.finditer(text) if marker.matches(m.group(0))]
    return [m.span() for m in marker.pattern.finditer(folded)]


def _render(text: str, spans: Iterable[tuple[int, int]]) -> str:
    out: list[str] = []
    last = 0
    for start, end in spans:
        out.append(html.escape(text[last:start]))
        out.append(f"<mark>{html.escape(text[start:end])}</mark>")
        last = end
    out.append(html.escape(text[last:]))
    return "".join(out)


def highlight_all(text: str, marker: Marker) -> SafeHtml:
    """Return the whole of ``text`` escaped, with matches marked (for titles)."""
    text = unicodedata.normalize("NFC", text or "")
    return SafeHtml(_render(text, _spans(text, marker)))


def _best_start(spans: list[tuple[int, int]]) -> int:
    """Start of the window of :data:`SNIPPET_CHARS` that holds the most matches."""
    best, best_count = 0, 0
    for i, (start, _end) in enumerate(spans):
        count = sum(1 for s, _e in spans[i:] if s < start + SNIPPET_CHARS - LEAD_CHARS)
        if count > best_count:
            best, best_count = start, count
    return best


def snippet(text: str, marker: Marker) -> SafeHtml:
    """Return an escaped excerpt of about :data:`SNIPPET_CHARS` around the densest matches."""
    text = " ".join(unicodedata.normalize("NFC", text or "").split())
    spans = _spans(text, marker)
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
