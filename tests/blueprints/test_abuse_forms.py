"""Generated input (Hypothesis) against the main forms: registration, researcher profile, need, order,
proposal and search. Whatever is typed, the answer is never a 500 and never executable markup.

``make test`` runs a few derandomised examples per form; ``make abuse`` (MATCHMAKER_ABUSE=deep) many more.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from route_walk import (
    DEEP,
    ODD_NUMBERS,
    SQL_INJECTIONS,
    executable_markup,
    form_fields,
    good_value,
    page_choices,
    route_fields,
    sign_in,
)

from matchmaker.extensions import db
from matchmaker.models import Role
from matchmaker.services.search import index as search

pytestmark = pytest.mark.abuse

EXAMPLES = 150 if DEEP else 8
GENERATED = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not DEEP,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
MARKUP = (
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
)

# Anything a person, a script or a broken browser may send in one field.
VALUES = st.one_of(
    st.text(max_size=80),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=200, max_size=3000),
    st.sampled_from(
        SQL_INJECTIONS + ODD_NUMBERS + MARKUP + ("", " ", "\x00", "\u202e")
    ),
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.dates().map(str),
)

# endpoint: (who fills it in, its URL)
MAIN_FORMS = {
    "auth.register": ("visitor", "/auth/register"),
    "researchers.edit": ("pi", "/researchers/me"),
    "enterprises.needs.create": ("representative", "/enterprises/needs/new"),
    "orders.create": ("official", "/orders/new"),
    "orders.proposals.create": ("researcher", "/orders/{order}/proposals/new"),
}


def _check(response, failures: list[str], what: str) -> None:
    if response.status_code >= 500:
        failures.append(f"{response.status_code} {what}")
    elif response.mimetype == "text/html":
        failures += [f"{what}: {found}" for found in executable_markup(response.get_data(as_text=True))]  # fmt: skip


@pytest.mark.parametrize("endpoint", sorted(MAIN_FORMS))
def test_generated_input_to_the_main_forms_never_breaks_them(
    app, hostile_world, make_user, make_published_order, endpoint
):
    identity, url = MAIN_FORMS[endpoint]
    if identity == "researcher":
        now = datetime.now(UTC)
        order = make_published_order(now - timedelta(days=1), now + timedelta(days=30))
        url = url.format(order=order.id)
        who = make_user(Role.RESEARCHER, institution=hostile_world.pi.institution)
    else:
        who = getattr(hostile_world, identity, None)
    client = app.test_client()
    sign_in(client, who)
    fields = route_fields(
        app, endpoint, form_fields(app, hostile_world.ids["milestone_id"])
    )
    choices = page_choices(client, [url])
    good = {
        name: value
        for name, field in fields.items()
        if (value := good_value(field, choices) if field else "1") is not None
    }
    names = sorted(name for name in good if name != "csrf_token")
    failures: list[str] = []

    @GENERATED
    @given(st.dictionaries(st.sampled_from(names), VALUES, max_size=len(names)))
    def send(spoiled: dict[str, str]) -> None:
        # A visitor's registration signs nobody in for the next example: a fresh client each time.
        sender = app.test_client() if who is None else client
        response = sender.post(url, data=good | spoiled)
        _check(response, failures, f"POST {url} {spoiled!r:.200}")
        db.session.rollback()

    send()
    assert failures == []


@GENERATED
@given(
    query=st.dictionaries(
        st.sampled_from(
            ["q", "kind", "field", "district", "page", "sort", "year", "status"]
        ),
        VALUES,
        max_size=5,
    )
)
def test_generated_search_queries_never_break_the_search(app, client, query):
    if not (Path(app.config["MATCHMAKER_DATA_DIR"]) / "search_index").exists():
        search.rebuild()  # an empty index: the search answers 503 without one
    failures: list[str] = []
    for url in ("/search/", "/search/suggest", "/researchers/", "/enterprises/needs"):
        _check(
            client.get(url, query_string=query), failures, f"GET {url} {query!r:.200}"
        )
    assert failures == []
