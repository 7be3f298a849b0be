"""Every route of the app, with hostile input: NUL and other control characters, huge and negative numbers.

The routes come from ``app.url_map``, the query parameters from the blueprints' source, and the POSTed
fields from every form class, so a new route, parameter or field is covered without touching this file.
No answer may be a 500, and no control character may reach the database.
"""

from __future__ import annotations

import pytest
from route_walk import (
    DEEP,
    PAYLOADS,
    control_characters_in_database,
    form_fields,
    page_choices,
    post_payloads,
    query_names,
    query_strings,
    route_fields,
    routes,
    sign_in,
)

pytestmark = pytest.mark.abuse

# The default run leaves out the identities whose routes another one mostly covers (the administrator is
# staff, like the official; a researcher's query strings meet the pages a visitor and an administrator meet).
IDENTITIES = ["visitor", "admin", "pi"] + (["official"] if DEEP else [])


# --- the tests -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("identity", ["visitor", "admin"] + (["pi"] if DEEP else []))
def test_every_get_route_survives_hostile_query_strings(
    app, client, hostile_world, identity
):
    sign_in(client, getattr(hostile_world, identity, None))
    failures, requests = [], 0
    for url, _endpoint in routes(app, hostile_world, "GET"):
        for query in query_strings(query_names(), DEEP):
            response = client.get(url, query_string=query)
            requests += 1
            if response.status_code >= 500:
                failures.append(
                    f"{response.status_code} GET {url} {sorted(query.items())[:3]}…"
                )
    assert requests > 150
    assert failures == []


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("identity", IDENTITIES)
def test_every_post_route_survives_hostile_forms(
    app, client, hostile_world, identity, payload
):
    sign_in(client, getattr(hostile_world, identity, None))
    forms = form_fields(app, hostile_world.ids["milestone_id"])
    choices = page_choices(
        client, [url for url, _endpoint in routes(app, hostile_world, "GET")]
    )
    failures, saved, sent = [], 0, 0
    for url, endpoint in routes(app, hostile_world, "POST"):
        for data in post_payloads(route_fields(app, endpoint, forms), choices, payload):
            response = client.post(url, data=data, content_type="multipart/form-data")
            saved, sent = saved + (response.status_code == 302), sent + 1
            if response.status_code >= 500:
                failures.append(
                    f"{response.status_code} POST {url} {sorted(data)[:4]}…"
                )
    assert failures == []
    assert control_characters_in_database() == []
    assert sent >= 50
    if identity != "visitor" and payload == "nul":
        # Stripped of their control characters, the values are valid: some submissions went through.
        assert saved >= 3
