"""The API with an access token: the holder's internal view, read-only, 401 for a token that does not work,
private caching, and rate limits per token and per address."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from matchmaker.extensions import db
from matchmaker.models import Disbursement, Milestone, ResearchOrder, Role, Tranche
from matchmaker.services.accounts import api_tokens


@pytest.fixture
def bearer(make_user):
    """``bearer(role)``: the Authorization header of a new token of a new user with ``role``."""

    def make(role: Role = Role.OFFICIAL, **overrides) -> dict[str, str]:
        new = api_tokens.create(make_user(role, **overrides), "Kịch bản báo cáo")
        return {"Authorization": f"Bearer {new.secret}"}

    return make


def _refused_401(response) -> None:
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "invalid_token"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_unknown_malformed_and_revoked_tokens_are_401_never_the_public_view(
    client, make_user
):
    for header in ("Bearer mm_notatoken", "Bearer", "Basic dXNlcjpwYXNz", "mm_x"):
        _refused_401(client.get("/api/v1/orders", headers={"Authorization": header}))
    user = make_user(Role.OFFICIAL)
    new = api_tokens.create(user, "Tạm")
    headers = {"Authorization": f"Bearer {new.secret}"}
    assert client.get("/api/v1/orders", headers=headers).status_code == 200
    api_tokens.revoke(user, new.token.id)
    _refused_401(client.get("/api/v1/orders", headers=headers))
    _refused_401(client.get("/api/v1/openapi.json", headers=headers))


def test_a_deactivated_holders_token_is_401(client, bearer):
    headers = bearer(Role.ADMIN)
    assert client.get("/api/v1/institutions", headers=headers).status_code == 200
    from matchmaker.models import ApiToken

    token = db.session.query(ApiToken).one()
    token.user.active = False
    db.session.commit()
    _refused_401(client.get("/api/v1/institutions", headers=headers))


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_a_token_is_read_only(client, bearer, api_records, method):
    headers = bearer()
    order_id = api_records["public"]["order"]
    for path in ("/api/v1/orders", f"/api/v1/orders/{order_id}"):
        response = client.open(
            path, method=method, headers=headers, json={"title": "x"}
        )
        assert response.status_code == 403
        assert response.get_json()["error"]["code"] == "read_only_token"
    assert (
        client.open("/api/v1/orders", method=method).status_code == 405
    )  # without a token, as before
    assert client.head("/api/v1/orders", headers=headers).status_code == 200


def test_orders_before_publication_are_read_with_a_token_only(
    client, bearer, api_records
):
    draft = api_records["hidden"]["order"]
    words = api_records["words"]
    assert client.get(f"/api/v1/orders/{draft}").status_code == 404
    assert client.get("/api/v1/orders?state=draft").get_json()["total"] == 0
    headers = bearer()
    record = client.get(f"/api/v1/orders/{draft}", headers=headers).get_json()
    assert record["title"] == words["draft_title"] and record["state"] == "draft"
    listed = client.get("/api/v1/orders?state=draft", headers=headers).get_json()
    assert [o["id"] for o in listed["items"]] == [draft]
    everything = client.get("/api/v1/orders?per_page=100", headers=headers).get_json()
    public = client.get("/api/v1/orders?per_page=100").get_json()
    assert everything["total"] == public["total"] + 1


def test_a_token_reads_the_internal_fields_of_an_order(client, bearer, api_records):
    words = api_records["words"]
    internal = api_records["public"]["internal_order"]
    anonymous = client.get(f"/api/v1/orders/{internal}").get_json()
    for name in (
        "main_content",
        "state_budget",
        "contract_value",
        "internal_parts",
        "disbursed",
    ):
        assert anonymous[name] is None, name
    record = client.get(f"/api/v1/orders/{internal}", headers=bearer()).get_json()
    assert record["main_content"] == words["order_content"]
    assert record["necessity"] == words["order_necessity"]
    assert record["state_budget"] == int(words["order_budget"])
    assert record["contract_value"] == int(words["order_contract_value"])
    assert "budget" in record["internal_parts"] and record["disbursed"] == 0


def test_a_token_reads_the_money_and_schedule_of_running_work(
    client, bearer, api_records
):
    order = db.session.query(ResearchOrder).filter_by(state="in_progress").one()
    tranche = Tranche(
        order_id=order.id, number=1, planned_amount=400_000_000, due_date=date.today()
    )
    db.session.add(tranche)
    db.session.flush()
    db.session.add_all([
        Disbursement(tranche_id=tranche.id, amount=123_456_789, disbursed_on=date.today(), reference="UNC-1"),
        Milestone(order_id=order.id, title="Báo cáo giữa kỳ", due_date=date.today() - timedelta(days=20)),
    ])  # fmt: skip
    db.session.commit()
    headers = bearer()
    record = client.get(f"/api/v1/orders/{order.id}", headers=headers).get_json()
    assert record["disbursed"] == 123_456_789
    assert (
        record["schedule"] == "late" and "milestone_overdue" in record["late_reasons"]
    )
    # The list gives the same figures (from its own batched queries).
    listed = client.get("/api/v1/orders?state=in_progress", headers=headers).get_json()
    assert listed["items"] == [record]
    anonymous = client.get(f"/api/v1/orders/{order.id}").get_json()
    assert anonymous["disbursed"] is None and anonymous["schedule"] is None
    assert "123456789" not in client.get("/api/v1/orders?per_page=100").get_data(
        as_text=True
    )


def test_a_token_reads_unlisted_profiles_and_private_needs(client, bearer, api_records):
    words = api_records["words"]
    headers = bearer(Role.ADMIN)
    people = client.get("/api/v1/researchers?per_page=100", headers=headers).get_json()
    hidden = [
        p for p in people["items"] if p["name"].endswith(words["hidden_profile_name"])
    ]
    assert len(hidden) == 1 and hidden[0]["listed"] is False
    assert words["inactive_name"] not in str(
        people
    )  # a closed account stays out, token or not
    needs = client.get("/api/v1/needs?per_page=100", headers=headers).get_json()
    assert words["private_need_title"] in {n["title"] for n in needs["items"]}
    public = client.get("/api/v1/researchers?per_page=100").get_json()
    assert all(p["listed"] is None for p in public["items"])


def test_answers_read_with_a_token_are_private(client, bearer, api_records):
    public = client.get("/api/v1/orders")
    assert public.headers["Cache-Control"] == "public, no-cache"
    assert "Authorization" in public.headers["Vary"]
    private = client.get("/api/v1/orders", headers=bearer())
    assert private.headers["Cache-Control"] == "private, no-cache"
    assert "Authorization" in private.headers["Vary"]


def test_the_openapi_document_declares_the_bearer_scheme(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["components"]["securitySchemes"]["bearerToken"] == {
        "type": "http", "scheme": "bearer", "bearerFormat": "mm_…",
        "description": "An access token from the account page of an official or administrator.",
    }  # fmt: skip
    assert spec["security"] == [{}, {"bearerToken": []}]
    responses = spec["paths"]["/api/v1/orders"]["get"]["responses"]
    assert {"401", "403", "429"} <= set(responses)


def _hit_limit(client, headers=None) -> object:
    answers = [
        client.get("/api/v1/institutions", headers=headers or {}) for _ in range(3)
    ]
    assert [a.status_code for a in answers[:2]] == [200, 200]
    return answers[2]


def _is_429(response) -> None:
    assert response.status_code == 429
    assert response.get_json()["error"]["code"] == "too_many_requests"
    assert 1 <= int(response.headers["Retry-After"]) <= 61


def test_each_token_has_its_own_budget(app, client, bearer):
    app.config["API_TOKEN_RATE_LIMIT"] = "2 per minute"
    first, second = bearer(), bearer(Role.ADMIN)
    _is_429(_hit_limit(client, first))
    assert client.get("/api/v1/institutions", headers=second).status_code == 200
    # The address's own budget (anonymous calls) is untouched by the tokens' calls.
    assert client.get("/api/v1/institutions").status_code == 200


def test_an_address_without_a_token_has_its_budget(app, client, bearer):
    app.config["API_RATE_LIMIT"] = "2 per minute"
    _is_429(_hit_limit(client))
    assert client.get("/api/v1/institutions", headers=bearer()).status_code == 200
    # Bad tokens count against the address: no guessing past the limit.
    _is_429(
        client.get("/api/v1/institutions", headers={"Authorization": "Bearer mm_guess"})
    )
