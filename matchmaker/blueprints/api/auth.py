"""Who reads the API: the anonymous visitor, or the holder of an access token (``Authorization: Bearer``).

A valid token makes the request read as its holder (an official or administrator): the records then carry
the internal fields their role sees on the website. Tokens are read-only: any other method is refused with
403. A token that does not work (unknown, revoked, its holder deactivated or no longer staff) is a 401,
never a silent fall-back to the public view. A signed-in browser's session plays no part: without a
token, the API is anonymous.

Rate limits count per token (``API_TOKEN_RATE_LIMIT``) and, without a working token, per address
(``API_RATE_LIMIT``).
"""

from __future__ import annotations

from flask import Response, current_app, request
from flask_limiter.util import get_remote_address
from flask_login import AnonymousUserMixin
from werkzeug.local import LocalProxy

from matchmaker.blueprints.api.errors import error_response
from matchmaker.models import ApiToken, User
from matchmaker.services.accounts import api_tokens

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
INVALID = "invalid"  # the request named a token that does not work
SCHEME = "bearer"
ENVIRON_KEY = "matchmaker.api_token"

# The API reads as nobody in particular unless a token says otherwise.
VISITOR = AnonymousUserMixin()


def _presented() -> str | None:
    """The secret the request presents, ``""`` for a malformed Authorization header, None for none."""
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, secret = header.strip().partition(" ")
    return secret.strip() if scheme.lower() == SCHEME else ""


def current_token() -> ApiToken | str | None:
    """The request's working token, ``INVALID``, or None when it presents none (looked up once)."""
    # Kept with the request itself (``g`` lives as long as the app context, which may span requests).
    environ = request.environ
    if ENVIRON_KEY not in environ:
        secret = _presented()
        if secret is None:
            environ[ENVIRON_KEY] = None
        else:
            environ[ENVIRON_KEY] = (
                secret and api_tokens.authenticate(secret)
            ) or INVALID
    return environ[ENVIRON_KEY]


def _valid_token() -> ApiToken | None:
    token = current_token()
    return token if isinstance(token, ApiToken) else None


def reader() -> User | AnonymousUserMixin:
    """Whom the request reads as: the token's holder, else the anonymous visitor."""
    token = _valid_token()
    return token.user if token is not None else VISITOR


# The reader of the current request, for the views and the serialisers (which ask the policy about it).
READER = LocalProxy(reader)


def rate_key() -> str:
    """The rate limit's bucket: the token, or the address of a caller without a working token."""
    token = _valid_token()
    return f"api-token:{token.id}" if token is not None else get_remote_address()


def rate_limit() -> str:
    """The limit of the request's bucket."""
    key = "API_TOKEN_RATE_LIMIT" if _valid_token() is not None else "API_RATE_LIMIT"
    return current_app.config[key]


def refuse_unless_readable(prefix: str) -> Response | None:
    """Before any request under ``prefix``: 401 for a token that does not work, 403 for a token used
    with a method other than a read."""
    if not request.path.startswith(prefix + "/") and request.path != prefix:
        return None
    token = current_token()
    if token == INVALID:
        response = error_response(401)
        response.headers["WWW-Authenticate"] = (
            'Bearer realm="api", error="invalid_token"'
        )
        return response
    if token is not None and request.method not in READ_METHODS:
        return error_response(403, "read_only_token")
    return None


def private_when_authenticated(response: Response) -> Response:
    """An answer read with a token is the holder's own: no shared cache may keep it."""
    response.vary.add("Authorization")
    if _valid_token() is not None:
        response.headers["Cache-Control"] = "private, no-cache"
    return response
