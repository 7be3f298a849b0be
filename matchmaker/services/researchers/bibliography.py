"""Reading publication lists (BibTeX, RIS) into checked drafts; the caller dedupes them against the DB."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

import bibtexparser
import rispy
from bibtexparser.library import Library
from bibtexparser.middlewares import LatexDecodingMiddleware as LatexDecoding
from bibtexparser.middlewares import NormalizeFieldKeys, RemoveEnclosingMiddleware
from bibtexparser.model import (
    Block,
    DuplicateBlockKeyBlock,
    Entry,
    Field,
    ParsingFailedBlock,
)
from flask_babel import lazy_gettext as _l

from matchmaker.matching.text import fold
from matchmaker.services.imports import ImportProblem
from matchmaker.validators import InvalidValue, normalise_doi, title_key

TITLE_MAX, VENUE_MAX, ABSTRACT_MAX, AUTHORS_MAX = 500, 300, 5000, 2000
FORMATS = ("bibtex", "ris")

Progress = Callable[[int, int], None]

_LIMITS = {
    "title": (TITLE_MAX, _l("the title")),
    "authors": (AUTHORS_MAX, _l("the author list")),
    "venue": (VENUE_MAX, _l("the venue")),
    "abstract": (ABSTRACT_MAX, _l("the abstract")),
}
# Which text needs the (slow) LaTeX decoder; plain text passes through unchanged.
_LATEX_RE = re.compile(r"[\\{}$~%&`]|--|''")
_SNIFF_RE = re.compile(r"^(?:(?P<ris>TY  -)|(?P<bibtex>[ \t]*@\w+[ \t]*[{(]))", re.M)
_BARE_PERCENT_RE = re.compile(r"(?<!\\)%")
# vntex macros pylatexenc does not know (it would drop "ơ" and the hook of "ả"): letters first,
# then accents on one argument, "\h{a}", "\h a" or "\h{\^a}", as a letter and a combining mark.
_VNTEX_LETTERS = {"ohorn": "ơ", "uhorn": "ư", "OHORN": "Ơ", "UHORN": "Ư"}
_VNTEX_LETTER_RE = re.compile(r"\\(ohorn|uhorn|OHORN|UHORN)(?![A-Za-z])\s*")
_VNTEX_ACCENTS = {"h": "\u0309", "horn": "\u031b"}
_VNTEX_ACCENT_RE = re.compile(r"\\(h|horn)(?:\s*\{((?:[^{}]|\{[^{}]*\})*)\}|\s+(\w))")
_AND_RE = re.compile(r"\s+and\s+")
_YEAR_RE = re.compile(r"\s*(\d{4})(?!\d)")
_BIBTEX_VENUES = ("journal", "booktitle", "publisher", "school", "institution")
_BIBTEX_FIELDS = frozenset(
    ("title", "author", "year", "doi", "abstract", *_BIBTEX_VENUES)
)
_RIS_VENUES = ("journal_name", "alternate_title3", "secondary_title")  # JO, JF, T2
# Vietnamese family names come first: "Nguyễn, Văn An" reads "Nguyễn Văn An", not "Văn An Nguyễn".
_VIETNAMESE_SURNAMES = frozenset(
    "nguyen tran le pham hoang huynh phan vu vo dang bui do ho ngo duong ly truong dinh lam "
    "mai to trinh doan luong cao ha ta thai chau quach ton kieu luu tang vuong diep giang "
    "khuu mac nghiem phung quan tieu trieu hua lai tat".split()
)


@dataclass(frozen=True)
class PublicationDraft:
    """One checked publication, not yet saved; ``position`` is the line where its entry starts."""

    title: str
    authors: str
    year: int | None
    venue: str
    doi: str | None
    abstract: str
    position: int


@dataclass(frozen=True)
class ParsedBibliography:
    """The drafts read from a file and the problems met on the way, both in file order."""

    entries: list[PublicationDraft] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)


_Result = PublicationDraft | ImportProblem


def parse_bibliography(text: str, fmt: str | None = None) -> ParsedBibliography:
    """Read a BibTeX or RIS file (``fmt`` "bibtex", "ris", or ``None`` to tell from the text)."""
    return parse_with_progress(text, fmt, None)


def parse_with_progress(
    text: str, fmt: str | None, progress: Progress | None
) -> ParsedBibliography:
    """Read a file as :func:`parse_bibliography` does, calling ``progress(done, total)`` per entry."""
    if fmt is not None and fmt not in FORMATS:
        raise ValueError(f"unknown bibliography format {fmt!r}")
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    sniffed = _SNIFF_RE.search(text)
    fmt = fmt or (sniffed.lastgroup if sniffed else None)
    if fmt is None:
        problem = ImportProblem(1, _l("This file is neither BibTeX nor RIS."))
        return ParsedBibliography(problems=[problem])
    items, problems = _bibtex_items(text) if fmt == "bibtex" else _ris_items(text)
    result = ParsedBibliography(problems=problems)
    for done, item in enumerate(items, start=1):
        checked = item()
        if isinstance(checked, PublicationDraft):
            result.entries.append(checked)
        else:
            result.problems.append(checked)
        if progress is not None:
            progress(done, len(items))
    result.problems.sort(key=lambda problem: problem.position)
    return result


def split_duplicates(
    drafts: Iterable[PublicationDraft],
    existing_dois: set[str],
    existing_title_keys: set[str],
) -> tuple[list[PublicationDraft], list[PublicationDraft]]:
    """Split drafts into (new, duplicates): a DOI or title key already known or met earlier."""
    dois = {doi.lower() for doi in existing_dois}
    titles = set(existing_title_keys)
    new: list[PublicationDraft] = []
    duplicates: list[PublicationDraft] = []
    for draft in drafts:
        key = title_key(draft.title)
        seen = draft.doi in dois or (bool(key) and key in titles)
        (duplicates if seen else new).append(draft)
        dois.update([draft.doi] if draft.doi else [])
        titles.update([key] if key else [])
    return new, duplicates


def _bibtex_items(text: str) -> tuple[list[Callable[[], _Result]], list[ImportProblem]]:
    library = bibtexparser.parse_string(text, append_middleware=[NormalizeFieldKeys()])
    # Decoding LaTeX is the slow part, so it runs entry by entry, between progress reports.
    decoder = LatexDecoding()
    blocks = [b for b in library.blocks if isinstance(b, Entry | ParsingFailedBlock)]
    return [lambda b=block: _bibtex_entry(b, decoder, library) for block in blocks], []


def _bibtex_entry(block: Block, decoder: LatexDecoding, library: Library) -> _Result:
    line = (block.start_line or 0) + 1  # bibtexparser counts from 0
    if isinstance(block, DuplicateBlockKeyBlock):
        # A repeated citation key is harmless here, but the middlewares skipped the block.
        block = block.ignore_error_block
        for middleware in (NormalizeFieldKeys(), RemoveEnclosingMiddleware()):
            block = middleware.transform_block(block, library)
    if not isinstance(block, Entry):
        message = _l(
            "Entry at line %(line)d cannot be read; check braces and commas.", line=line
        )
        return ImportProblem(line, message)
    fields = [
        f for f in block.fields if f.key in _BIBTEX_FIELDS and isinstance(f.value, str)
    ]
    if not _decode_latex(block, fields, decoder, library):
        message = _l("Entry at line %(line)d has LaTeX that cannot be read.", line=line)
        return ImportProblem(line, message)
    values = {f.key: f.value for f in fields}
    authors = _AND_RE.split(values["author"].strip()) if values.get("author") else []
    return _check(
        line,
        title=values.get("title", ""),
        authors=["et al." if name.strip() == "others" else name for name in authors],
        year=values.get("year", ""),
        venue=next(
            (values[k] for k in _BIBTEX_VENUES if values.get(k, "").strip()), ""
        ),
        doi=values.get("doi", ""),
        abstract=values.get("abstract", ""),
    )


def _decode_latex(
    block: Entry, fields: list[Field], decoder: LatexDecoding, library: Library
) -> bool:
    """Decode LaTeX in ``fields`` in place; ``False`` if the decoder failed."""
    latex = [f for f in fields if _LATEX_RE.search(f.value)]
    for f in latex:
        f.value = _prepare_latex(f.value)
    decoded = decoder.transform_block(
        Entry(block.entry_type, block.key, latex), library
    )
    return not isinstance(decoded, ParsingFailedBlock)


def _prepare_latex(value: str) -> str:
    # A bare "%" starts a LaTeX comment, which would cut "50% more rice" short.
    value = _BARE_PERCENT_RE.sub(r"\\%", value)
    value = _VNTEX_LETTER_RE.sub(lambda m: _VNTEX_LETTERS[m.group(1)], value)
    return _VNTEX_ACCENT_RE.sub(
        lambda m: "{" + (m.group(2) or m.group(3)) + "}" + _VNTEX_ACCENTS[m.group(1)],
        value,
    )


def _ris_items(text: str) -> tuple[list[Callable[[], _Result]], list[ImportProblem]]:
    """Cut the file into TY … ER records by hand, so each keeps its line and a missing ER shows."""
    records: list[tuple[int, list[str]]] = []
    problems: list[ImportProblem] = []
    start, lines = 0, []
    for number, line in enumerate(text.split("\n"), start=1):
        tag = line[:2] if line[2:5] == "  -" else None  # rispy's rule for a tag line
        if tag == "TY":
            if start:
                message = _l("Entry at line %(line)d has no ER line.", line=start)
                problems.append(ImportProblem(start, message))
            start, lines = number, []
        if start:
            lines.append(line)
        if tag == "ER" and start:
            records.append((start, lines))
            start, lines = 0, []
    if start:
        message = _l("The file ends inside the entry at line %(line)d.", line=start)
        problems.append(ImportProblem(start, message))
    return [lambda r=record: _ris_entry(*r) for record in records], problems


def _ris_entry(line: int, lines: list[str]) -> _Result:
    parsed = rispy.loads("\n".join(lines))
    record = parsed[0] if parsed else {}

    def text(*keys: str) -> str:
        values = [record.get(key) or "" for key in keys]
        joined = (" ".join(v) if isinstance(v, list) else v for v in values)
        return next((value for value in joined if value.strip()), "")

    authors = record.get("authors") or record.get("first_authors") or []
    return _check(
        line,
        title=text("title", "primary_title"),
        authors=[authors] if isinstance(authors, str) else list(authors),
        year=text("year", "publication_year"),
        venue=text(*_RIS_VENUES),
        doi=text("doi"),
        abstract=text("abstract"),
    )


def _clean(value: str) -> str:
    return " ".join(unicodedata.normalize("NFC", value).split())


def _natural_name(name: str) -> str:
    """Put "Last, First" in reading order: "Nguyễn Văn An" for a Vietnamese family name, else "John Smith"."""
    last, comma, rest = (part.strip() for part in name.partition(","))
    if not comma or not rest:
        return last
    *suffix, first = (part.strip() for part in rest.split(","))  # "Last, Jr, First"
    vietnamese = fold(last.split()[0] if last else "").lower() in _VIETNAMESE_SURNAMES
    parts = (last, first, *suffix) if vietnamese else (first, last, *suffix)
    return " ".join(part for part in parts if part)


def _year(line: int, text: str) -> int | None | ImportProblem:
    match = _YEAR_RE.match(text)
    latest = date.today().year + 1
    if match and 1900 <= int(match.group(1)) <= latest:
        return int(match.group(1))
    if not text.strip():
        return None
    message = _l(
        "Entry at line %(line)d: the year must be 1900 to %(n)d.", line=line, n=latest
    )
    return ImportProblem(line, message)


def _doi(line: int, text: str) -> str | None | ImportProblem:
    try:
        return normalise_doi(text) if text.strip() else None
    except InvalidValue:
        return ImportProblem(
            line, _l("Entry at line %(line)d has an invalid DOI.", line=line)
        )


def _check(
    line: int, *, authors: list[str], year: str, doi: str, **texts: str
) -> _Result:
    """Clean and check one entry's fields; the first problem found rejects the whole entry."""
    values = {key: _clean(value) for key, value in texts.items()}
    values["authors"] = ", ".join(
        filter(None, (_natural_name(_clean(a)) for a in authors))
    )
    if not values["title"]:
        return ImportProblem(
            line, _l("Entry at line %(line)d has no title.", line=line)
        )
    for key, (limit, label) in _LIMITS.items():
        if len(values[key]) > limit:
            message = _l(
                "Entry at line %(line)d: %(field)s is over %(n)d characters.",
                line=line,
                field=label,
                n=limit,
            )
            return ImportProblem(line, message)
    checked_year = _year(line, year)
    if isinstance(checked_year, ImportProblem):
        return checked_year
    checked_doi = _doi(line, doi)
    if isinstance(checked_doi, ImportProblem):
        return checked_doi
    return PublicationDraft(year=checked_year, doi=checked_doi, position=line, **values)
