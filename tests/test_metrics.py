"""GET /metrics as a Prometheus server reads it: requests, deliveries, the outbox backlog, overdue
feedback; and only for the operators' networks or their token."""

from datetime import timedelta

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import update

from services import outbox
from services.core.db import utcnow
from services.models import Feedback
from tests.conftest import assert_problem
from tests.feedback_fixtures import *  # noqa: F403
from tests.feedback_fixtures import submit
from tests.reliability.harness import gunicorn
from tests.test_webhooks_outbox import drain, register, webhooks_on  # noqa: F401
from tests.webhook_receiver import Answer, Receiver


def scrape(caller, **options) -> dict:
    response = caller.get("/metrics", **options)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/plain"
    return parsed(response.get_data(as_text=True))


def parsed(text: str) -> dict:
    """{(sample name, sorted labels): value}, read by prometheus_client's own parser."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples, name, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_a_request_is_counted_under_its_url_rule_with_its_latency(client, make_department):
    department = make_department()
    rule = {"endpoint": "/api/v1/departments/<uuid:department_id>", "method": "GET"}
    before = scrape(client)

    client.get(f"/api/v1/departments/{department.id}")  # 401: anonymous
    after = scrape(client)

    requests = "citizen_http_requests_total"
    assert value(after, requests, **rule, status="401") == value(before, requests, **rule, status="401") + 1
    latency = "citizen_http_request_duration_seconds_count"
    assert value(after, latency, **rule) == value(before, latency, **rule) + 1
    assert not any(str(department.id) in str(labels) for _, labels in after)  # never the raw path


def test_a_path_no_rule_matches_is_counted_as_unmatched(client):
    before = scrape(client)
    client.get("/no/such/page")
    after = scrape(client)
    labels = {"endpoint": "unmatched", "method": "GET", "status": "404"}
    assert (
        value(after, "citizen_http_requests_total", **labels)
        == value(before, "citizen_http_requests_total", **labels) + 1
    )


def test_the_worker_counts_each_delivery_outcome(webhooks_on, app, staff, citizen, road_form, db, client):  # noqa: F811
    before = scrape(client)
    with Receiver(Answer(503), Answer(204)) as receiver:
        register(staff["editor_a"], receiver.url())
        submit(citizen)
        drain(webhooks_on, db)
    after = scrape(client)

    for outcome in ("retrying", "sent"):
        labels = {"channel": "webhook", "outcome": outcome}
        assert (
            value(after, "citizen_outbox_deliveries_total", **labels)
            == value(before, "citizen_outbox_deliveries_total", **labels) + 1
        )


def test_the_backlog_is_read_from_the_outbox_at_scrape_time(client, db):
    waiting = outbox.enqueue(db, "metrics-test", "a", {})
    outbox.enqueue(db, "metrics-test", "b", {})
    outbox.enqueue(db, "metrics-test", "later", {}, send_at=utcnow() + timedelta(hours=1))  # not due yet
    db.flush()
    db.execute(
        update(type(waiting))
        .where(type(waiting).id == waiting.id)
        .values(next_attempt_at=utcnow() - timedelta(minutes=10))
    )
    db.commit()

    samples = scrape(client)

    assert value(samples, "citizen_outbox_depth", channel="metrics-test") == 3
    assert 600 <= value(samples, "citizen_outbox_oldest_due_age_seconds", channel="metrics-test") < 3600
    assert value(samples, "citizen_outbox_depth", channel="webhook") == 0  # every routed channel, even idle
    assert value(samples, "citizen_database_up") == 1


def test_overdue_feedback_is_counted(client, citizen, road_form, db):
    before = value(scrape(client), "citizen_feedback_overdue")
    late = submit(citizen)
    submit(citizen)  # still in time
    db.execute(update(Feedback).where(Feedback.id == late["id"]).values(due_at=utcnow() - timedelta(hours=1)))
    db.commit()

    assert value(scrape(client), "citizen_feedback_overdue") == before + 1


# ---------------------------------------------------------------- who may read it

OUTSIDER = "203.0.113.7"


def test_loopback_reads_it_and_another_network_is_told_nothing_is_there(client):
    scrape(client)  # the test client calls from 127.0.0.1
    refused = client.get("/metrics", environ_overrides={"REMOTE_ADDR": OUTSIDER})
    assert_problem(refused, 404, "not_found")  # the answer to any unknown path


@pytest.fixture
def behind_proxy(make_app):
    """An app behind one proxy, on loopback: the client's address is the forwarded one."""
    return make_app(TRUSTED_PROXIES=1, METRICS_TOKEN="scrape-token-0123456789", METRICS_ALLOW="10.0.0.0/8")


def test_the_forwarded_client_address_decides(behind_proxy):
    browser = behind_proxy.test_client()
    assert browser.get("/metrics", headers={"X-Forwarded-For": OUTSIDER}).status_code == 404
    assert browser.get("/metrics").status_code == 404  # loopback is no longer listed
    scrape(browser, headers={"X-Forwarded-For": "10.20.30.40"})


def test_the_token_lets_a_scraper_in_from_anywhere(behind_proxy):
    browser = behind_proxy.test_client()
    outside = {"X-Forwarded-For": OUTSIDER}
    scrape(browser, headers={**outside, "Authorization": "Bearer scrape-token-0123456789"})
    wrong = browser.get("/metrics", headers={**outside, "Authorization": "Bearer scrape-token-0123456788"})
    assert wrong.status_code == 404


def test_no_token_is_accepted_when_none_is_set(client):
    anything = client.get(
        "/metrics", headers={"Authorization": "Bearer "}, environ_overrides={"REMOTE_ADDR": OUTSIDER}
    )
    assert anything.status_code == 404


# ---------------------------------------------------------------- under gunicorn


def test_gunicorn_workers_add_up_their_counts_in_one_scrape(database_url, tmp_path):
    """Multiprocess mode as deployed: whichever worker answers the scrape, it counts every worker's
    requests; a stale file of an earlier run is wiped at start."""
    folder = tmp_path / "prometheus"
    folder.mkdir()
    (folder / "counter_999999.db").write_bytes(b"left over from the last run")
    settings = {"PROMETHEUS_MULTIPROC_DIR": folder, "GUNICORN_WORKERS": 2, "GUNICORN_THREADS": 1}

    def healthz_count(base) -> float:
        samples = parsed(httpx.get(f"{base}/metrics").raise_for_status().text)
        return value(samples, "citizen_http_requests_total", endpoint="/healthz", method="GET", status="200")

    with gunicorn(database_url, tmp_path, **settings) as api:
        assert not (folder / "counter_999999.db").exists()
        before = healthz_count(api.base)
        for _ in range(20):
            httpx.get(f"{api.base}/healthz", headers={"Connection": "close"}).raise_for_status()
        assert healthz_count(api.base) == before + 20
        assert list(folder.glob("counter_*.db"))  # the workers write their counts there
