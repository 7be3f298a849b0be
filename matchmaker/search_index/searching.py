"""Running one search on an open Whoosh searcher: hits, totals, facets, snippets and "did you mean"."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Literal

import numpy as np
from whoosh.searching import Searcher

from .analysis import WORD_RE, fold_word, prepare, words
from .documents import Hit, SearchResult, Suggestion
from .engine import Evaluator, Matches
from .facets import SegmentCache, count_facets, filter_mask, global_values
from .highlight import Marker, highlight_all, snippet
from .postings import PostingCache
from .query import ParsedQuery, Unit, normalise_filters
from .schema import from_stored

Sort = Literal["relevance", "date"]
MAX_PAGE = 500
MAX_PER_PAGE = 100
SUGGEST_BELOW = 3  # offer "did you mean" when fewer results than this
SPELL_FIELDS = ("title", "body")


def _order(
    searcher: Searcher, found: Matches, sort: Sort, cache: SegmentCache
) -> np.ndarray:
    """Positions in ``found`` from best to worst: all query words held, score (or date), docnum.

    Records holding every word of the query come first, whatever the sort.
    """
    if sort != "date":
        return np.lexsort((found.ids, -found.scores, ~found.complete))
    dates = global_values(searcher, "date_sort", cache)[found.ids]
    return np.lexsort((found.ids, -found.scores, -dates, ~found.complete))


def _bounded(page: int, per_page: int) -> tuple[int, int]:
    return min(max(1, int(page)), MAX_PAGE), min(max(1, int(per_page)), MAX_PER_PAGE)


def _one_page(
    searcher: Searcher,
    found: Matches,
    parsed: ParsedQuery,
    filters: Mapping[str, Iterable[str | int] | str | int],
    cache: SegmentCache,
    sort: Sort,
    page: int,
    per_page: int,
) -> tuple[Matches, np.ndarray]:
    """``found`` within the chosen facets, and the positions of its page ``page`` in order."""
    wanted = normalise_filters({**parsed.filters, **filters})
    if wanted and len(found.ids):
        found = found.subset(filter_mask(searcher, found.ids, wanted, cache))
    order = _order(searcher, found, sort, cache)
    return found, order[(page - 1) * per_page : page * per_page]


def run_search(
    searcher: Searcher,
    parsed: ParsedQuery,
    filters: Mapping[str, Iterable[str | int] | str | int],
    cache: SegmentCache,
    postings: PostingCache,
    sort: Sort = "relevance",
    page: int = 1,
    per_page: int = 20,
) -> SearchResult:
    """Search with a parsed, non-empty query; facet counts cover every matching document."""
    page, per_page = _bounded(page, per_page)
    found = Evaluator(searcher, cache, postings).rank(parsed)
    found, order = _one_page(
        searcher, found, parsed, filters, cache, sort, page, per_page
    )
    labels = [unit.label for unit in parsed.positive]
    held = found.units if found.units is not None else np.zeros((0, len(found.ids)))
    hits = [
        _hit(
            searcher.stored_fields(int(found.ids[i])),
            float(found.scores[i]),
            Marker.for_query(parsed, held[:, i]),
            tuple(
                label for label, has in zip(labels, held[:, i], strict=True) if not has
            ),
        )
        for i in order
    ]
    complete = int(np.count_nonzero(found.complete))
    return SearchResult(
        query=parsed.text,
        hits=hits,
        total=len(found.ids),
        page=page,
        per_page=per_page,
        facets=count_facets(searcher, found.ids, cache),
        suggestion=did_you_mean(searcher, parsed) if complete < SUGGEST_BELOW else None,
        truncated=parsed.truncated,
        complete=complete,
        absent=tuple(
            label for label, row in zip(labels, held, strict=True) if not row.any()
        ),
    )


def run_browse(
    searcher: Searcher,
    parsed: ParsedQuery,
    filters: Mapping[str, Iterable[str | int] | str | int],
    cache: SegmentCache,
    page: int = 1,
    per_page: int = 20,
) -> SearchResult:
    """Every record (of the chosen facets), newest first: what a query with no searchable word shows."""
    page, per_page = _bounded(page, per_page)
    ids = np.fromiter(searcher.reader().all_doc_ids(), dtype=np.int64)
    found = Matches(np.sort(ids), np.zeros(len(ids)))
    found, order = _one_page(
        searcher, found, parsed, filters, cache, "date", page, per_page
    )
    hits = [
        _hit(
            searcher.stored_fields(int(found.ids[i])), 0.0, Marker.for_query(parsed), ()
        )
        for i in order
    ]
    return SearchResult(
        query=parsed.text,
        hits=hits,
        total=len(found.ids),
        page=page,
        per_page=per_page,
        facets=count_facets(searcher, found.ids, cache),
        empty_query=bool(parsed.text.strip()),
        browsing=True,
        truncated=parsed.truncated,
        complete=len(found.ids),
    )


def _hit(
    stored: Mapping[str, object], score: float, marker: Marker, missing: tuple[str, ...]
) -> Hit:
    values = from_stored(dict(stored))
    body = values.pop("body")
    pattern = marker.for_record(f"{values['title']}\n{body}")
    return Hit(
        title_html=highlight_all(values["title"], pattern),
        snippet=snippet(body, pattern),
        score=score,
        missing=missing,
        **values,
    )


def _correct(searcher: Searcher, word: str) -> str | None:
    """Return the most frequent indexed word within two edits of ``word``, or ``None`` if it is known."""
    reader = searcher.reader()
    if len(word) < 3 or any(reader.doc_frequency(f, word) for f in SPELL_FIELDS):
        return None
    unaccented = fold_word(word) == word
    for maxdist in (1, 2):
        candidates = {
            c
            for f in SPELL_FIELDS
            for c in reader.terms_within(f, word, maxdist, prefix=1)
        }
        candidates = {
            c for c in candidates if c != word and (fold_word(c) == c or not unaccented)
        }
        if candidates:
            return max(
                sorted(candidates),
                key=lambda c: sum(reader.doc_frequency(f, c) for f in SPELL_FIELDS),
            )
    return None


def did_you_mean(searcher: Searcher, parsed: ParsedQuery) -> str | None:
    """Return the query text with unknown words replaced by their likeliest correction, if any."""
    corrections: dict[str, str] = {}
    for unit in parsed.positive:
        for word in unit.words:
            better = _correct(searcher, word)
            if better:
                corrections[word] = better
    if not corrections:
        return None
    fixed = WORD_RE.sub(
        lambda m: corrections.get(prepare(m.group(0)), m.group(0)), parsed.text
    )
    return fixed if fixed != parsed.text else None


def run_suggest(
    searcher: Searcher,
    text: str,
    limit: int,
    cache: SegmentCache,
    postings: PostingCache,
) -> list[Suggestion]:
    """Records whose titles hold the typed words, the last one as a prefix unless a space follows."""
    syllables = words(text)
    if not syllables:
        return []
    complete = syllables if text[-1:].isspace() else syllables[:-1]
    units = [Unit((word,)) for word in complete]
    if len(complete) < len(syllables):
        units.append(Unit((syllables[-1],), prefix=True))
    evaluator = Evaluator(searcher, cache, postings, weights={"title": 1.0})
    found = evaluator.evaluate(ParsedQuery(text=text, units=units))
    suggestions: dict[str, Suggestion] = {}
    for i in np.lexsort((found.ids, -found.scores))[: limit * 3]:
        values = from_stored(dict(searcher.stored_fields(int(found.ids[i]))))
        title = values["title"]
        suggestions.setdefault(
            title, Suggestion(values["kind"], values["id"], title, values["url"])
        )
    return list(suggestions.values())[:limit]
