"""TRUSTED_HOSTS: a request naming another host is refused with 400 on every route, never a 500."""

from __future__ import annotations

import pytest
from werkzeug.routing.converters import AnyConverter, BaseConverter, NumberConverter

from matchmaker.models import Role
from matchmaker.web import ProbeHostMiddleware

TRUSTED = "http://matchmaker.test"


@pytest.fixture
def trusting(app):
    app.config["TRUSTED_HOSTS"] = ["matchmaker.test"]
    return app


def _sample(converter: BaseConverter) -> object:
    if isinstance(converter, AnyConverter):
        return sorted(converter.items)[0]
    return 1 if isinstance(converter, NumberConverter) else "x"


def _paths(app) -> list[tuple[str, str]]:
    """Every route, with a sample value for each argument, and each method it answers."""
    adapter = app.url_map.bind("matchmaker.test")
    found = []
    for rule in app.url_map.iter_rules():
        values = {name: _sample(conv) for name, conv in rule._converters.items()}
        path = adapter.build(rule.endpoint, values)
        found += [(m, path) for m in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return found


def test_every_route_refuses_an_untrusted_host(trusting, client):
    assert len(_paths(trusting)) > 50
    for method, path in _paths(trusting):
        if path in ProbeHostMiddleware.PATHS and method == "GET":
            continue  # load balancers probe by address (test_probes_answer_any_host)
        for headers in (
            {"Host": "evil.example"},
            {"Host": "matchmaker.test.evil.example"},
        ):
            response = client.open(path, method=method, headers=headers)
            assert response.status_code == 400, (method, path, headers)


def test_trusted_host_is_served(trusting, client, auth):
    assert client.get("/", base_url=TRUSTED).status_code == 200
    assert client.get("/auth/login", base_url=TRUSTED).status_code == 200


def test_untrusted_host_sends_no_mail(trusting, client, make_user, outbox):
    user = make_user()
    response = client.post(
        "/auth/forgot", data={"email": user.email}, base_url="http://evil.example"
    )
    assert response.status_code == 400 and outbox == []


def test_signed_in_user_on_untrusted_host_gets_400(trusting, client, make_user):
    user = make_user(Role.ADMIN)
    client.post(
        "/auth/login", data={"email": user.email, "password": "x"}, base_url=TRUSTED
    )
    assert (
        client.get("/admin/users", headers={"Host": "evil.example"}).status_code == 400
    )


def test_probes_answer_any_host_and_nothing_else_does(trusting, client):
    for path in ProbeHostMiddleware.PATHS:
        response = client.get(path, headers={"Host": "10.0.0.7:8000"})
        assert response.status_code in (200, 503), (
            path
        )  # answered (ready or not), not refused
        assert response.is_json
        assert client.post(path, headers={"Host": "10.0.0.7"}).status_code == 400
    assert client.get("/healthz/", headers={"Host": "10.0.0.7"}).status_code == 400
    assert client.get("/metrics", headers={"Host": "10.0.0.7"}).status_code == 400
