"""Row ids in URLs: every ``*_id`` argument is 1 to 2³¹−1, so an id beyond PostgreSQL's int4 is a 404, not a 500."""

from __future__ import annotations

import pytest
from werkzeug.exceptions import MethodNotAllowed, NotFound

from matchmaker.blueprints import MAX_ROW_ID, RowIdConverter
from matchmaker.models import Role


def _id_rules(app):
    return [
        rule
        for rule in app.url_map.iter_rules()
        if any(name.endswith("_id") for name in rule.arguments)
    ]


def test_every_id_argument_uses_the_row_id_converter(app):
    rules = _id_rules(app)
    assert len(rules) > 20
    for rule in rules:
        for name, converter in rule._converters.items():
            if name.endswith("_id"):
                assert isinstance(converter, RowIdConverter), (rule.rule, name)


def test_ids_beyond_int4_or_below_one_match_no_route(app):
    adapter = app.url_map.bind("localhost")
    checked = 0
    for rule in _id_rules(app):
        others = [n for n in rule.arguments if not n.endswith("_id")]
        if any(f"<{n}>" not in rule.rule for n in others):
            continue  # another converter (e.g. ``any(...)``): covered by the first test
        method = sorted(rule.methods - {"HEAD", "OPTIONS"})[0]
        for value, found in (("1", True), (str(MAX_ROW_ID), True), (str(MAX_ROW_ID + 1), False), ("0", False)):  # fmt: skip
            path = rule.rule
            for name in rule.arguments:
                path = path.replace(f"<id:{name}>", value).replace(f"<{name}>", "x")
            if found:
                assert adapter.match(path, method=method)[0] == rule.endpoint
            else:
                # No route: 404 (or 405 when werkzeug has a rule for the path's shape elsewhere).
                with pytest.raises((NotFound, MethodNotAllowed)):
                    adapter.match(path, method=method)
        checked += 1
    assert checked > 20


@pytest.mark.parametrize(
    "path",
    [
        "/researchers/2147483648",
        "/enterprises/needs/2147483648",
        "/projects/2147483648",
        "/orders/2147483648",
        "/researchers/2147483647",
    ],
)
def test_huge_ids_are_not_found_on_every_database(client, auth, path):
    auth.login_as(Role.ADMIN)
    assert client.get(path).status_code == 404
