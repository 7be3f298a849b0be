"""Input hygiene applied once, to every request: clean text as werkzeug parses it, and page numbers in range.

Every query parameter, form field, uploaded file's name and string path segment passes through
:func:`clean_text`: control characters are removed (PostgreSQL refuses NUL in text, and the others are
invisible and never typed on purpose) and the text is put in Unicode NFC, the form the platform stores and
compares. Tab, line feed and carriage return stay, so a text area keeps what was typed. Uploaded files'
contents are not touched.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

from flask import Flask, Request
from werkzeug.datastructures import FileStorage, ImmutableMultiDict, MultiDict

from matchmaker.validators import CONTROL_CHARACTERS

# The last page a list may ask for: far beyond any real list, and (page - 1) × page size stays a small
# number for every database's OFFSET.
MAX_PAGE = 10_000


def clean_text(value: str) -> str:
    """``value`` without control characters (tab and line breaks kept), in Unicode NFC."""
    return unicodedata.normalize("NFC", CONTROL_CHARACTERS.sub("", value))


def _clean_value(value: Any) -> Any:
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, FileStorage) and isinstance(value.filename, str):
        value.filename = clean_text(value.filename)
    return value


def _pairs(mapping: Any) -> Iterable[tuple[Any, Any]]:
    if mapping is None:
        return ()
    if isinstance(mapping, MultiDict):
        return mapping.items(multi=True)
    if isinstance(mapping, Mapping):
        return (
            (key, item)
            for key, value in mapping.items()
            for item in (value if isinstance(value, list | tuple) else [value])
        )
    return mapping


class CleanMultiDict(ImmutableMultiDict):
    """An immutable multi-dict whose keys and values are cleaned as werkzeug fills it."""

    def __init__(self, mapping: Any = None) -> None:
        super().__init__(
            [(_clean_value(key), _clean_value(value)) for key, value in _pairs(mapping)]
        )


class CleanRequest(Request):
    """Flask's request, with query strings, forms and file names cleaned as they are parsed."""

    parameter_storage_class = CleanMultiDict


def clean_view_args(_endpoint: str | None, values: dict[str, Any] | None) -> None:
    """Clean the string segments of a URL (``/institutions/<slug>``) before a view sees them."""
    for key, value in (values or {}).items():
        if isinstance(value, str):
            values[key] = clean_text(value)  # type: ignore[index]


def page_number(value: object) -> int:
    """A page of a list, 1 to :data:`MAX_PAGE`: anything missing, negative, zero or unreadable is page 1."""
    if isinstance(value, bool):
        return 1
    if isinstance(value, str):
        value = value.strip()
        if not value.isascii() or not value.isdigit():
            return 1
        value = int(value) if len(value) < 10 else MAX_PAGE
    if not isinstance(value, int) or value < 1:
        return 1
    return min(value, MAX_PAGE)


def init_app(app: Flask) -> None:
    """Make every request of ``app`` clean its parameters, forms, file names and URL segments."""
    app.request_class = CleanRequest
    app.url_value_preprocessor(clean_view_args)
