"""Upload checks shared by the forms that accept files."""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError


def within_upload_limit(_form, field) -> None:
    """Refuse a file larger than UPLOAD_MAX_BYTES, leaving the form as typed."""
    data = field.data
    if not data or not hasattr(data, "stream"):
        return
    limit = current_app.config["UPLOAD_MAX_BYTES"]
    data.stream.seek(0, 2)
    size = data.stream.tell()
    data.stream.seek(0)
    if size > limit:
        raise ValidationError(
            _l("The file is larger than %(mb).1f MB.", mb=limit / 1024 / 1024)
        )


def read_text(field) -> str | None:
    """The uploaded file as text (UTF-8, BOM allowed), or None when it is binary or in another encoding."""
    raw = field.data.read()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    return None if "\x00" in text else text
