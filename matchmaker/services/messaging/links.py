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


def absolute_link(path: str | None) -> str:
    """An in-app path (``/orders/5``, as stored with a notification) made absolute under PUBLIC_BASE_URL.

    Anything that is not a plain path on this site (another host, a scheme) gives the home page instead.
    """
    base = public_base_url()
    prefix = urlsplit(base).path
    parts = urlsplit(path or "")
    if (
        not path
        or parts.scheme
        or parts.netloc
        or not path.startswith("/")
        or "\\" in path
    ):
        return base + "/"
    # A path built by url_for inside a request already carries the mount point.
    if prefix and (path == prefix or path.startswith(prefix + "/")):
        path = path[len(prefix) :] or "/"
    return base + path
