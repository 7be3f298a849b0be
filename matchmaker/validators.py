"""Pure checks that turn user input (ORCID, DOI, tax code, URL, title) into one canonical form."""

from __future__ import annotations

import re
import unicodedata
from fractions import Fraction
from urllib.parse import unquote, urlsplit, urlunsplit

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from matchmaker.matching.text import fold

# C0 controls except tab (09), line feed (0A) and carriage return (0D); DEL (7F); C1 controls (80-9F):
# invisible, never typed on purpose, and PostgreSQL refuses NUL in text. With them the bidirectional
# embeddings, overrides and isolates (202A-202E, 2066-2069): invisible too, and a right-to-left override
# makes a name read backwards ("báo cáo\u202efdp.exe" shows as "báo cáoexe.pdf").
CONTROL_CHARACTERS = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]"
)

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


# Words people put after an amount: multipliers (1,5 tỷ = 1 500 000 000) and the currency itself.
_MULTIPLIERS = {
    "nghìn": 10**3, "ngàn": 10**3, "k": 10**3, "thousand": 10**3,
    "triệu": 10**6, "tr": 10**6, "million": 10**6,
    "tỷ": 10**9, "tỉ": 10**9, "billion": 10**9,
}  # fmt: skip
_CURRENCY = {"đồng", "đ", "vnđ", "vnd", "₫", "dong"}
# A number (digits, with dots, commas or single spaces between them), a word, or any other character.
_AMOUNT_TOKEN_RE = re.compile(r"\d(?:[\d.,]|\s(?=\d))*|[^\d\s.,]+|\S")
_GROUPED_RE = re.compile(r"\d{1,3}(?:([.,])\d{3})(?:\1\d{3})*")


def _amount_number(text: str, decimal_mark: str) -> Fraction:
    """``text`` (digits with separators) as an exact number; ``decimal_mark`` settles "1,500" and "1.500"."""
    digits = "".join(text.split())
    marks = {ch for ch in digits if ch in ".,"}
    if len(marks) == 2:  # 1.500.000,5 or 1,500,000.5: the last mark is the decimal one
        decimal = "," if digits.rfind(",") > digits.rfind(".") else "."
        whole, _sep, fraction = digits.rpartition(decimal)
        if not _GROUPED_RE.fullmatch(whole):
            raise ValueError(text)
        whole = whole.replace("." if decimal == "," else ",", "")
    elif marks:
        mark = marks.pop()
        if _GROUPED_RE.fullmatch(digits) and (
            digits.count(mark) > 1 or mark != decimal_mark
        ):
            whole, fraction = digits.replace(mark, ""), ""
        else:
            whole, _sep, fraction = digits.partition(mark)
    else:
        whole, fraction = digits, ""
    if not whole.isdigit() or not (fraction.isdigit() or fraction == ""):
        raise ValueError(text)
    return Fraction(int(whole + fraction), 10 ** len(fraction))


def parse_amount(text: str, decimal_mark: str = ",") -> int:
    """An amount in đồng typed as people write it: ``1.500.000.000``, ``1 500 000 000 đ``, ``1,5 tỷ``,
    ``1 tỷ 500 triệu``, ``200tr``. ``decimal_mark`` is the language's (``,`` in Vietnamese) and settles
    a lone "1,500" or "1.500". Raises :class:`InvalidValue` on anything else, or on a fraction of a đồng.
    """
    unreadable = InvalidValue(
        _l(
            "Type the amount in đồng as digits, e.g. 1.500.000.000, or with “triệu” or “tỷ”, "
            "e.g. 1,5 tỷ."
        )
    )
    tokens = _AMOUNT_TOKEN_RE.findall(unicodedata.normalize("NFC", text or "").lower())
    if tokens and tokens[-1] in _CURRENCY:
        tokens.pop()
    total, previous = Fraction(0), None
    while tokens:
        number = tokens.pop(0)
        multiplier = 1
        if tokens and not tokens[0][0].isdigit():
            multiplier = _MULTIPLIERS.get(tokens.pop(0), 0)
        # An unknown word, a part not smaller than the one before ("500 triệu 1 tỷ"), or a bare number
        # after one ("1 tỷ 5" is said for 1,5 tỷ).
        if (
            not number[0].isdigit()
            or not multiplier
            or (previous and (multiplier >= previous or multiplier == 1))
        ):
            raise unreadable
        try:
            total += _amount_number(number, decimal_mark) * multiplier
        except ValueError:
            raise unreadable from None
        previous = multiplier
    if previous is None:
        raise unreadable
    if total.denominator != 1:
        raise InvalidValue(
            _l(
                "Amounts are whole đồng: type 1.500.000 for one and a half million, "
                "or 1,5 triệu."
            )
        )
    return int(total)
