"""JSON logs as an operator's log collector reads them: one line per request with its id; from the outbox
worker, one per delivery not sent and one per batch sent."""

import json
import re

import pytest
from sqlalchemy import select

from api import logs
from services.models import EventRecord
from tests.feedback_fixtures import *  # noqa: F403
from tests.feedback_fixtures import submit
from tests.test_webhooks_outbox import drain, register, webhooks_on  # noqa: F401
from tests.webhook_receiver import Answer, Receiver

GENERATED = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def json_app(app, make_app):
    """An app logging JSON (the process's logging goes back to the suite's app's format afterwards)."""
    yield make_app(LOG_FORMAT="json")
    logs.configure(app.config["LOG_FORMAT"])


def lines(capsys, logger=None) -> list[dict]:
    """The JSON objects written to stderr so far (from `logger`)."""
    found = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    return [line for line in found if logger is None or line["logger"] == logger]


def test_one_json_line_per_request_names_its_id_and_caller(json_app, capsys, make_device):
    device = make_device()
    capsys.readouterr()

    response = json_app.test_client().get(
        "/api/v1/devices/me?secret=query",
        headers={"Authorization": f"Bearer {device.token}", "X-Request-ID": "req-0123456789"},
    )

    assert response.status_code == 200
    (line,) = lines(capsys, "citizen.requests")
    assert line["request_id"] == response.headers["X-Request-ID"] == "req-0123456789"
    assert (line["method"], line["path"], line["status"], line["caller"]) == (
        "GET",
        "/api/v1/devices/me",  # without the query: what citizens look up stays out of the logs
        200,
        "device",
    )
    assert line["remote_addr"] == "127.0.0.1" and line["duration_ms"] >= 0
    assert line["level"] == "INFO" and line["time"]


def test_an_anonymous_request_and_a_refused_one(json_app, capsys):
    browser = json_app.test_client()
    capsys.readouterr()
    browser.get("/api/v1/areas/provinces")
    browser.get("/api/v1/devices/me", headers={"Authorization": "Bearer dev_not-a-token"})
    anonymous, refused = lines(capsys, "citizen.requests")
    assert (anonymous["caller"], refused["caller"], refused["status"]) == ("anonymous", None, 401)


@pytest.mark.parametrize("given", ["short", "has spaces in it", "x" * 129, "semi;colon;here", ""])
def test_a_malformed_request_id_is_replaced(client, given):
    response = client.get("/healthz", headers={"X-Request-ID": given} if given else {})
    assert GENERATED.fullmatch(response.headers["X-Request-ID"])


def test_every_answer_carries_its_request_id_even_an_error(client):
    for response in (client.get("/no-such-page"), client.post("/api/v1/devices", data="{")):
        assert response.status_code >= 400
        assert GENERATED.fullmatch(response.headers["X-Request-ID"])
    assert (
        client.get("/healthz", headers={"X-Request-ID": "a.b_c-0123"}).headers["X-Request-ID"] == "a.b_c-0123"
    )


def test_the_worker_logs_each_delivery_outcome(webhooks_on, json_app, staff, citizen, road_form, db, capsys):  # noqa: F811
    with Receiver(Answer(503), Answer(204)) as receiver:
        register(staff["editor_a"], receiver.url())
        submit(citizen)
        capsys.readouterr()
        drain(webhooks_on, db)

    retried, sent = lines(capsys, "citizen.outbox")
    assert (retried["outcome"], retried["attempt"], sent["outcome"], sent["attempt"]) == (
        "retrying",
        1,
        "sent",
        2,
    )
    assert sent["channel"] == "webhook" and sent["delivery_id"] == retried["delivery_id"]
    assert sent["event_id"] and sent["duration_ms"] >= 0


def test_a_batch_sent_together_is_one_line_naming_its_events(
    webhooks_on,  # noqa: F811
    json_app,
    staff,
    citizen,
    road_form,
    db,
    capsys,
):
    with Receiver(Answer(204), Answer(204), Answer(204)) as receiver:
        register(staff["editor_a"], receiver.url())
        submitted = [submit(citizen) for _ in range(3)]
        capsys.readouterr()
        drain(webhooks_on, db)

    (line,) = lines(capsys, "citizen.outbox")
    assert (line["channel"], line["outcome"], line["count"]) == ("webhook", "sent", 3)
    events = db.scalars(
        select(EventRecord.id).where(EventRecord.subject_id.in_([f["id"] for f in submitted]))
    )
    assert sorted(line["event_ids"]) == sorted(str(e) for e in events) and len(line["event_ids"]) == 3
    assert "delivery_id" not in line and line["duration_ms"] >= 0
