"""/healthz (the process answers), /readyz (it can serve) and /metrics (Prometheus).

None of them needs a sign-in, sets a cookie or counts against a rate limit. /metrics is open to this
machine only (a request from a loopback address that came through no proxy) and to a scraper that sends
``Authorization: Bearer <METRICS_TOKEN>``; anyone else gets 403.
"""

from __future__ import annotations

import hmac
import ipaddress

from flask import Blueprint, Response, current_app, jsonify, request

from matchmaker.blueprints.auth.decorators import open_to_everyone
from matchmaker.extensions import limiter
from matchmaker.observability import metrics
from matchmaker.services import health

bp = Blueprint("ops", __name__)
# A proxy in front says who the client was: such a request did not come from this machine.
FORWARDING_HEADERS = ("X-Forwarded-For", "X-Real-IP", "Forwarded")


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/healthz")
@limiter.exempt
@open_to_everyone
def healthz():
    return _no_store(jsonify(health.liveness()))


@bp.get("/readyz")
@limiter.exempt
@open_to_everyone
def readyz():
    ready, answer = health.readiness()
    response = jsonify(answer)
    response.status_code = 200 if ready else 503
    return _no_store(response)


@bp.get("/metrics")
@limiter.exempt
@open_to_everyone
def metrics_page():
    if not _scraper_trusted():
        return Response("403 Forbidden\n", 403, mimetype="text/plain")
    body, content_type = metrics.render(
        current_app.config.get("PROMETHEUS_MULTIPROC_DIR")
    )
    return _no_store(Response(body, content_type=content_type))


def _scraper_trusted() -> bool:
    token = current_app.config.get("METRICS_TOKEN")
    scheme, _sep, given = request.headers.get("Authorization", "").partition(" ")
    if token and scheme.lower() == "bearer":
        return hmac.compare_digest(given.strip().encode(), token.encode())
    if not current_app.config.get("METRICS_ALLOW_LOOPBACK", True):
        return False
    if any(name in request.headers for name in FORWARDING_HEADERS):
        return False
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False
