"""Pure checks that turn user input (ORCID, DOI, tax code, URL, title) into one canonical form."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import unquote, urlsplit, urlunsplit

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from matchmaker.matching.text import fold

# C0 controls except tab (09), line feed (0A) and carriage return (0D); DEL (7F); C1 controls (80-9F):
# invisible, never typed on purpose, and PostgreSQL refuses NUL in text.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

_ORCID_PREFIX_RE = re.compile(
    r"^(?:https?://)?(?:www\.)?orcid\.org/|^orcid:\s*", re.IGNORECASE
)
_ORCID_RE = re.compile(r"\d{15}[\dX]")
_DOI_PREFIX_RE = re.compile(
    r"^(?:doi:\s*|(?:https?://)?(?:dx\.)?doi\.org/)", re.IGNORECASE
)
_DOI_RE = re.compile(r"10\.\d{4,9}/\S+")
_TAX_CODE_RE = re.compile(r"(\d{10})(?:-(\d{3}))?")
_TAX_WEIGHTS = (31, 29, 23, 19, 17, 13, 7, 5, 3)
_HOST_RE = re.compile(r"[^\W_](?:[\w-]*[^\W_])?(?:\.[^\W_](?:[\w-]*[^\W_])?)*\.?")
_URL_MAX_LENGTH = 2000
# Anything that is neither a letter, a digit nor white space: punctuation, LaTeX braces, symbols.
_NOT_WORD_RE = re.compile(r"[^\w\s]|_")


class InvalidValue(ValueError):
    """The value cannot be read; ``message`` says why, in words for the user."""

    def __init__(self, message: str | LazyString) -> None:
        super().__init__(message)
        self.message = message


def _compact(text: str) -> str:
    return "".join(unicodedata.normalize("NFC", text or "").split())


def _orcid_check_digit(base: str) -> str:
    """Return the ISO 7064 MOD 11-2 check character for the first 15 digits of an ORCID iD."""
    total = 0
    for digit in base:
        total = (total + int(digit)) * 2
    result = (12 - total % 11) % 11
    return "X" if result == 10 else str(result)


def normalise_orcid(text: str) -> str:
    """Return an ORCID iD as ``0000-0002-1825-0097``; bare, hyphenated or as an orcid.org link."""
    compact = _ORCID_PREFIX_RE.sub("", _compact(text)).replace("-", "").upper()
    if not _ORCID_RE.fullmatch(compact):
        raise InvalidValue(
            _l(
                "An ORCID iD has 16 digits (the last may be X), e.g. 0000-0002-1825-0097."
            )
        )
    if _orcid_check_digit(compact[:15]) != compact[15]:
        raise InvalidValue(
            _l("This ORCID iD has a typo: its check digit does not match.")
        )
    return "-".join(compact[i : i + 4] for i in range(0, 16, 4))


def normalise_doi(text: str) -> str:
    """Return a bare, lower-case DOI (``10.1000/xyz``) from a DOI, ``doi:`` name or doi.org link."""
    raw = (text or "").strip()
    bare = _DOI_PREFIX_RE.sub("", raw)
    if bare != raw and "://" in raw:
        bare = unquote(bare)  # links escape "/" and other characters of the suffix
    bare = unicodedata.normalize("NFC", bare).lower()
    if not _DOI_RE.fullmatch(bare):
        raise InvalidValue(
            _l('A DOI looks like 10.1000/xyz123 ("10.", digits, "/", then the rest).')
        )
    return bare


def normalise_tax_code(text: str) -> str:
    """Return a Vietnamese tax code (mã số thuế): ``0100109106`` or, for a branch, ``0100109106-001``."""
    match = _TAX_CODE_RE.fullmatch(_compact(text))
    if match is None:
        raise InvalidValue(
            _l(
                "A tax code has 10 digits, or 10 digits, a hyphen and 3 digits for a branch."
            )
        )
    main, branch = match.groups()
    check = 10 - sum(int(d) * w for d, w in zip(main, _TAX_WEIGHTS, strict=False)) % 11
    if check == 10 or check != int(main[9]):
        raise InvalidValue(
            _l("This tax code has a typo: its check digit does not match.")
        )
    if branch == "000":
        raise InvalidValue(_l("A branch number runs from 001 to 999."))
    return f"{main}-{branch}" if branch else main


def normalise_url(text: str) -> str:
    """Return a web address with a lower-case scheme and host; only http and https are accepted."""
    raw = unicodedata.normalize("NFC", (text or "").strip())
    if (
        not raw
        or len(raw) > _URL_MAX_LENGTH
        or any(ch.isspace() or ord(ch) < 32 for ch in raw)
    ):
        raise InvalidValue(
            _l("Enter a web address without spaces, e.g. https://www.ctu.edu.vn.")
        )
    scheme = raw.partition(":")[0].lower() if ":" in raw else ""
    if scheme not in {"http", "https"}:
        raise InvalidValue(
            _l("Enter a full web address starting with http:// or https://.")
        )
    try:
        parts = urlsplit(raw)
        host, port = parts.hostname or "", parts.port
    except ValueError:  # a bad port or bracketed host
        raise InvalidValue(_l("This web address has no valid host name.")) from None
    if not _HOST_RE.fullmatch(host) or parts.username is not None:
        raise InvalidValue(_l("This web address has no valid host name."))
    netloc = host + (f":{port}" if port is not None else "")
    return urlunsplit((scheme, netloc, parts.path, parts.query, parts.fragment))


def title_key(title: str) -> str:
    """Return a title reduced for duplicate detection: accents, case, punctuation and braces removed."""
    folded = fold(unicodedata.normalize("NFC", title or "")).lower()
    return " ".join(_NOT_WORD_RE.sub(" ", folded).split())
