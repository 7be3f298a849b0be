"""Type-ahead pickers: the JSON a look-up answers to the picker script (static/js/picker.js), and its limit.

A look-up route returns ``lookup_response(results, message=..., more=...)``: ``results`` are dicts with at
least ``id`` (the value the form sends) and ``name``; the element's ``data-picker-detail`` names the key
shown beside the name. ``message`` is read to the user (too short a query, nothing found, more found).
Routes are limited per account with ``@limiter.limit(lookup_limit, key_func=account_key)``.
"""

from __future__ import annotations

from collections.abc import Sequence

from flask import Response, current_app, jsonify
from flask_login import current_user


def lookup_limit() -> str:
    """How many look-ups an account may make (config LOOKUP_LIMIT)."""
    return current_app.config["LOOKUP_LIMIT"]


def account_key() -> str:
    """Rate limits of look-ups count per signed-in account, whatever address it comes from."""
    return f"account:{current_user.get_id()}"


def lookup_response(
    results: Sequence[dict], *, message: str = "", more: bool = False
) -> Response:
    """The look-up's answer as JSON, never cached (it depends on who asks)."""
    response = jsonify(results=list(results), message=message, more=more)
    response.headers["Cache-Control"] = "no-store"
    return response
