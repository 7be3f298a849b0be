"""Absolute links (for e-mails): built from PUBLIC_BASE_URL alone, never from the request's Host header.

This is the one module allowed to make external URLs; a test fails if any other code does.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app
from werkzeug.routing import MapAdapter


def public_base_url() -> str:
    """Where people reach the platform, without a trailing slash (config PUBLIC_BASE_URL)."""
    return current_app.config["PUBLIC_BASE_URL"]


def _adapter() -> MapAdapter:
    base = urlsplit(public_base_url())
    return current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme
    )


def absolute_url(endpoint: str, **values: object) -> str:
    """The absolute URL of ``endpoint`` under PUBLIC_BASE_URL, inside or outside a request alike."""
    current_app.inject_url_defaults(endpoint, values)
    return _adapter().build(endpoint, values, force_external=True)
