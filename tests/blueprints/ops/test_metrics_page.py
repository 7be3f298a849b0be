"""/metrics: Prometheus text with request latency by endpoint and job metrics; open only to this machine
or to the configured token."""

from __future__ import annotations

import re

import pytest
from prometheus_client.parser import text_string_to_metric_families

from matchmaker.observability import metrics

OUTSIDE = {"REMOTE_ADDR": "203.0.113.9"}


def _sample(text: str, name: str, **labels: str) -> float:
    """The sum of the samples whose labels include ``labels`` (0 when none): other labels, such as the
    status code earlier tests answered with, may split one endpoint into several series."""
    total = 0.0
    for line in text.splitlines():
        if not line.startswith(name + "{"):
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', line.split("}")[0]))
        if all(found.get(k) == v for k, v in labels.items()):
            total += float(line.rsplit(" ", 1)[1])
    return total


def test_request_latency_is_labelled_by_endpoint_never_by_url(client, make_user):
    user = make_user()
    before = client.get("/metrics").get_data(as_text=True)
    client.get(f"/researchers/{user.id}")
    client.get("/no/such/page/12345")
    text = client.get("/metrics").get_data(as_text=True)
    assert "# TYPE matchmaker_http_request_duration_seconds histogram" in text
    count = "matchmaker_http_request_duration_seconds_count"
    for endpoint in ("researchers.detail", "unmatched"):
        grew = _sample(text, count, endpoint=endpoint, method="GET") - _sample(
            before, count, endpoint=endpoint, method="GET"
        )
        assert grew == 1, endpoint
    # Label values only: a sample's value (a timestamp) may contain "12345" by chance.
    labels = {
        value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        for value in sample.labels.values()
    }
    assert "unmatched" in labels and "researchers.detail" in labels
    assert not [v for v in labels if "/researchers/" in v or "12345" in v]


def test_job_metrics_count_durations_and_failures(client):
    metrics.record_job("test.mail", 0.25, ok=True)
    with pytest.raises(RuntimeError), metrics.timed_job("test.refit"):
        raise RuntimeError("refit failed")
    text = client.get("/metrics").get_data(as_text=True)
    assert (
        _sample(
            text, "matchmaker_job_duration_seconds_count", job="test.mail", outcome="ok"
        )
        >= 1
    )
    assert (
        _sample(
            text, "matchmaker_job_duration_seconds_sum", job="test.mail", outcome="ok"
        )
        >= 0.25
    )
    assert _sample(text, "matchmaker_job_failures_total", job="test.refit") >= 1
    assert _sample(text, "matchmaker_job_failures_total", job="test.mail") == 0


def test_metrics_refuse_other_machines_and_forwarded_requests(app, client):
    assert client.get("/metrics").status_code == 200
    assert client.get("/metrics", environ_base=OUTSIDE).status_code == 403
    # Through a reverse proxy on this machine the connection is from loopback, but the visitor is not.
    forwarded = client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
    assert forwarded.status_code == 403
    app.config["METRICS_ALLOW_LOOPBACK"] = False
    assert client.get("/metrics").status_code == 403


def test_metrics_token_lets_a_remote_scraper_in(app, client):
    app.config["METRICS_TOKEN"] = "scrape-token-7f3a"
    good = {"Authorization": "Bearer scrape-token-7f3a"}
    assert client.get("/metrics", environ_base=OUTSIDE, headers=good).status_code == 200
    for wrong in ("Bearer scrape-token-7f3b", "Basic scrape-token-7f3a", "Bearer "):
        response = client.get(
            "/metrics", environ_base=OUTSIDE, headers={"Authorization": wrong}
        )
        assert response.status_code == 403, wrong
    # A wrong token is refused even from loopback: a scraper that sends one is misconfigured.
    assert (
        client.get("/metrics", headers={"Authorization": "Bearer nope"}).status_code
        == 403
    )
